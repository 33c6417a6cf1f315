// The species the demo camera simulation can make. A string class name, not the service's binary `Particle`:
// the multi-class demo dataset declares these names as its classes, in this order.

/**
 * gamma: electromagnetic showers from the source at the camera centre. proton: hadronic showers, isotropic.
 * electron: cosmic-ray electrons, electromagnetic (gamma-like) showers arriving from anywhere in the field of view.
 * muon: a single local muon's Cherenkov ring (an arc when it misses the mirror's centre), little shower light.
 */
export type DemoSpecies = 'gamma' | 'proton' | 'electron' | 'muon';

/** Every species, in the multi-class demo's class order (model output order). */
export const DEMO_SPECIES: readonly DemoSpecies[] = Object.freeze(['gamma', 'proton', 'electron', 'muon']);

export function isDemoSpecies(value: string): value is DemoSpecies {
  return (DEMO_SPECIES as readonly string[]).includes(value);
}
