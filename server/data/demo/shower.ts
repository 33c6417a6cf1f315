// A toy air-shower imaging model: one simulated camera image of a gamma, proton, electron or muon event.
// Not a Monte Carlo of the atmosphere: parametrised images with the features that separate
// the classes in real Cherenkov telescopes (Hillas width/length, orientation towards the
// source, fragmentation, muon rings), their growth with energy, and photon statistics that make
// faint low-energy events genuinely ambiguous.
import type { Particle } from './particle.ts';
import { ACTIVE_PIXEL_INDICES, CAMERA_WIDTH, IMAGE_PIXELS, PIXEL_DEG } from './camera.ts';
import type { Rng } from '../../random/rng.ts';
import type { DemoSpecies } from './species.ts';

export interface DemoEvent {
  particle: Particle;
  energyTeV: number;
  /** 56x56 8-bit grayscale image, row-major; pixels outside the camera (corners) are 0. */
  pixels: Uint8Array;
  /** Expected Cherenkov signal inside the camera before noise, photo-electrons (Hillas "size"). */
  sizePe: number;
  /** Distance of the shower axis from the telescope on the ground, metres. */
  impactM: number;
  /** True arrival direction in camera coordinates, degrees from the centre (gammas: the source at the centre). */
  sourceXDeg: number;
  sourceYDeg: number;
  /** Whether a muon ring (or arc) was added to the image. */
  muonRing: boolean;
}

/** An event of any demo species; for a muon, `source*Deg` is the muon's direction (the ring's centre) and `impactM` its parent shower's core distance. */
export interface SpeciesEvent extends Omit<DemoEvent, 'particle'> {
  species: DemoSpecies;
}

/**
 * The camera triggers when at least TRIGGER_PIXELS pixels see TRIGGER_PIXEL_PE or more (expected signal).
 * Events that would not trigger are re-drawn, as the instrument never records them: this selects
 * compact, bright hadron images at low energy, which is what makes them hard to tell from gammas.
 */
export const TRIGGER_PIXEL_PE = 6;
export const TRIGGER_PIXELS = 4;
const MAX_TRIGGER_TRIES = 500;
/** Share of proton events with a muon ring or arc on top of the shower. */
const MUON_RING_PROBABILITY = 0.07;
/** Mean signal of an on-axis gamma per TeV inside the light pool; protons give about a third. */
const GAMMA_PE_PER_TEV = 60;
const PROTON_PE_PER_TEV = 25;
/** Radius of the flat Cherenkov light pool on the ground and the fall-off length beyond it. */
const LIGHT_POOL_RADIUS_M = 130;
const LIGHT_POOL_FALLOFF_M = 110;
/**
 * Offsets of triggered protons from the pointing: cosmic rays are isotropic, but optical efficiency and
 * PSF degrade off-axis, so recorded directions thin out with offset (a Rayleigh scale, cut off), and
 * faint low-energy images are recorded mostly near the centre: the scale grows with log10(E).
 */
const PROTON_OFFSET_SCALE_DEG = 1.0;
const PROTON_OFFSET_SCALE_PER_DECADE_DEG = 0.35;
const PROTON_MAX_OFFSET_DEG = 4.5;
/**
 * Local muons: Cherenkov threshold and largest ring radius at the telescope's altitude (n - 1 ~ 2e-4), the light of
 * a full-size ring centred on the mirror (ASTRI's ~4 m dish), and how far from the centre their directions reach.
 */
