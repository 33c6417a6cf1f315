// Trains a multi-class demo CNN (softmax over demo species, categorical cross-entropy) on freshly generated
// events, and saves it as a Keras .h5 with a labels file beside it: one class name per line, in output order.
import { renameSync, writeFileSync } from 'node:fs';
import { energyBins, type EnergyBin } from '../data/energy-bins.ts';
import { DEMO_SPECIES, isDemoSpecies, type DemoSpecies } from '../data/demo/species.ts';
import { writeKerasH5 } from '../inference/index.ts';
import { tf, type LayersModel } from '../inference/runtime/tfjs.ts';
import { buildDemoCnn } from './demo-cnn.ts';
import { TrainingOptionsError } from './errors.ts';
import { predictOutputs, summariseClasses, type ClassEvaluation } from './evaluate.ts';
import { generateClassEvents } from './labelled-events.ts';
import {
  activateTrainingBackend,
  compareWithSavedModel,
  DEFAULT_EDGES_TEV,
  fitEpochs,
  type SavedModelCheck,
  type TrainingBackend,
  type TrainingProgress,
} from './train-demo.ts';

export const MULTICLASS_MODEL_NAME = 'astri_demo_4class_cnn';

export interface TrainMulticlassOptions {
  /** Generator seed of the training events. */
  seed: number;
  /** The classes, in output order. Default gamma, proton, electron, muon. */
  classes?: readonly DemoSpecies[];
  /** Training events of each class per energy bin. */
  eventsPerClassPerBin: number;
  epochs: number;
  /** Default 32. */
  batchSize?: number;
  /** Where the .h5 goes; written only after training succeeds. */
  outFile: string;
  /** The class names, one per line in output order. Default: outFile with ".h5" replaced by ".labels.txt". */
  labelsFile?: string;
  /** Energy bin edges (TeV) the training set covers evenly. */
  edgesTeV?: readonly number[];
  /** Seed of the validation events scored after each epoch. Default seed + 1. */
  validationSeed?: number;
  /** Validation events of each class per bin. Default 50. */
  validationEventsPerClassPerBin?: number;
  /** Adam's initial step size, decayed along a cosine to 5% of it by the last epoch. Default 0.002. */
  learningRate?: number;
  backend?: TrainingBackend;
  onProgress?: (progress: TrainingProgress) => void;
}

export interface MulticlassEpochRecord {
  epoch: number;
  learningRate: number;
  loss: number;
  accuracy: number;
  validationAccuracy: number;
  validationMacroAuc: number;
  elapsedMs: number;
}

export interface TrainMulticlassResult {
  outFile: string;
  labelsFile: string;
  classes: DemoSpecies[];
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
  history: MulticlassEpochRecord[];
  /** The last epoch's model on the validation events. */
  validation: ClassEvaluation;
  savedModelCheck: SavedModelCheck;
  elapsedMs: number;
}

/** The labels file's text: one class name per line, in output order (Teachable Machine's labels.txt without the index). */
export function labelsFileText(classes: readonly string[]): string {
  return `${classes.join('\n')}\n`;
}

/** `model.h5` -> `model.labels.txt`. */
export function labelsFileFor(modelFile: string): string {
  return `${modelFile.replace(/\.h5$/i, '')}.labels.txt`;
}

