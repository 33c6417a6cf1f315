// `astri model inspect FILE`: what the service makes of a Keras .h5/.keras (or ONNX) file, as JSON.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { configFrom } from './global-options.ts';
import { addTrainDemoCommand } from './train-demo.ts';

export function registerModelCommand(program: Command): void {
  const model = program.command('model').description('inspect model files');
  addTrainDemoCommand(model);
  model
    .command('inspect')
    .description('load a Keras .h5 or ONNX model (every layer and weight checked) and print what the service makes of it, as JSON')
    .argument('<file>', 'Keras .h5/.keras or ONNX model file')
    .option('--output <name>', 'for a model with several outputs: the one served, by layer name or index (default: config inference.outputName)')
    .option('--labels <file>', 'labels.txt naming the classes in output order (default: <model>.labels.txt or labels.txt beside the model)')
    .action(async (file: string, options: { labels?: string; output?: string }) => {
      const config = configFrom(program);
      const { describeModelFile } = await import('../inference/index.ts');
      const { resolveClassNames, resolvePreprocessing } = await import('../models/model-classes.ts');
      const outputName = options.output ?? config.inference.outputName;
      const description = await describeModelFile(file, outputName !== undefined ? { outputName } : {});
      const labelsText = options.labels ? await readFile(options.labels, 'utf8') : null;
      const configured = path.resolve(file) === path.resolve(config.inference.model) ? config.inference.classNames : null;
      const { classNames, source } = await resolveClassNames(file, description, { labelsText, configClassNames: configured });
      const preprocessing = resolvePreprocessing(description, config.inference.pixelScale, null);
      process.stdout.write(`${JSON.stringify({ ...description, classNames, classNamesSource: source, preprocessing }, null, 2)}\n`);
    });
}