const MUON_THRESHOLD_GEV = 5.5;
const MUON_MAX_RING_DEG = 1.2;
const MUON_RING_PE = 220;
const MUON_MAX_OFFSET_DEG = 3.2;
/** Image centroids beyond this radius would mostly fall off the camera: such events are re-drawn. */
const MAX_CENTROID_DEG = 4.4;
/** Night-sky background per pixel and integration window, photo-electrons, varying night to night. */
const NSB_MIN_PE = 1.0;
const NSB_SPREAD_PE = 2.0;
const ELECTRONIC_NOISE_PE = 0.5;
/** The 8-bit scale compresses charge logarithmically: 0 p.e. -> 0, ~2000 p.e. and above -> 255. */
const CHARGE_KNEE_PE = 4;
const CHARGE_SATURATION_PE = 2000;
const CHARGE_SCALE = 255 / Math.log1p(CHARGE_SATURATION_PE / CHARGE_KNEE_PE);

const DEG = Math.PI / 180;
const CENTRE = (CAMERA_WIDTH - 1) / 2;
/** Variance of a uniform pixel response: widens each Gaussian so that sampling at pixel centres conserves light. */
const PIXEL_VARIANCE = 1 / 12;

// One scratch buffer of expected photo-electrons per pixel; generation is synchronous, so it is never shared.
const signal = new Float64Array(IMAGE_PIXELS);

/**
 * Simulates one triggered event of `particle` with true energy `energyTeV` and renders its
 * camera image into `out` (a new 3136-byte array when omitted).
 */
export function generateEvent(rng: Rng, particle: Particle, energyTeV: number, out: Uint8Array = new Uint8Array(IMAGE_PIXELS)): DemoEvent {
  return { particle, ...simulate(rng, particle, energyTeV, out) };
}

/**
 * The same for any demo species. For gamma and proton it draws the same random numbers as
 * generateEvent, so one stream gives one image whichever function made it.
 */
export function generateSpeciesEvent(rng: Rng, species: DemoSpecies, energyTeV: number, out: Uint8Array = new Uint8Array(IMAGE_PIXELS)): SpeciesEvent {
  return { species, ...simulate(rng, species, energyTeV, out) };
}

function simulate(rng: Rng, species: DemoSpecies, energyTeV: number, out: Uint8Array): Omit<DemoEvent, 'particle'> {
  if (!(energyTeV > 0)) throw new RangeError(`energyTeV must be positive, got ${energyTeV}`);
  if (out.length !== IMAGE_PIXELS) throw new RangeError(`output buffer must hold ${IMAGE_PIXELS} pixels, got ${out.length}`);
  let shower: ShowerTruth;
  let attempt = 0;
  do {
    signal.fill(0);
    shower = SHOWERS[species](rng, energyTeV);
  } while (!triggers() && ++attempt < MAX_TRIGGER_TRIES);
  // Muons of the hadronic cascade that hit the mirror draw rings (arcs when they miss its centre).
  // They are added after the trigger decision: events triggered by a lone muon carry no shower to classify
  // (they are the muon species, whose ring is the whole image).
  const muonRing = species === 'muon' || (species === 'proton' && rng.uniform() < MUON_RING_PROBABILITY);
  if (muonRing && species === 'proton') addMuonRing(rng, shower.sourceXDeg, shower.sourceYDeg);
  let sizePe = 0;
  for (let k = 0; k < ACTIVE_PIXEL_INDICES.length; k++) sizePe += signal[ACTIVE_PIXEL_INDICES[k]];
  digitize(rng, out);
  return { energyTeV, pixels: out, sizePe: Math.round(sizePe * 10) / 10, ...shower, muonRing };
}

interface ShowerTruth {
  impactM: number;
  sourceXDeg: number;
  sourceYDeg: number;
}

function triggers(): boolean {
  let lit = 0;
  for (let k = 0; k < ACTIVE_PIXEL_INDICES.length; k++) {
    if (signal[ACTIVE_PIXEL_INDICES[k]] >= TRIGGER_PIXEL_PE && ++lit >= TRIGGER_PIXELS) return true;
  }
  return false;
}

function lightPool(impactM: number): number {
  return impactM <= LIGHT_POOL_RADIUS_M ? 1 : Math.exp(-(impactM - LIGHT_POOL_RADIUS_M) / LIGHT_POOL_FALLOFF_M);
}

