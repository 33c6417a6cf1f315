// In-memory generation of demo events: one event of a dataset by its coordinates, or a training batch.
// Every event has its own random stream derived from (seed, particle, bin, index), so the result does
// not depend on the order or the thread in which events are made.
import type { Particle } from './particle.ts';
import { IMAGE_PIXELS } from './camera.ts';
import { createRng, hashSeed } from '../../random/rng.ts';
import { generateEvent, generateSpeciesEvent, type DemoEvent, type SpeciesEvent } from './shower.ts';
import { DEMO_SPECIES, type DemoSpecies } from './species.ts';
import { powerLawEnergyTeV, SPECIES_SPECTRAL_INDEX, SPECTRAL_INDEX } from './spectrum.ts';

export interface EnergyRange {
  minTeV: number;
  maxTeV: number;
}

const PARTICLE_STREAM: Readonly<Record<Particle, number>> = { gamma: 0x6a6d, proton: 0x7072 };
// Gamma and proton keep their streams: event (seed, bin, index) is the same image in the binary and the multi-class sets.
const SPECIES_STREAM: Readonly<Record<DemoSpecies, number>> = { ...PARTICLE_STREAM, electron: 0x656c, muon: 0x6d75 };
const BATCH_STREAM = 0x62617463;
const SPECIES_BATCH_STREAM = 0x73706563;

/** Event `index` of energy bin `binIndex` of a seeded demo dataset; its energy follows the particle's spectrum inside the bin. */
export function generateDatasetEvent(seed: number, particle: Particle, binIndex: number, bin: EnergyRange, index: number, out?: Uint8Array): DemoEvent {
  const rng = createRng(hashSeed(seed, PARTICLE_STREAM[particle], binIndex, index));
  const energyTeV = powerLawEnergyTeV(rng.uniform(), bin.minTeV, bin.maxTeV, SPECTRAL_INDEX[particle]);
  return generateEvent(rng, particle, energyTeV, out);
}

export interface DemoBatch {
  count: number;
  /** count x 56 x 56 pixels (8-bit), one image after another: a ready NHWC tensor with C = 1. */
  pixels: Uint8Array;
  particles: Particle[];
  /** 1 for gamma, 0 for proton. */
  labels: Uint8Array;
  energiesTeV: Float64Array;
  sizesPe: Float64Array;
}

export interface DemoBatchOptions extends EnergyRange {
  seed: number;
  count: number;
  /** Which particles, in turn (default gamma, proton, gamma, ...: balanced classes). */
  particles?: readonly Particle[];
  /** Offset of the first event in the seed's stream: consecutive batches of one seed do not repeat. */
  offset?: number;
}

/**
 * `count` fresh events without files, e.g. to train or test a classifier on held-out data. Use a
 * seed other than the dataset's (config demo.seed) for events the dataset does not contain.
 */
export function generateBatch(options: DemoBatchOptions): DemoBatch {
  const { seed, count, minTeV, maxTeV, particles = ['gamma', 'proton'], offset = 0 } = options;
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be a non-negative integer, got ${count}`);
  if (particles.length === 0) throw new RangeError('particles must name at least one particle');
  const batch: DemoBatch = {
    count,
    pixels: new Uint8Array(count * IMAGE_PIXELS),
    particles: [],
    labels: new Uint8Array(count),
    energiesTeV: new Float64Array(count),
    sizesPe: new Float64Array(count),
  };
  for (let i = 0; i < count; i++) {
    const particle = particles[(offset + i) % particles.length];
    // The range is part of the stream: batches of one seed in different bins are independent.
    const rng = createRng(hashSeed(seed, BATCH_STREAM, Math.round(minTeV * 1e6), Math.round(maxTeV * 1e6), offset + i));
    const energyTeV = powerLawEnergyTeV(rng.uniform(), minTeV, maxTeV, SPECTRAL_INDEX[particle]);
    const event = generateEvent(rng, particle, energyTeV, batch.pixels.subarray(i * IMAGE_PIXELS, (i + 1) * IMAGE_PIXELS));
    batch.particles.push(particle);
    batch.labels[i] = particle === 'gamma' ? 1 : 0;
    batch.energiesTeV[i] = energyTeV;
    batch.sizesPe[i] = event.sizePe;
  }
  return batch;
}

/** Event `index` of energy bin `binIndex` of a seeded multi-class demo dataset; gamma and proton events equal generateDatasetEvent's. */
export function generateSpeciesDatasetEvent(seed: number, species: DemoSpecies, binIndex: number, bin: EnergyRange, index: number, out?: Uint8Array): SpeciesEvent {
  const rng = createRng(hashSeed(seed, SPECIES_STREAM[species], binIndex, index));
  const energyTeV = powerLawEnergyTeV(rng.uniform(), bin.minTeV, bin.maxTeV, SPECIES_SPECTRAL_INDEX[species]);
  return generateSpeciesEvent(rng, species, energyTeV, out);
}

export interface SpeciesBatch {
  count: number;
  /** count x 56 x 56 pixels (8-bit), one image after another: a ready NHWC tensor with C = 1. */
  pixels: Uint8Array;
  /** The classes, in label order. */
  classes: readonly DemoSpecies[];
  /** Index into `classes` of each event's species. */
  labels: Uint8Array;
  energiesTeV: Float64Array;
  sizesPe: Float64Array;
}

export interface SpeciesBatchOptions extends EnergyRange {
  seed: number;
  count: number;
  /** The classes, in label order; events cycle through them (balanced). Default all four species. */
  classes?: readonly DemoSpecies[];
  /** Offset of the first event in the seed's stream: consecutive batches of one seed do not repeat. */
  offset?: number;
}

/** `count` fresh multi-class events without files, cycling through `classes`; its own stream, apart from generateBatch's. */
export function generateSpeciesBatch(options: SpeciesBatchOptions): SpeciesBatch {
  const { seed, count, minTeV, maxTeV, classes = DEMO_SPECIES, offset = 0 } = options;
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be a non-negative integer, got ${count}`);
  if (classes.length === 0 || classes.length > 255) throw new RangeError(`between 1 and 255 classes are needed, got ${classes.length}`);
  const batch: SpeciesBatch = {
    count,
    pixels: new Uint8Array(count * IMAGE_PIXELS),
    classes,
    labels: new Uint8Array(count),
    energiesTeV: new Float64Array(count),
    sizesPe: new Float64Array(count),
  };
  for (let i = 0; i < count; i++) {
    const label = (offset + i) % classes.length;
    const species = classes[label];
    const rng = createRng(hashSeed(seed, SPECIES_BATCH_STREAM, Math.round(minTeV * 1e6), Math.round(maxTeV * 1e6), offset + i));
    const energyTeV = powerLawEnergyTeV(rng.uniform(), minTeV, maxTeV, SPECIES_SPECTRAL_INDEX[species]);
    const event = generateSpeciesEvent(rng, species, energyTeV, batch.pixels.subarray(i * IMAGE_PIXELS, (i + 1) * IMAGE_PIXELS));
    batch.labels[i] = label;
    batch.energiesTeV[i] = energyTeV;
    batch.sizesPe[i] = event.sizePe;
  }
  return batch;
}
