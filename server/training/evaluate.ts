// Scores labelled events with a model and summarises separation power overall and per energy bin.
import { IMAGE_PIXELS } from '../data/demo/camera.ts';
import { computeClassificationMetrics, computeMetrics } from '../metrics/index.ts';
import type { DemoSpecies } from '../data/demo/species.ts';
import { tf, type LayersModel, type Tensor } from '../inference/runtime/tfjs.ts';
import type { EnergyBin } from '../data/energy-bins.ts';
import { DEMO_INPUT_SHAPE } from './demo-cnn.ts';
import { generateClassEvents, generateLabelledEvents, type ClassEvents, type LabelledEvents } from './labelled-events.ts';

/** The server's preprocessing (config inference.pixelScale): 8-bit pixel * 1/255. */
export const PIXEL_SCALE = 1 / 255;

/** Images `indices` of `pixels` as a [0, 1] NHWC tensor, scaled as the server feeds the model; `scratch` is reused when large enough. */
export function imagesTensor(pixels: Uint8Array, indices: ArrayLike<number>, scratch?: Float32Array): Tensor {
  const count = indices.length;
  const input = scratch && scratch.length >= count * IMAGE_PIXELS ? scratch.subarray(0, count * IMAGE_PIXELS) : new Float32Array(count * IMAGE_PIXELS);
  for (let i = 0; i < count; i++) {
    const from = indices[i] * IMAGE_PIXELS;
    const to = i * IMAGE_PIXELS;
    for (let p = 0; p < IMAGE_PIXELS; p++) input[to + p] = pixels[from + p] * PIXEL_SCALE;
  }
  return tf.tensor4d(input, [count, ...DEMO_INPUT_SHAPE], 'float32');
}

/** Gammaness (the single sigmoid output) of every event, in event order. */
export function predictGammaness(model: LayersModel, events: Pick<LabelledEvents, 'count' | 'pixels'>, batchSize = 256): Float32Array {
  const units = outputUnitsOf(model);
  if (units !== 1) throw new RangeError(`predictGammaness needs a model with one output unit, this one has ${units}; use predictOutputs`);
  return predictOutputs(model, events, batchSize);
}

/** Every output unit of every event: row-major count x units (class probabilities for a softmax model). */
export function predictOutputs(model: LayersModel, events: Pick<LabelledEvents, 'count' | 'pixels'>, batchSize = 256): Float32Array {
  const units = outputUnitsOf(model);
  const scores = new Float32Array(events.count * units);
  const scratch = new Float32Array(batchSize * IMAGE_PIXELS);
  for (let first = 0; first < events.count; first += batchSize) {
    const count = Math.min(batchSize, events.count - first);
    const indices = Array.from({ length: count }, (_, i) => first + i);
    const x = imagesTensor(events.pixels, indices, scratch);
    try {
      const y = model.predict(x) as Tensor;
      scores.set(y.dataSync() as Float32Array, first * units);
      y.dispose();
    } finally {
      x.dispose();
    }
  }
  return scores;
}

/** Units of the model's (single, flat) output. */
export function outputUnitsOf(model: LayersModel): number {
  const shape = model.outputs[0].shape.slice(1);
  return shape.reduce<number>((n, d) => n * (d ?? Number.NaN), 1);
}

export interface SeparationSummary {
  /** "1–2 TeV", or "all" for every bin together. */
  label: string;
  minTeV: number;
  maxTeV: number;
  eventsPerClass: { gamma: number; proton: number };
  rocAuc: number;
  threshold: number;
  /** ε_γ: share of gammas with gammaness >= threshold. */
  gammaEfficiency: number;
  /** ε_h: share of protons with gammaness >= threshold. */
  hadronEfficiency: number;
  /** Q = ε_γ / sqrt(ε_h); null when no proton passes the cut. */
  qualityFactor: number | null;
}

export interface Evaluation {
  overall: SeparationSummary;
  bins: SeparationSummary[];
}

/** Metrics overall and per bin from scores in event order; every bin must hold both classes. */
export function summariseSeparation(events: LabelledEvents, scores: Float32Array, threshold = 0.9): Evaluation {
  const summarise = (label: string, minTeV: number, maxTeV: number, include: (i: number) => boolean): SeparationSummary => {
    const gamma: number[] = [];
    const proton: number[] = [];
    for (let i = 0; i < events.count; i++) if (include(i)) (events.labels[i] === 1 ? gamma : proton).push(scores[i]);
    const metrics = computeMetrics({ gamma, proton }, { threshold, histogramBins: 10 });
    if (metrics.rocAuc === null || metrics.gammaEfficiency === null || metrics.hadronEfficiency === null) {
      throw new RangeError(`bin ${label} needs gammas and protons to be evaluated, has ${gamma.length} and ${proton.length}`);
    }
    return {
      label,
      minTeV,
      maxTeV,
      eventsPerClass: metrics.eventCounts,
      rocAuc: metrics.rocAuc,
      threshold,
      gammaEfficiency: metrics.gammaEfficiency,
      hadronEfficiency: metrics.hadronEfficiency,
      qualityFactor: metrics.qualityFactor,
    };
  };
  const { bins } = events;
  return {
    overall: summarise('all', bins[0].minTeV, bins[bins.length - 1].maxTeV, () => true),
    bins: bins.map((bin, b) => summarise(bin.label, bin.minTeV, bin.maxTeV, (i) => events.binIndices[i] === b)),
  };
}

