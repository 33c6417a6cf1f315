// Trains the demo gamma/hadron CNN on freshly generated demo events and saves it as a Keras .h5 file.
import { energyBins, type EnergyBin } from '../data/energy-bins.ts';
import { createRng } from '../random/rng.ts';
import { writeKerasH5 } from '../inference/index.ts';
import { activateBackend } from '../inference/runtime/backends.ts';
import { tf, type LayersModel, type Tensor } from '../inference/runtime/tfjs.ts';
import { IMAGE_PIXELS } from '../data/demo/camera.ts';
import { buildDemoCnn } from './demo-cnn.ts';
import { SavedModelMismatchError, TrainingOptionsError } from './errors.ts';
import { imagesTensor, predictGammaness, predictOutputs, summariseSeparation, type Evaluation } from './evaluate.ts';
import { generateLabelledEvents, type LabelledEvents } from './labelled-events.ts';
import { registerWasmTrainingKernels } from './wasm-gradients.ts';

export type TrainingBackend = 'auto' | 'tensorflow' | 'wasm' | 'cpu';

export interface TrainDemoOptions {
  /** Generator seed of the training events; must differ from the served dataset's (config demo.seed). */
  seed: number;
  /** Training gammas per energy bin, and as many protons. */
  eventsPerClassPerBin: number;
  epochs: number;
  /** Default 64. */
  batchSize?: number;
  /** Where the .h5 goes; written only after training succeeds. */
  outFile: string;
  /** Energy bin edges (TeV) the training set covers evenly. Default config energyBins.edgesTeV's default. */
  edgesTeV?: readonly number[];
  /** Seed of the validation events scored after each epoch. Default seed + 1. */
  validationSeed?: number;
  /** Validation gammas (and protons) per bin. Default 100. */
  validationEventsPerClassPerBin?: number;
  /** Adam's initial step size, decayed along a cosine to 5% of it by the last epoch. Default 0.002. */
  learningRate?: number;
  /** Default auto: native TensorFlow if installed, else WebAssembly (with the filter-gradient kernel added), else cpu. */
  backend?: TrainingBackend;
  onProgress?: (progress: TrainingProgress) => void;
}

export type TrainingProgress =
  | { phase: 'generate'; set: 'training' | 'validation'; done: number; total: number }
  | ({ phase: 'epoch'; epochs: number } & EpochRecord)
  | { phase: 'write'; outFile: string }
  | { phase: 'verify'; outFile: string };

export interface EpochRecord {
  epoch: number;
  learningRate: number;
  loss: number;
  accuracy: number;
  validationAuc: number;
  elapsedMs: number;
}

export interface TrainDemoResult {
  outFile: string;
  /** The trained model, still in memory; the caller disposes it. */
  model: LayersModel;
  parameterCount: number;
  backend: { name: string; device: string };
  seed: number;
  validationSeed: number;
  trainingEvents: number;
  validationEvents: number;
  batchSize: number;
  learningRate: number;
  history: EpochRecord[];
  /** The last epoch's model on the validation events. */
  validation: Evaluation;
  /** The written file, read back by the service's loader, against the model in memory. */
  savedModelCheck: SavedModelCheck;
  elapsedMs: number;
}

export const DEFAULT_EDGES_TEV: readonly number[] = [1, 2, 5, 10, 20, 50, 100, 200];

export interface SavedModelCheck {
  events: number;
  /** Largest |output(in memory) - output(read back from the file)| over the events and output units. */
  maxAbsDifference: number;
}

/** Loudest disagreement tolerated between the trained model and its .h5 file: float32 rounding only. */
export const SAVED_MODEL_TOLERANCE = 1e-5;

