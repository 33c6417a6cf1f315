// Power-law energy spectra dN/dE ~ E^index, sampled by inverting the cumulative distribution.
import type { Particle } from './particle.ts';
import type { DemoSpecies } from './species.ts';

/** Differential spectral indices: cosmic-ray protons ~ -2.7, a Crab-like gamma source ~ -2.5. */
export const SPECTRAL_INDEX: Readonly<Record<Particle, number>> = Object.freeze({ gamma: -2.5, proton: -2.7 });

/**
 * The same per species: cosmic-ray electrons fall more steeply than protons (~ -3 and steeper above 1 TeV);
 * a muon event's energy is its parent cosmic ray's, so it follows the proton spectrum.
 */
export const SPECIES_SPECTRAL_INDEX: Readonly<Record<DemoSpecies, number>> = Object.freeze({ ...SPECTRAL_INDEX, electron: -3.1, muon: -2.7 });

/** An energy in [minTeV, maxTeV) drawn from E^index, given a uniform u in [0, 1). */
export function powerLawEnergyTeV(u: number, minTeV: number, maxTeV: number, index: number): number {
  if (!(minTeV > 0) || !(maxTeV > minTeV)) throw new RangeError(`energy range must satisfy 0 < min < max, got [${minTeV}, ${maxTeV})`);
  const a = index + 1;
  const energyTeV = Math.abs(a) < 1e-12 ? minTeV * Math.pow(maxTeV / minTeV, u) : Math.pow(Math.pow(minTeV, a) + u * (Math.pow(maxTeV, a) - Math.pow(minTeV, a)), 1 / a);
  // Stored with 1 MeV resolution; rounding down keeps the value inside the half-open bin.
  const stored = Math.floor(energyTeV * 1e6) / 1e6;
  return stored < minTeV ? minTeV : stored;
}