/** Angular distance (deg) between the source and the image of shower maximum, seen from impact distance `impactM`. */
function displacementDeg(impactM: number, showerMaxDistanceKm: number): number {
  return Math.atan(impactM / (showerMaxDistanceKm * 1000)) / DEG;
}

function gammaShower(rng: Rng, energyTeV: number): ShowerTruth {
  const lgE = Math.log10(energyTeV);
  // A point source at the camera centre, blurred by the pointing precision.
  const sourceX = 0.02 * rng.normal();
  const sourceY = 0.02 * rng.normal();
  const maxImpactM = Math.max(120, 200 + 150 * lgE);
  const impactM = maxImpactM * Math.sqrt(rng.uniform());
  const sizePe = GAMMA_PE_PER_TEV * Math.pow(energyTeV, 1.05) * lightPool(impactM) * Math.exp(0.25 * rng.normal());
  // Electromagnetic showers reach their maximum deeper (closer) as energy grows.
  const distDeg = displacementDeg(impactM, 10.5 - 1.0 * lgE) * (1 + 0.08 * rng.normal());
  const phi = 2 * Math.PI * rng.uniform();
  const cx = sourceX + distDeg * Math.cos(phi);
  const cy = sourceY + distDeg * Math.sin(phi);
  // The long axis points back at the source; shower fluctuations and the geomagnetic deflection of
  // the electrons tilt it, most at low energy.
  const tiltDeg = 2.5 + 10 * Math.exp(-Math.max(0, lgE) / 0.5);
  addElectromagneticImage(rng, cx, cy, phi + tiltDeg * DEG * rng.normal(), distDeg, lgE, sizePe);
  return { impactM, sourceXDeg: sourceX, sourceYDeg: sourceY };
}

function protonShower(rng: Rng, energyTeV: number): ShowerTruth {
  const lgE = Math.log10(energyTeV);
  const maxImpactM = Math.max(150, 250 + 150 * lgE);
  const showerMaxKm = 9.5 - 0.8 * lgE;
  const offsetScaleDeg = PROTON_OFFSET_SCALE_DEG + PROTON_OFFSET_SCALE_PER_DECADE_DEG * Math.max(0, lgE);
  let sourceX = 0;
  let sourceY = 0;
  let impactM = 0;
  let sizePe = 0;
  let cx = 0;
  let cy = 0;
  let phi = 0;
  let distDeg = 0;
  let contained = false;
  for (let attempt = 0; attempt < MAX_TRIGGER_TRIES && !contained; attempt++) {
    const theta = Math.min(PROTON_MAX_OFFSET_DEG, offsetScaleDeg * Math.sqrt(-2 * Math.log(1 - rng.uniform())));
    const psi = 2 * Math.PI * rng.uniform();
    sourceX = theta * Math.cos(psi);
    sourceY = theta * Math.sin(psi);
    impactM = maxImpactM * Math.sqrt(rng.uniform());
    sizePe = PROTON_PE_PER_TEV * Math.pow(energyTeV, 1.1) * lightPool(impactM) * Math.exp(0.5 * rng.normal());
    distDeg = displacementDeg(impactM, showerMaxKm) * (1 + 0.15 * rng.normal());
    phi = 2 * Math.PI * rng.uniform();
    cx = sourceX + distDeg * Math.cos(phi);
    cy = sourceY + distDeg * Math.sin(phi);
    contained = Math.hypot(cx, cy) <= MAX_CENTROID_DEG;
  }
  const e = Math.max(0, lgE);
  // Some hadronic showers put most of their energy into one electromagnetic sub-shower (pi0 decay)
  // and then look like gammas, only pointing elsewhere; they matter at low energy.
  const gammaLike = rng.uniform() < 0.6 * Math.exp(-e / 0.7);
  if (gammaLike) {
    // The sub-shower is a gamma shower of a fraction of the energy, tilted by the pion's transverse momentum.
    const subShowerLgE = lgE + Math.log10(0.3 + 0.4 * rng.uniform());
    const islandShare = rng.uniform() < 0.3 ? 0.05 + 0.1 * rng.uniform() : 0;
    addElectromagneticImage(rng, cx, cy, phi + 6 * DEG * rng.normal(), distDeg, subShowerLgE, sizePe * (1 - islandShare));
    if (islandShare > 0) addIsland(rng, cx, cy, sizePe * islandShare);
  } else {
    const axis = phi + 15 * DEG * rng.normal();
    const widthDeg = 0.16 + 0.07 * e + 0.05 * Math.abs(rng.normal());
    const lengthDeg = Math.max(0.15, (0.28 + 0.14 * e + 0.12 * distDeg) * (1 + 0.2 * rng.normal()));
    // The core breaks into clumps along the axis; sub-showers of secondary pions make islands.
    const clumps = 2 + rng.poisson(0.8 + 0.8 * e);
    const islands = rng.poisson(0.4 + 0.8 * e);
    const weights: number[] = [];
    let total = 0;
    for (let i = 0; i < clumps + islands; i++) {
      const w = -Math.log(1 - rng.uniform()) * (i < clumps ? 1 : 0.25);
      weights.push(w);
      total += w;
    }
    const ca = Math.cos(axis);
    const sa = Math.sin(axis);
    for (let i = 0; i < clumps; i++) {
      const along = 0.8 * lengthDeg * rng.normal();
      const across = 0.6 * widthDeg * rng.normal();
      const clumpLength = lengthDeg * (0.4 + 0.4 * rng.uniform());
      const clumpWidth = widthDeg * (0.5 + 0.5 * rng.uniform());
      addEllipse(cx + along * ca - across * sa, cy + along * sa + across * ca, axis + 20 * DEG * rng.normal(), clumpLength, clumpLength, clumpWidth, (sizePe * weights[i]) / total);
    }
    for (let i = clumps; i < clumps + islands; i++) addIsland(rng, cx, cy, (sizePe * weights[i]) / total);
  }
  return { impactM, sourceXDeg: sourceX, sourceYDeg: sourceY };
}