export async function trainMulticlassDemoModel(options: TrainMulticlassOptions): Promise<TrainMulticlassResult> {
  const started = performance.now();
  const {
    seed,
    classes: requestedClasses = DEMO_SPECIES,
    eventsPerClassPerBin,
    epochs,
    batchSize = 32,
    outFile,
    labelsFile = labelsFileFor(outFile),
    edgesTeV = DEFAULT_EDGES_TEV,
    validationSeed = seed + 1,
    validationEventsPerClassPerBin = 50,
    learningRate = 0.002,
    onProgress,
  } = options;
  const classes = [...requestedClasses];
  for (const [name, value] of Object.entries({ eventsPerClassPerBin, epochs, batchSize, validationEventsPerClassPerBin })) {
    if (!Number.isInteger(value) || value < 1) throw new TrainingOptionsError(`${name} must be a positive integer, got ${value}`);
  }
  if (classes.length < 2) throw new TrainingOptionsError(`a multi-class model needs two or more classes, got ${classes.length}`);
  for (const name of classes) if (!isDemoSpecies(name)) throw new TrainingOptionsError(`unknown class "${name}": the demo simulates ${DEMO_SPECIES.join(', ')}`);
  if (new Set(classes).size !== classes.length) throw new TrainingOptionsError(`classes must not repeat, got ${classes.join(', ')}`);
  if (!Number.isInteger(seed) || !Number.isInteger(validationSeed)) throw new TrainingOptionsError(`seeds must be integers, got ${seed} and ${validationSeed}`);
  if (seed === validationSeed) throw new TrainingOptionsError(`the validation seed must differ from the training seed (${seed})`);
  if (!(learningRate > 0)) throw new TrainingOptionsError(`learningRate must be positive, got ${learningRate}`);
  if (labelsFile === outFile) throw new TrainingOptionsError(`the labels file must not be the model file (${outFile})`);
  const bins: EnergyBin[] = energyBins(edgesTeV);

  const backend = await activateTrainingBackend(options.backend ?? 'auto');
  const training = generateClassEvents({ seed, classes, eventsPerClassPerBin, bins, onBin: (done, total) => onProgress?.({ phase: 'generate', set: 'training', done, total }) });
  const validation = generateClassEvents({
    seed: validationSeed,
    classes,
    eventsPerClassPerBin: validationEventsPerClassPerBin,
    bins,
    onBin: (done, total) => onProgress?.({ phase: 'generate', set: 'validation', done, total }),
  });

  const k = classes.length;
  const model = buildDemoCnn({ seed, outputUnits: k, name: MULTICLASS_MODEL_NAME });
  const optimizer = tf.train.adam(learningRate);
  model.compile({ optimizer, loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const history: MulticlassEpochRecord[] = [];
  let evaluation: ClassEvaluation | undefined;
  let savedModelCheck: SavedModelCheck | undefined;
  try {
    await fitEpochs(model, optimizer, training, {
      seed,
      epochs,
      batchSize,
      learningRate,
      targets: (indices) => {
        const oneHot = new Float32Array(indices.length * k);
        indices.forEach((i, row) => (oneHot[row * k + training.labels[i]] = 1));
        return tf.tensor2d(oneHot, [indices.length, k]);
      },
      afterEpoch: (epoch) => {
        evaluation = summariseClasses(validation, predictOutputs(model, validation));
        const record: MulticlassEpochRecord = {
          ...epoch,
          validationAccuracy: evaluation.overall.accuracy,
          validationMacroAuc: evaluation.overall.macroAuc,
          elapsedMs: performance.now() - started,
        };
        history.push(record);
        // The shared progress shape carries one validation score: the macro AUC.
        onProgress?.({ phase: 'epoch', epochs, ...record, validationAuc: record.validationMacroAuc });
      },
    });
    onProgress?.({ phase: 'write', outFile });
    await writeKerasH5(model, outFile);
    writeFileSync(`${labelsFile}.tmp`, labelsFileText(classes));
    renameSync(`${labelsFile}.tmp`, labelsFile);
    onProgress?.({ phase: 'verify', outFile });
    savedModelCheck = await compareWithSavedModel(model, outFile, validation);
  } catch (error) {
    model.dispose();
    throw error;
  }
  return {
    outFile,
    labelsFile,
    classes,
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
    validation: evaluation as ClassEvaluation,
    savedModelCheck: savedModelCheck as SavedModelCheck,
    elapsedMs: performance.now() - started,
  };
}
