// Balanced, labelled demo events of every energy bin, generated in memory for training and held-out evaluation:
// gamma/proton for the binary demo, or any list of demo species for a multi-class one.
import { generateBatch, generateSpeciesBatch } from '../data/demo/generate.ts';
import type { DemoSpecies } from '../data/demo/species.ts';
import { IMAGE_PIXELS } from '../data/demo/camera.ts';
import type { EnergyBin } from '../data/energy-bins.ts';

export interface LabelledEvents {
  count: number;
  /** count x 56 x 56 8-bit pixels, image after image (NHWC with C = 1). */
  pixels: Uint8Array;
  /** 1 for gamma, 0 for proton. */
  labels: Uint8Array;
  /** Index into `bins` of each event's energy bin. */
  binIndices: Uint8Array;
  energiesTeV: Float64Array;
  bins: readonly EnergyBin[];
}

export interface LabelledEventsOptions {
  /** Demo generator seed; use one other than the served dataset's (config demo.seed). */
  seed: number;
  /** Gammas per bin, and as many protons. */
  eventsPerClassPerBin: number;
  bins: readonly EnergyBin[];
  /** Called after each bin with the events made so far. */
  onBin?: (done: number, total: number) => void;
}

/** gamma, proton, gamma, ... per bin, bin after bin: deterministic for (seed, bins, eventsPerClassPerBin). */
export function generateLabelledEvents(options: LabelledEventsOptions): LabelledEvents {
  const { seed, eventsPerClassPerBin, bins, onBin } = options;
  if (!Number.isInteger(eventsPerClassPerBin) || eventsPerClassPerBin < 1) {
    throw new RangeError(`eventsPerClassPerBin must be a positive integer, got ${eventsPerClassPerBin}`);
  }
  if (bins.length === 0 || bins.length > 255) throw new RangeError(`between 1 and 255 energy bins are needed, got ${bins.length}`);
  const perBin = 2 * eventsPerClassPerBin;
  const count = perBin * bins.length;
  const events: LabelledEvents = {
    count,
    pixels: new Uint8Array(count * IMAGE_PIXELS),
    labels: new Uint8Array(count),
    binIndices: new Uint8Array(count),
    energiesTeV: new Float64Array(count),
    bins,
  };
  bins.forEach((bin, b) => {
    const batch = generateBatch({ seed, count: perBin, minTeV: bin.minTeV, maxTeV: bin.maxTeV });
    const first = b * perBin;
    events.pixels.set(batch.pixels, first * IMAGE_PIXELS);
    events.labels.set(batch.labels, first);
    events.binIndices.fill(b, first, first + perBin);
    events.energiesTeV.set(batch.energiesTeV, first);
    onBin?.(first + perBin, count);
  });
  return events;
}

/** Events of several classes: `labels` are indices into `classes` (the model's output order). */
export interface ClassEvents extends Omit<LabelledEvents, 'labels'> {
  classes: readonly DemoSpecies[];
  /** Index into `classes` of each event's class. */
  labels: Uint8Array;
}

export interface ClassEventsOptions extends LabelledEventsOptions {
  /** The classes, in output order; `eventsPerClassPerBin` of each in every bin. */
  classes: readonly DemoSpecies[];
}

/** classes[0], classes[1], ... in turn per bin, bin after bin: deterministic for (seed, classes, bins, eventsPerClassPerBin). */
export function generateClassEvents(options: ClassEventsOptions): ClassEvents {
  const { seed, eventsPerClassPerBin, bins, classes, onBin } = options;
  if (!Number.isInteger(eventsPerClassPerBin) || eventsPerClassPerBin < 1) {
    throw new RangeError(`eventsPerClassPerBin must be a positive integer, got ${eventsPerClassPerBin}`);
  }
  if (bins.length === 0 || bins.length > 255) throw new RangeError(`between 1 and 255 energy bins are needed, got ${bins.length}`);
  const perBin = classes.length * eventsPerClassPerBin;
  const count = perBin * bins.length;
  const events: ClassEvents = {
    count,
    pixels: new Uint8Array(count * IMAGE_PIXELS),
    classes,
    labels: new Uint8Array(count),
    binIndices: new Uint8Array(count),
    energiesTeV: new Float64Array(count),
    bins,
  };
  bins.forEach((bin, b) => {
    const batch = generateSpeciesBatch({ seed, count: perBin, minTeV: bin.minTeV, maxTeV: bin.maxTeV, classes });
    const first = b * perBin;
    events.pixels.set(batch.pixels, first * IMAGE_PIXELS);
    events.labels.set(batch.labels, first);
    events.binIndices.fill(b, first, first + perBin);
    events.energiesTeV.set(batch.energiesTeV, first);
    onBin?.(first + perBin, count);
  });
  return events;
}