/**
 * A cosmic-ray electron: an electromagnetic cascade like a gamma's (same light yield, depth and shape), but
 * arriving from anywhere, as protons do, so its image neither lies on nor points towards the camera centre
 * (random Hillas alpha and miss) unless it happens to come from near the source.
 */
function electronShower(rng: Rng, energyTeV: number): ShowerTruth {
  const lgE = Math.log10(energyTeV);
  const maxImpactM = Math.max(120, 200 + 150 * lgE);
  const offsetScaleDeg = PROTON_OFFSET_SCALE_DEG + PROTON_OFFSET_SCALE_PER_DECADE_DEG * Math.max(0, lgE);
  let sourceX = 0;
  let sourceY = 0;
  let impactM = 0;
  let sizePe = 0;
  let distDeg = 0;
  let phi = 0;
  let cx = 0;
  let cy = 0;
  for (let attempt = 0; attempt < MAX_TRIGGER_TRIES; attempt++) {
    const theta = Math.min(PROTON_MAX_OFFSET_DEG, offsetScaleDeg * Math.sqrt(-2 * Math.log(1 - rng.uniform())));
    const psi = 2 * Math.PI * rng.uniform();
    sourceX = theta * Math.cos(psi);
    sourceY = theta * Math.sin(psi);
    impactM = maxImpactM * Math.sqrt(rng.uniform());
    sizePe = GAMMA_PE_PER_TEV * Math.pow(energyTeV, 1.05) * lightPool(impactM) * Math.exp(0.25 * rng.normal());
    distDeg = displacementDeg(impactM, 10.5 - 1.0 * lgE) * (1 + 0.08 * rng.normal());
    phi = 2 * Math.PI * rng.uniform();
    cx = sourceX + distDeg * Math.cos(phi);
    cy = sourceY + distDeg * Math.sin(phi);
    if (Math.hypot(cx, cy) <= MAX_CENTROID_DEG) break;
  }
  const tiltDeg = 2.5 + 10 * Math.exp(-Math.max(0, lgE) / 0.5);
  addElectromagneticImage(rng, cx, cy, phi + tiltDeg * DEG * rng.normal(), distDeg, lgE, sizePe);
  return { impactM, sourceXDeg: sourceX, sourceYDeg: sourceY };
}

