// `astri model inspect FILE`: what the runtime reads from a Keras .h5/.keras (or ONNX) file, as JSON.
import type { Command } from 'commander';
import { configFrom } from './main.ts';
import { addTrainDemoCommand } from './train-demo.ts';

export function registerModelCommand(program: Command): void {
  const model = program.command('model').description('inspect model files');
  addTrainDemoCommand(model);
  model
    .command('inspect')
    .description('load a Keras .h5 or .keras model (every layer and weight checked) and print its description as JSON')
    .argument('<file>', 'Keras .h5 or .keras model file')
    .option('--gamma-class-index <index>', 'output unit meaning "gamma" (default: config inference.gammaClassIndex)', parseIndex)
    .option('--output <name>', 'for a model with several outputs: the one served, by layer name or index (default: config inference.outputName)')
    .action(async (file: string, options: { gammaClassIndex?: number; output?: string }) => {
      const config = configFrom(program);
      const { describeModelFile } = await import('../inference/index.ts');
      const outputName = options.output ?? config.inference.outputName;
      const description = await describeModelFile(file, {
        gammaClassIndex: options.gammaClassIndex ?? config.inference.gammaClassIndex,
        ...(outputName !== undefined ? { outputName } : {}),
      });
      process.stdout.write(`${JSON.stringify(description, null, 2)}\n`);
    });
}

function parseIndex(value: string): number {
  const index = Number(value);
  if (!Number.isInteger(index) || index < 0) throw new Error(`--gamma-class-index must be an integer >= 0, got "${value}"`);
  return index;
}
