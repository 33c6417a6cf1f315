// `astri model train-demo`: trains the demo CNN on generated events, writes the .h5, scores it on held-out events;
// with --multiclass, the 4-class (gamma, proton, electron, muon) softmax CNN and its labels file.
// Progress per epoch goes to stderr, one JSON summary to stdout.
import path from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { PROJECT_ROOT } from '../config.ts';
import type { TrainingProgress } from '../training/index.ts';
import { configFrom } from './global-options.ts';

const DEFAULT_OUT = path.join(PROJECT_ROOT, 'data', 'models', 'astri-demo-cnn.h5');
const DEFAULT_MULTICLASS_OUT = path.join(PROJECT_ROOT, 'data', 'models', 'astri-demo-4class.h5');
/** Each mode's defaults reproduce its committed model (docs/demo-model.md); both make about 42,000 image passes. */
const DEFAULTS = {
  binary: { perBin: 500, epochs: 6, learningRate: 0.002, validationPerBin: 100, evalPerBin: 1000, out: DEFAULT_OUT },
  multiclass: { perBin: 200, epochs: 8, learningRate: 0.004, validationPerBin: 50, evalPerBin: 500, out: DEFAULT_MULTICLASS_OUT },
} as const;
/** Seeds of the committed demo model (docs/demo-model.md); the served dataset uses config demo.seed (42). */
const DEFAULT_SEED = 7;
const DEFAULT_EVAL_SEED = 2024;
const BACKENDS = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;

interface TrainDemoCliOptions {
  multiclass?: boolean;
  seed: number;
  perBin?: number;
  epochs?: number;
  batchSize: number;
  learningRate?: number;
  validationPerBin?: number;
  evalSeed: number;
  evalPerBin?: number;
  backend: (typeof BACKENDS)[number];
  out?: string;
}