/**
 * A local muon: a hadronic shower whose core lands far outside the light pool sends one muon onto the mirror.
 * The image is the muon's ring, centred on its direction, with a radius set by its Cherenkov angle (smaller just
 * above threshold) and light growing with the radius squared; a muon hitting the mirror off-centre or missing it
 * leaves a brighter arc. The distant shower adds a little diffuse light near the camera edge.
 */
function muonShower(rng: Rng, energyTeV: number): ShowerTruth {
  const lgE = Math.log10(energyTeV);
  const theta = MUON_MAX_OFFSET_DEG * Math.sqrt(rng.uniform());
  const psi = 2 * Math.PI * rng.uniform();
  const muonX = theta * Math.cos(psi);
  const muonY = theta * Math.sin(psi);
  // Muon energy at the telescope, GeV: a steep spectrum from just above the Cherenkov threshold.
  const muonGeV = powerLaw(rng.uniform(), 1.15 * MUON_THRESHOLD_GEV, 200, -2.7);
  const radiusDeg = MUON_MAX_RING_DEG * Math.sqrt(Math.max(0, 1 - (MUON_THRESHOLD_GEV / muonGeV) ** 2));
  const impact = 1.8 * rng.uniform();
  const ringPe = MUON_RING_PE * (radiusDeg / MUON_MAX_RING_DEG) ** 2 * (0.7 + 0.6 * rng.uniform());
  addRing(muonX, muonY, radiusDeg, 0.04 + 0.04 * rng.uniform(), impact, 2 * Math.PI * rng.uniform(), ringPe);
  // The parent shower: a proton's, seen from far beyond the light pool.
  const impactM = 450 + 550 * rng.uniform();
  const showerPe = PROTON_PE_PER_TEV * Math.pow(energyTeV, 1.1) * lightPool(impactM) * Math.exp(0.5 * rng.normal());
  const distDeg = displacementDeg(impactM, 9.5 - 0.8 * lgE);
  const phi = 2 * Math.PI * rng.uniform();
  const e = Math.max(0, lgE);
  const widthDeg = 0.2 + 0.07 * e;
  addEllipse(muonX + distDeg * Math.cos(phi), muonY + distDeg * Math.sin(phi), phi, 0.5 + 0.1 * e, 0.7 + 0.15 * e, widthDeg, showerPe);
  return { impactM, sourceXDeg: muonX, sourceYDeg: muonY };
}

const SHOWERS: Readonly<Record<DemoSpecies, (rng: Rng, energyTeV: number) => ShowerTruth>> = {
  gamma: gammaShower,
  proton: protonShower,
  electron: electronShower,
  muon: muonShower,
};

/** E^index in [min, max) from a uniform u, any unit (the muon's energy is in GeV). */
function powerLaw(u: number, min: number, max: number, index: number): number {
  const a = index + 1;
  return Math.pow(Math.pow(min, a) + u * (Math.pow(max, a) - Math.pow(min, a)), 1 / a);
}

