// Describes a model file in a short-lived worker thread (the description's types are in model-description.ts).
import path from 'node:path';
import { type DescribeOptions, type ModelDescription } from './model-description.ts';
import { spawnWorker } from './worker/spawn.ts';

/**
 * Loads and describes a model file in a short-lived worker thread, so neither HDF5 reading nor model building
 * blocks the caller's event loop. Rejects with the loader's named error for a file that cannot be served.
 */
export async function describeModelFile(file: string, options: DescribeOptions = {}): Promise<ModelDescription> {
  const { worker, first } = await spawnWorker({
    task: 'describe',
    modelFile: path.resolve(file),
    backend: 'cpu',
    threads: 1,
    preprocessing: { colorMode: 'grayscale', scale: 1, offset: 0, mean: [], std: [] },
    ...(options.outputName !== undefined ? { outputName: options.outputName } : {}),
    warmupBatchSizes: [],
  });
  await worker.terminate();
  if (first.type !== 'described') throw new Error(`describe worker answered "${first.type}"`);
  return first.description;
}