export interface HeldOutOptions {
  /** Generator seed of the events; neither the training, the validation nor the served dataset's seed. */
  seed: number;
  eventsPerClassPerBin: number;
  bins: readonly EnergyBin[];
  /** Gammaness cut for the efficiencies. Default 0.9 (the dashboard's). */
  threshold?: number;
}

/** Generates fresh labelled events and summarises how well `model` separates them. */
export function evaluateOnHeldOutEvents(model: LayersModel, options: HeldOutOptions): Evaluation & { seed: number } {
  const events = generateLabelledEvents({ seed: options.seed, eventsPerClassPerBin: options.eventsPerClassPerBin, bins: options.bins });
  return { seed: options.seed, ...summariseSeparation(events, predictGammaness(model, events), options.threshold) };
}

export interface ClassScoresSummary {
  name: DemoSpecies;
  support: number;
  /** Share of this class's events whose most probable class is this one. */
  recall: number;
  precision: number;
  /** One-vs-rest ROC AUC of this class's probability. */
  rocAuc: number | null;
}

export interface ClassSummary {
  /** "1–2 TeV", or "all" for every bin together. */
  label: string;
  minTeV: number;
  maxTeV: number;
  events: number;
  /** Share of events whose most probable class is the true one. */
  accuracy: number;
  /** Mean of the per-class one-vs-rest ROC AUCs (sklearn's roc_auc_score(multi_class="ovr", average="macro")). */
  macroAuc: number;
  perClass: ClassScoresSummary[];
  /** Rows: true class, columns: most probable class, in `classes` order. */
  confusionMatrix: number[][];
}

export interface ClassEvaluation {
  classes: readonly DemoSpecies[];
  overall: ClassSummary;
  bins: ClassSummary[];
}

/** Multi-class metrics (server/metrics) overall and per bin, from row-major count x K probabilities in event order. */
export function summariseClasses(events: ClassEvents, probabilities: Float32Array): ClassEvaluation {
  const k = events.classes.length;
  if (probabilities.length !== events.count * k) throw new RangeError(`expected ${events.count} x ${k} probabilities, got ${probabilities.length}`);
  const summarise = (label: string, minTeV: number, maxTeV: number, include: (i: number) => boolean): ClassSummary => {
    const rows: number[] = [];
    for (let i = 0; i < events.count; i++) if (include(i)) rows.push(i);
    const labels = rows.map((i) => events.labels[i]);
    const selected = new Float64Array(rows.length * k);
    rows.forEach((i, r) => {
      for (let c = 0; c < k; c++) selected[r * k + c] = probabilities[i * k + c];
    });
    const metrics = computeClassificationMetrics(labels, selected, k, { topK: [] });
    const aucs = metrics.roc.perClass.map((roc) => roc.auc);
    const defined = aucs.filter((auc): auc is number => auc !== null);
    return {
      label,
      minTeV,
      maxTeV,
      events: rows.length,
      accuracy: metrics.accuracy,
      // Float32 softmax rows can miss numpy.allclose(1, sum) by a hair; the mean of the per-class AUCs is the same average.
      macroAuc: metrics.roc.macroAuc ?? defined.reduce((sum, auc) => sum + auc, 0) / defined.length,
      perClass: events.classes.map((name, c) => ({
        name,
        support: metrics.support[c],
        recall: metrics.report.perClass[c].recall,
        precision: metrics.report.perClass[c].precision,
        rocAuc: aucs[c],
      })),
      confusionMatrix: metrics.confusionMatrix,
    };
  };
  const { bins } = events;
  return {
    classes: events.classes,
    overall: summarise('all', bins[0].minTeV, bins[bins.length - 1].maxTeV, () => true),
    bins: bins.map((bin, b) => summarise(bin.label, bin.minTeV, bin.maxTeV, (i) => events.binIndices[i] === b)),
  };
}

export interface ClassHeldOutOptions {
  /** Generator seed of the events; neither the training nor the validation seed. */
  seed: number;
  classes: readonly DemoSpecies[];
  eventsPerClassPerBin: number;
  bins: readonly EnergyBin[];
}

/** Generates fresh events of `classes` and summarises how well the softmax `model` (outputs in `classes` order) tells them apart. */
export function evaluateClassesOnHeldOutEvents(model: LayersModel, options: ClassHeldOutOptions): ClassEvaluation & { seed: number } {
  const events = generateClassEvents(options);
  return { seed: options.seed, ...summariseClasses(events, predictOutputs(model, events)) };
}