/** The image of an electromagnetic cascade of energy 10^lgE TeV: a thin ellipse whose long axis is `axis`. */
function addElectromagneticImage(rng: Rng, cx: number, cy: number, axis: number, distDeg: number, lgE: number, pe: number): void {
  const e = Math.max(0, lgE);
  // Few-particle showers near threshold fluctuate strongly, so their images vary much more in shape.
  const fluctuation = 0.15 + 0.6 * Math.exp(-e / 0.5);
  const widthDeg = (0.065 + 0.02 * e) * (1 + fluctuation * Math.abs(rng.normal()));
  const lengthDeg = Math.max(0.1, (0.14 + 0.07 * e + 0.12 * distDeg) * (1 + 0.12 * rng.normal()) * (1 + 0.5 * fluctuation * Math.abs(rng.normal())));
  // Head-tail asymmetry: the deep part of the shower, nearest the telescope, spreads away from the source.
  addEllipse(cx, cy, axis, 0.8 * lengthDeg, 1.25 * lengthDeg, widthDeg, pe);
}

function addMuonRing(rng: Rng, sourceXDeg: number, sourceYDeg: number): void {
  // Ring radius = Cherenkov angle of a muon near 1.2 deg; the ring is centred on the muon's direction.
  const x = sourceXDeg + 0.3 * rng.normal();
  const y = sourceYDeg + 0.3 * rng.normal();
  addRing(x, y, 1.1 + 0.15 * rng.uniform(), 0.05, 1.6 * rng.uniform(), 2 * Math.PI * rng.uniform(), 80 + 170 * rng.uniform());
}

function addIsland(rng: Rng, cx: number, cy: number, pe: number): void {
  const r = 0.4 + 1.2 * rng.uniform();
  const a = 2 * Math.PI * rng.uniform();
  const sigma = 0.07 + 0.08 * rng.uniform();
  addEllipse(cx + r * Math.cos(a), cy + r * Math.sin(a), 0, sigma, sigma, sigma, pe);
}

/**
 * Adds `pe` photo-electrons spread as a 2D Gaussian centred at (cx, cy) degrees, long axis at `axis`
 * radians, with different longitudinal spreads towards (-) and away from (+) the axis direction.
 */
function addEllipse(cx: number, cy: number, axis: number, nearDeg: number, farDeg: number, widthDeg: number, pe: number): void {
  if (!(pe > 0)) return;
  const near = Math.sqrt((nearDeg / PIXEL_DEG) ** 2 + PIXEL_VARIANCE);
  const far = Math.sqrt((farDeg / PIXEL_DEG) ** 2 + PIXEL_VARIANCE);
  const width = Math.sqrt((widthDeg / PIXEL_DEG) ** 2 + PIXEL_VARIANCE);
  const norm = pe / (Math.PI * width * (near + far));
  const x0 = cx / PIXEL_DEG + CENTRE;
  const y0 = cy / PIXEL_DEG + CENTRE;
  const reach = 4 * Math.max(near, far, width);
  const ca = Math.cos(axis);
  const sa = Math.sin(axis);
  const halfInvNear = 0.5 / (near * near);
  const halfInvFar = 0.5 / (far * far);
  const halfInvWidth = 0.5 / (width * width);
  const xMin = Math.max(0, Math.floor(x0 - reach));
  const xMax = Math.min(CAMERA_WIDTH - 1, Math.ceil(x0 + reach));
  const yMin = Math.max(0, Math.floor(y0 - reach));
  const yMax = Math.min(CAMERA_WIDTH - 1, Math.ceil(y0 + reach));
  for (let y = yMin; y <= yMax; y++) {
    const dy = y - y0;
    const row = y * CAMERA_WIDTH;
    for (let x = xMin; x <= xMax; x++) {
      const dx = x - x0;
      const l = dx * ca + dy * sa;
      const w = -dx * sa + dy * ca;
      const exponent = l * l * (l < 0 ? halfInvNear : halfInvFar) + w * w * halfInvWidth;
      if (exponent < 8) signal[row + x] += norm * Math.exp(-exponent);
    }
  }
}

