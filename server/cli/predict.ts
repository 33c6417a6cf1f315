// `astri predict`: score PNG images with a model from the command line, one line per image.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { decodePng, toChannels } from '../data/png.ts';
import { RunScorer, topClasses } from '../predictions/scoring.ts';
import { configFrom } from './global-options.ts';

export class PredictError extends Error {
  override name = 'PredictError';
}

export class ImageSizeError extends Error {
  override name = 'ImageSizeError';
}

interface PredictOptions {
  model?: string;
  json?: boolean;
  dir?: string;
  backend?: string;
  threads?: number;
  batchSize?: number;
  labels?: string;
  output?: string;
}

export function registerPredictCommand(program: Command): void {
  program
    .command('predict')
    .description("print each image's score per class (PNG); unreadable images are reported and skipped")
    .argument('[images...]', 'PNG files')
    .option('-m, --model <file>', 'Keras .h5/.keras or ONNX model (default: config inference.model)')
    .option('-d, --dir <dir>', 'score every .png under this folder (recursively, in name order)')
    .option('--json', 'one JSON object per line: {"file", "scores": {class: score}, "predicted", "outputs"}')
    .option('--backend <name>', 'auto, tensorflow, wasm or cpu (default: config inference.backend)')
    .option('--threads <n>', 'worker threads, 0 = one per core (default: config inference.threads)', parseCount(0))
    .option('--batch-size <n>', 'images per batch (default: config inference.batchSize)', parseCount(1))
    .option('--labels <file>', 'labels.txt naming the classes in output order (default: beside the model, else config inference.classNames)')
    .option('--output <name>', 'for a model with several outputs: the one to score with, by layer name or index (default: config inference.outputName)')
    .action(async (images: string[], options: PredictOptions) => {
      const inference: Record<string, unknown> = {};
      if (options.backend !== undefined) inference.backend = options.backend;
      if (options.threads !== undefined) inference.threads = options.threads;
      if (options.batchSize !== undefined) inference.batchSize = options.batchSize;
      if (options.output !== undefined) inference.outputName = options.output;
      if (options.model !== undefined) inference.model = options.model;
      const config = configFrom(program, Object.keys(inference).length ? { inference } : undefined);

      const files = [...images, ...(options.dir ? await listPngFiles(options.dir) : [])];
      if (files.length === 0) throw new PredictError('no images given: name PNG files or use --dir DIR');

      const { describeModelFile, InferenceEngine } = await import('../inference/index.ts');
      const { resolveClassNames, resolvePreprocessing } = await import('../models/model-classes.ts');
      const description = await describeModelFile(config.inference.model);
      const labelsText = options.labels ? await readFile(options.labels, 'utf8') : null;
      // inference.classNames name the configured model's classes, not those of a model given with --model.
      const configClassNames = options.model === undefined ? config.inference.classNames : null;
      const { classNames } = await resolveClassNames(config.inference.model, description, { labelsText, configClassNames });
      const engine = await InferenceEngine.start({
        modelFile: config.inference.model,
        backend: config.inference.backend,
        threads: config.inference.threads,
        preprocessing: resolvePreprocessing(description, config.inference.pixelScale, null),
        ...(config.inference.outputName !== undefined ? { outputName: config.inference.outputName } : {}),
      });
      const scorer = new RunScorer(engine.description.outputKind, engine.description.outputUnits, classNames.length, classNames.map((_, i) => i));
      let failed = 0;
      try {
        const [height, width, channels] = engine.description.inputShape;
        if (channels !== 1 && channels !== 3) {
          throw new PredictError(`the model takes ${channels} channels per pixel; PNG images can be fed as 1 (grayscale) or 3 (RGB)`);
        }
        const bytesPerImage = height * width * channels;
        const batchSize = config.inference.batchSize;
        for (let first = 0; first < files.length; first += batchSize) {
          const batchFiles = files.slice(first, first + batchSize);
          const pixels = new Uint8Array(batchFiles.length * bytesPerImage);
          const scored: string[] = [];
          const loaded = await Promise.all(batchFiles.map((file) => readImage(file, width, height, channels as 1 | 3)));
          loaded.forEach((result, i) => {
            if (result instanceof Error) {
              failed++;
              process.stderr.write(`astri: ${result.name}: ${result.message}\n`);
              return;
            }
            pixels.set(result, scored.length * bytesPerImage);
            scored.push(batchFiles[i]);
          });
          if (scored.length === 0) continue;
          const { outputs, outputsPerImage } = await engine.infer(pixels.subarray(0, scored.length * bytesPerImage), scored.length);
          const lines = scored.map((file, i) => {
            const raw = outputs.subarray(i * outputsPerImage, (i + 1) * outputsPerImage);
            const scores = scorer.score(raw);
            const predicted = classNames[topClasses(scores, 1)[0].classIndex];
            if (options.json) return JSON.stringify({ file, scores: Object.fromEntries(classNames.map((name, k) => [name, scores[k]])), predicted, outputs: Array.from(raw) });
            return `${file}\t${predicted}\t${classNames.map((name, k) => `${name}=${scores[k].toFixed(6)}`).join('\t')}`;
          });
          process.stdout.write(`${lines.join('\n')}\n`);
        }
      } finally {
        await engine.close();
      }
      if (failed > 0) throw new PredictError(`${failed} of ${files.length} images could not be scored (see above)`);
    });
}

/** Reads, decodes and checks one image; returns its pixels, or the error to report for it. */
async function readImage(file: string, width: number, height: number, channels: 1 | 3): Promise<Uint8Array | Error> {
  try {
    const image = decodePng(await readFile(file), file);
    if (image.width !== width || image.height !== height) {
      return new ImageSizeError(`${file} is ${image.width}x${image.height} pixels; the model takes ${width}x${height}`);
    }
    return toChannels(image, channels);
  } catch (error) {
    // decodePng names the file in its errors; a read error (ENOENT, EISDIR) names it too.
    return error instanceof Error ? error : new Error(`${file}: ${String(error)}`);
  }
}

async function listPngFiles(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { recursive: true, withFileTypes: true });
  } catch (error) {
    throw new PredictError(`cannot read --dir ${dir}: ${(error as Error).message}`);
  }
  return entries
    .filter((entry) => entry.isFile() && entry.name.toLowerCase().endsWith('.png'))
    .map((entry) => path.join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name))
    .sort();
}

function parseCount(min: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`expected an integer >= ${min}, got "${value}"`);
    return n;
  };
}