/** Adds `train-demo` under the `model` command. */
export function addTrainDemoCommand(modelCommand: Command): void {
  modelCommand
    .command('train-demo')
    .description('train the demo gamma/hadron CNN on freshly generated demo events and save it as Keras .h5')
    .option('--multiclass', 'train the 4-class CNN (softmax over gamma, proton, electron, muon) instead; also writes <out>.labels.txt')
    .option('--seed <n>', 'generator seed of the training events (validation uses seed + 1); not config demo.seed', parseInteger('--seed', 0), DEFAULT_SEED)
    .option('--per-bin <n>', 'training events of each class per energy bin (default 500; --multiclass 200)', parseInteger('--per-bin', 1))
    .option('--epochs <n>', 'passes over the training events (default 6; --multiclass 8)', parseInteger('--epochs', 1))
    .option('--batch-size <n>', 'events per gradient step', parseInteger('--batch-size', 1), 32)
    .option('--learning-rate <x>', "Adam's initial step size, cosine decay to 5% (default 0.002; --multiclass 0.004)", parseRate)
    .option('--validation-per-bin <n>', 'validation events of each class per bin, scored after every epoch (default 100; --multiclass 50)', parseInteger('--validation-per-bin', 1))
    .option('--eval-seed <n>', 'generator seed of the held-out evaluation events', parseInteger('--eval-seed', 0), DEFAULT_EVAL_SEED)
    .option('--eval-per-bin <n>', 'held-out events of each class per bin scored at the end, 0: skip (default 1000; --multiclass 500)', parseInteger('--eval-per-bin', 0))
    .option('--backend <name>', `training backend: ${BACKENDS.join(', ')}`, parseBackend, 'auto')
    .option('--out <file>', `where to write the Keras .h5 model (default ${path.relative(PROJECT_ROOT, DEFAULT_OUT)}; --multiclass ${path.relative(PROJECT_ROOT, DEFAULT_MULTICLASS_OUT)})`)
    .action(async (given: TrainDemoCliOptions) => {
      const mode = given.multiclass ? 'multiclass' : 'binary';
      const options = {
        ...given,
        perBin: given.perBin ?? DEFAULTS[mode].perBin,
        epochs: given.epochs ?? DEFAULTS[mode].epochs,
        learningRate: given.learningRate ?? DEFAULTS[mode].learningRate,
        validationPerBin: given.validationPerBin ?? DEFAULTS[mode].validationPerBin,
        evalPerBin: given.evalPerBin ?? DEFAULTS[mode].evalPerBin,
        out: given.out ?? DEFAULTS[mode].out,
      };
      const config = configFrom(modelCommand.parent ?? modelCommand);
      const { trainDemoModel, evaluateOnHeldOutEvents, TrainingOptionsError } = await import('../training/index.ts');
      const { energyBins } = await import('../data/energy-bins.ts');
      const validationSeed = options.seed + 1;
      const seeds = { training: options.seed, validation: validationSeed, evaluation: options.evalSeed };
      const servedSeed = config.demo.seed;
      for (const [role, seed] of Object.entries(seeds)) {
        if (seed === servedSeed) {
          throw new TrainingOptionsError(`the ${role} seed ${seed} is the served demo dataset's (config demo.seed): pick another so the dashboard shows held-out events`);
        }
      }
      if (options.evalPerBin > 0 && (options.evalSeed === options.seed || options.evalSeed === validationSeed)) {
        throw new TrainingOptionsError(`--eval-seed ${options.evalSeed} is used for training or validation; held-out events need their own seed`);
      }
      const out = path.resolve(options.out);
      const edgesTeV = config.energyBins.edgesTeV;
      const log = (line: string) => process.stderr.write(`astri: ${line}\n`);
      const onProgress = (progress: TrainingProgress): void => {
        if (progress.phase === 'generate' && progress.done === progress.total) log(`generated ${progress.total} ${progress.set} events`);
        if (progress.phase === 'epoch') {
          log(
            `epoch ${progress.epoch}/${progress.epochs}: loss ${progress.loss.toFixed(4)}, accuracy ${progress.accuracy.toFixed(4)}, ` +
              `val ${mode === 'multiclass' ? 'macro ' : ''}AUC ${progress.validationAuc.toFixed(4)}, lr ${progress.learningRate.toExponential(2)}, ${(progress.elapsedMs / 1000).toFixed(0)} s`,
          );
        }
        if (progress.phase === 'write') log(`writing ${progress.outFile}`);
      };
      const training = {
        seed: options.seed,
        validationSeed,
        eventsPerClassPerBin: options.perBin,
        validationEventsPerClassPerBin: options.validationPerBin,
        epochs: options.epochs,
        batchSize: options.batchSize,
        learningRate: options.learningRate,
        backend: options.backend,
        edgesTeV,
        outFile: out,
        onProgress,
      };
      const bins = energyBins(edgesTeV);
      if (mode === 'multiclass') {
        const { trainMulticlassDemoModel, evaluateClassesOnHeldOutEvents } = await import('../training/index.ts');
        const result = await trainMulticlassDemoModel(training);
        try {
          let heldOut = null;
          if (options.evalPerBin > 0) {
            log(`scoring ${result.classes.length * options.evalPerBin * bins.length} held-out events (seed ${options.evalSeed})`);
            heldOut = evaluateClassesOnHeldOutEvents(result.model, { seed: options.evalSeed, classes: result.classes, eventsPerClassPerBin: options.evalPerBin, bins });
          }
          const { model: _model, ...summary } = result;
          process.stdout.write(`${JSON.stringify({ ...summary, heldOut }, null, 2)}\n`);
        } finally {
          result.model.dispose();
        }
        return;
      }
      const result = await trainDemoModel(training);
      try {
        let heldOut = null;
        if (options.evalPerBin > 0) {
          log(`scoring ${2 * options.evalPerBin * bins.length} held-out events (seed ${options.evalSeed})`);
          heldOut = evaluateOnHeldOutEvents(result.model, { seed: options.evalSeed, eventsPerClassPerBin: options.evalPerBin, bins });
        }
        const { model: _model, ...summary } = result;
        process.stdout.write(`${JSON.stringify({ ...summary, heldOut }, null, 2)}\n`);
      } finally {
        result.model.dispose();
      }
    });
}

function parseInteger(flag: string, min: number): (value: string) => number {
  return (value) => {
    const number = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(number) || number < min) {
      throw new InvalidArgumentError(`${flag} must be an integer >= ${min}, got "${value}"`);
    }
    return number;
  };
}

function parseRate(value: string): number {
  const number = Number(value);
  if (!(number > 0 && number < 1)) throw new InvalidArgumentError(`--learning-rate must be a number in (0, 1), got "${value}"`);
  return number;
}

function parseBackend(value: string): (typeof BACKENDS)[number] {
  if (!(BACKENDS as readonly string[]).includes(value)) throw new InvalidArgumentError(`--backend must be one of ${BACKENDS.join(', ')}, got "${value}"`);
  return value as (typeof BACKENDS)[number];
}