export async function trainDemoModel(options: TrainDemoOptions): Promise<TrainDemoResult> {
  const started = performance.now();
  const {
    seed,
    eventsPerClassPerBin,
    epochs,
    batchSize = 64,
    outFile,
    edgesTeV = DEFAULT_EDGES_TEV,
    validationSeed = seed + 1,
    validationEventsPerClassPerBin = 100,
    learningRate = 0.002,
    onProgress,
  } = options;
  requirePositiveInteger('eventsPerClassPerBin', eventsPerClassPerBin);
  requirePositiveInteger('epochs', epochs);
  requirePositiveInteger('batchSize', batchSize);
  requirePositiveInteger('validationEventsPerClassPerBin', validationEventsPerClassPerBin);
  if (!Number.isInteger(seed) || !Number.isInteger(validationSeed)) throw new TrainingOptionsError(`seeds must be integers, got ${seed} and ${validationSeed}`);
  if (seed === validationSeed) throw new TrainingOptionsError(`the validation seed must differ from the training seed (${seed})`);
  if (!(learningRate > 0)) throw new TrainingOptionsError(`learningRate must be positive, got ${learningRate}`);
  const bins: EnergyBin[] = energyBins(edgesTeV);

  const backend = await activateTrainingBackend(options.backend ?? 'auto');
  const training = generateLabelledEvents({ seed, eventsPerClassPerBin, bins, onBin: (done, total) => onProgress?.({ phase: 'generate', set: 'training', done, total }) });
  const validation = generateLabelledEvents({
    seed: validationSeed,
    eventsPerClassPerBin: validationEventsPerClassPerBin,
    bins,
    onBin: (done, total) => onProgress?.({ phase: 'generate', set: 'validation', done, total }),
  });

  const model = buildDemoCnn({ seed });
  const optimizer = tf.train.adam(learningRate);
  model.compile({ optimizer, loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  const history: EpochRecord[] = [];
  let evaluation: Evaluation | undefined;
  let savedModelCheck: SavedModelCheck | undefined;
  try {
    await fitEpochs(model, optimizer, training, {
      seed,
      epochs,
      batchSize,
      learningRate,
      targets: (indices) => tf.tensor2d(Float32Array.from(indices, (i) => training.labels[i]), [indices.length, 1]),
      afterEpoch: (epoch) => {
        evaluation = summariseSeparation(validation, predictGammaness(model, validation));
        const record: EpochRecord = { ...epoch, validationAuc: evaluation.overall.rocAuc, elapsedMs: performance.now() - started };
        history.push(record);
        onProgress?.({ phase: 'epoch', epochs, ...record });
      },
    });
    onProgress?.({ phase: 'write', outFile });
    await writeKerasH5(model, outFile);
    onProgress?.({ phase: 'verify', outFile });
    savedModelCheck = await compareWithSavedModel(model, outFile, validation);
  } catch (error) {
    model.dispose();
    throw error;
  }
  return {
    outFile,
    model,
    parameterCount: model.countParams(),
    backend,
    seed,
    validationSeed,
    trainingEvents: training.count,
    validationEvents: validation.count,
    batchSize,
    learningRate,
    history,
    validation: evaluation as Evaluation,
    savedModelCheck: savedModelCheck as SavedModelCheck,
    elapsedMs: performance.now() - started,
  };
}

export interface FitOptions {
  /** Seeds the order of examples, so a seed reproduces a run up to dropout masks and float summation. */
  seed: number;
  epochs: number;
  batchSize: number;
  /** Adam's initial step size, decayed along cosineDecay. */
  learningRate: number;
  /** The target tensor of the examples `indices` (the caller's encoding: one sigmoid unit, or one-hot classes). */
  targets: (indices: Uint32Array) => Tensor;
  /** Called after each epoch with its training loss and accuracy (dropout active). */
  afterEpoch: (epoch: { epoch: number; learningRate: number; loss: number; accuracy: number }) => void;
}

/** Shuffled mini-batch epochs of `model` (compiled with `optimizer` and an accuracy metric) on `training`. */
export async function fitEpochs(model: LayersModel, optimizer: ReturnType<typeof tf.train.adam>, training: Pick<LabelledEvents, 'count' | 'pixels'>, options: FitOptions): Promise<void> {
  const { seed, epochs, batchSize, learningRate, targets, afterEpoch } = options;
  const rng = createRng(seed ^ 0x5eed);
  const order = Uint32Array.from({ length: training.count }, (_, i) => i);
  const scratch = new Float32Array(batchSize * IMAGE_PIXELS);
  for (let epoch = 1; epoch <= epochs; epoch++) {
    shuffle(order, rng.int.bind(rng));
    const epochLearningRate = cosineDecay(learningRate, epoch, epochs);
    setLearningRate(optimizer, epochLearningRate);
    let lossSum = 0;
    let correctSum = 0;
    for (let first = 0; first < training.count; first += batchSize) {
      const indices = order.subarray(first, Math.min(first + batchSize, training.count));
      const x = imagesTensor(training.pixels, indices, scratch);
      const y = targets(indices);
      try {
        const [loss, accuracy] = (await model.trainOnBatch(x, y)) as number[];
        lossSum += loss * indices.length;
        correctSum += accuracy * indices.length;
      } finally {
        x.dispose();
        y.dispose();
      }
    }
    afterEpoch({ epoch, learningRate: epochLearningRate, loss: lossSum / training.count, accuracy: correctSum / training.count });
  }
}

/**
 * Loads `file` with the service's own Keras loader and scores `events` with it and with `model`; throws
 * SavedModelMismatchError if any output (gammaness, class probability) differs by more than SAVED_MODEL_TOLERANCE.
 */
export async function compareWithSavedModel(model: LayersModel, file: string, events: Pick<LabelledEvents, 'count' | 'pixels'>): Promise<SavedModelCheck> {
  const { loadKerasH5 } = await import('../inference/keras-h5/load.ts');
  const loaded = await loadKerasH5(file);
  try {
    const expected = predictOutputs(model, events);
    const actual = predictOutputs(loaded.model, events);
    if (actual.length !== expected.length) throw new SavedModelMismatchError(`${file}: the model read back has ${actual.length / events.count} outputs, the trained one ${expected.length / events.count}`);
    let maxAbsDifference = 0;
    for (let i = 0; i < expected.length; i++) maxAbsDifference = Math.max(maxAbsDifference, Math.abs(expected[i] - actual[i]));
    if (!(maxAbsDifference <= SAVED_MODEL_TOLERANCE)) {
      throw new SavedModelMismatchError(
        `${file}: the model read back scores up to ${maxAbsDifference} away from the trained model (tolerance ${SAVED_MODEL_TOLERANCE}); the .h5 writer or loader loses information`,
      );
    }
    return { events: events.count, maxAbsDifference };
  } finally {
    loaded.model.dispose();
  }
}

/** Activates a backend that can compute every gradient the demo CNN needs. */
export async function activateTrainingBackend(request: TrainingBackend): Promise<{ name: string; device: string }> {
  const info = await activateBackend(request);
  if (info.name === 'wasm') registerWasmTrainingKernels();
  return { name: info.name, device: info.device };
}

/** Step size of `epoch` (1-based): a half cosine from `initial` down to 5% of it at the last epoch. */
export function cosineDecay(initial: number, epoch: number, epochs: number): number {
  if (epochs <= 1) return initial;
  const progress = (epoch - 1) / (epochs - 1);
  const floor = 0.05 * initial;
  return floor + (initial - floor) * 0.5 * (1 + Math.cos(Math.PI * progress));
}

// tfjs optimizers have no schedules; Adam reads its (protected) learningRate on every step, so setting it
// between epochs is the supported-in-practice way, and it keeps Adam's moment estimates.
function setLearningRate(optimizer: ReturnType<typeof tf.train.adam>, value: number): void {
  (optimizer as unknown as { learningRate: number }).learningRate = value;
}

function shuffle(order: Uint32Array, randomInt: (n: number) => number): void {
  for (let i = order.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
}

function requirePositiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) throw new TrainingOptionsError(`${name} must be a positive integer, got ${value}`);
}
