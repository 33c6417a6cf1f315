// Scores labelled events with a model and summarises separation power overall and per energy bin.
import { IMAGE_PIXELS } from '../data/demo/camera.ts';
import { computeMetrics } from '../metrics/index.ts';
import { tf, type LayersModel, type Tensor } from '../inference/runtime/tfjs.ts';
import type { EnergyBin } from '../data/energy-bins.ts';
import { DEMO_INPUT_SHAPE } from './demo-cnn.ts';
import { generateLabelledEvents, type LabelledEvents } from './labelled-events.ts';

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
  const scores = new Float32Array(events.count);
  const scratch = new Float32Array(batchSize * IMAGE_PIXELS);
  for (let first = 0; first < events.count; first += batchSize) {
    const count = Math.min(batchSize, events.count - first);
    const indices = Array.from({ length: count }, (_, i) => first + i);
    const x = imagesTensor(events.pixels, indices, scratch);
    try {
      const y = model.predict(x) as Tensor;
      scores.set(y.dataSync() as Float32Array, first);
      y.dispose();
    } finally {
      x.dispose();
    }
  }
  return scores;
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