/** A muon ring of radius `radiusDeg`; `impact` > 0 modulates it along its circumference, > 1 leaves an arc. */
function addRing(cx: number, cy: number, radiusDeg: number, sigmaDeg: number, impact: number, phase: number, pe: number): void {
  const radius = radiusDeg / PIXEL_DEG;
  const sigma = Math.sqrt((sigmaDeg / PIXEL_DEG) ** 2 + PIXEL_VARIANCE);
  let meanModulation = 0;
  for (let k = 0; k < 64; k++) meanModulation += Math.max(0, 1 + impact * Math.cos((2 * Math.PI * k) / 64)) / 64;
  const norm = pe / (2 * Math.PI * radius * Math.sqrt(2 * Math.PI) * sigma * meanModulation);
  const x0 = cx / PIXEL_DEG + CENTRE;
  const y0 = cy / PIXEL_DEG + CENTRE;
  const reach = radius + 4 * sigma;
  const halfInv = 0.5 / (sigma * sigma);
  for (let y = Math.max(0, Math.floor(y0 - reach)); y <= Math.min(CAMERA_WIDTH - 1, Math.ceil(y0 + reach)); y++) {
    for (let x = Math.max(0, Math.floor(x0 - reach)); x <= Math.min(CAMERA_WIDTH - 1, Math.ceil(x0 + reach)); x++) {
      const dx = x - x0;
      const dy = y - y0;
      const d = Math.sqrt(dx * dx + dy * dy);
      const off = d - radius;
      const exponent = off * off * halfInv;
      if (exponent >= 8 || d === 0) continue;
      const modulation = 1 + impact * ((dx * Math.cos(phase) + dy * Math.sin(phase)) / d);
      if (modulation > 0) signal[y * CAMERA_WIDTH + x] += norm * modulation * Math.exp(-exponent);
    }
  }
}

/** Photon statistics, night-sky background and electronics, then the compressed 8-bit charge scale. */
function digitize(rng: Rng, out: Uint8Array): void {
  out.fill(0);
  const nsbPe = NSB_MIN_PE + NSB_SPREAD_PE * rng.uniform();
  // Most pixels see background only: draw their photo-electrons from a cumulative table, one uniform each.
  let term = Math.exp(-nsbPe);
  let cumulative = term;
  let tableSize = 0;
  for (; tableSize < backgroundCdf.length && cumulative < 1 - 1e-12; tableSize++) {
    backgroundCdf[tableSize] = cumulative;
    term *= nsbPe / (tableSize + 1);
    cumulative += term;
  }
  for (let k = 0; k < ACTIVE_PIXEL_INDICES.length; k++) {
    const i = ACTIVE_PIXEL_INDICES[k];
    let photoElectrons: number;
    if (signal[i] < 1e-3) {
      const u = rng.uniform();
      photoElectrons = 0;
      while (photoElectrons < tableSize && u >= backgroundCdf[photoElectrons]) photoElectrons++;
    } else photoElectrons = rng.poisson(signal[i] + nsbPe);
    // The pedestal (mean background) is subtracted, as the camera's calibration does.
    const chargePe = photoElectrons - nsbPe + ELECTRONIC_NOISE_QUANTILES[(rng.uniform() * NOISE_TABLE_SIZE) | 0];
    if (chargePe > 0) {
      const value = Math.round(CHARGE_SCALE * Math.log1p(chargePe / CHARGE_KNEE_PE));
      out[i] = value > 255 ? 255 : value;
    }
  }
}

const backgroundCdf = new Float64Array(64);

// Electronic noise is drawn by table lookup (4096 equiprobable normal quantiles): one uniform per
// pixel instead of a Box-Muller pair, indistinguishable after the 8-bit quantisation.
const NOISE_TABLE_SIZE = 4096;
const ELECTRONIC_NOISE_QUANTILES = Float64Array.from({ length: NOISE_TABLE_SIZE }, (_, i) => ELECTRONIC_NOISE_PE * inverseNormalCdf((i + 0.5) / NOISE_TABLE_SIZE));

/** Quantile of the standard normal distribution (Acklam's rational approximation, |error| < 1.2e-9). */
function inverseNormalCdf(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - low) return -inverseNormalCdf(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}
