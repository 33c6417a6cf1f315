// Image parameters of cleaned demo camera images, as Cherenkov telescope analyses compute them: Hillas moments
// (centroid, width, length, orientation, alpha towards the camera centre) and a circle fit for muon rings.
const SIDE = 56;
const CENTRE = (SIDE - 1) / 2;
/** Degrees per pixel of the demo camera. */
const PIXEL_DEG = 0.19;

export interface Hillas {
  /** Summed 8-bit values of the pixels that survive cleaning. */
  size: number;
  pixels: number;
  /** Centroid's distance from the camera centre, degrees. */
  distanceDeg: number;
  widthDeg: number;
  lengthDeg: number;
  /** Angle between the major axis and the line from the centroid to the camera centre, degrees in [0, 90]. */
  alphaDeg: number;
}

/** Cleaning: a pixel of at least `picture` with a neighbour of at least `boundary`, so night-sky noise does not count. */
export function cleanedPixels(image: Uint8Array, picture = 40, boundary = 30): number[] {
  const kept: number[] = [];
  for (let i = 0; i < SIDE * SIDE; i++) {
    if (image[i] < picture) continue;
    const x = i % SIDE;
    const y = Math.floor(i / SIDE);
    const lit = (x > 0 && image[i - 1] >= boundary) || (x < SIDE - 1 && image[i + 1] >= boundary) || (y > 0 && image[i - SIDE] >= boundary) || (y < SIDE - 1 && image[i + SIDE] >= boundary);
    if (lit) kept.push(i);
  }
  return kept;
}

export function hillas(image: Uint8Array): Hillas {
  const kept = cleanedPixels(image);
  let s = 0, sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
  for (const i of kept) {
    const v = image[i];
    const x = i % SIDE;
    const y = Math.floor(i / SIDE);
    s += v;
    sx += v * x;
    sy += v * y;
    sxx += v * x * x;
    syy += v * y * y;
    sxy += v * x * y;
  }
  if (s === 0) return { size: 0, pixels: 0, distanceDeg: 0, widthDeg: 0, lengthDeg: 0, alphaDeg: 90 };
  const mx = sx / s, my = sy / s;
  const cxx = sxx / s - mx * mx, cyy = syy / s - my * my, cxy = sxy / s - mx * my;
  const root = Math.sqrt((cxx - cyy) ** 2 + 4 * cxy * cxy);
  const psi = 0.5 * Math.atan2(2 * cxy, cxx - cyy);
  const dx = CENTRE - mx, dy = CENTRE - my;
  const distance = Math.hypot(dx, dy);
  const cosAlpha = distance === 0 ? 1 : Math.abs(dx * Math.cos(psi) + dy * Math.sin(psi)) / distance;
  return {
    size: s,
    pixels: kept.length,
    distanceDeg: distance * PIXEL_DEG,
    widthDeg: Math.sqrt(Math.max(0, (cxx + cyy - root) / 2)) * PIXEL_DEG,
    lengthDeg: Math.sqrt(Math.max(0, (cxx + cyy + root) / 2)) * PIXEL_DEG,
    alphaDeg: (Math.acos(Math.min(1, cosAlpha)) * 180) / Math.PI,
  };
}

export interface RingFit {
  radiusDeg: number;
  /** Light-weighted RMS of the pixels' distances from the fitted circle, relative to its radius. */
  relativeSpread: number;
  /** Share of the circle's circumference (in 32 sectors) that holds light: 1 for a full ring, less for an arc. */
  coverage: number;
}

/** Least-squares circle through the cleaned pixels (Kåsa's algebraic fit, light-weighted); null for fewer than 5 pixels. */
export function fitRing(image: Uint8Array): RingFit | null {
  const kept = cleanedPixels(image);
  if (kept.length < 5) return null;
  // Solve x^2 + y^2 + D x + E y + F = 0 in the weighted least-squares sense (normal equations, 3x3).
  const m = [0, 0, 0, 0, 0, 0, 0, 0, 0];
  const b = [0, 0, 0];
  for (const i of kept) {
    const w = image[i];
    const x = i % SIDE - CENTRE;
    const y = Math.floor(i / SIDE) - CENTRE;
    const row = [x, y, 1];
    const rhs = -(x * x + y * y);
    for (let r = 0; r < 3; r++) {
      b[r] += w * row[r] * rhs;
      for (let c = 0; c < 3; c++) m[r * 3 + c] += w * row[r] * row[c];
    }
  }
  const solution = solve3(m, b);
  if (!solution) return null;
  const [d, e, f] = solution;
  const cx = -d / 2, cy = -e / 2;
  const r2 = cx * cx + cy * cy - f;
  if (!(r2 > 0)) return null;
  const radius = Math.sqrt(r2);
  let s = 0, spread = 0;
  const sectors = new Set<number>();
  for (const i of kept) {
    const w = image[i];
    const x = i % SIDE - CENTRE - cx;
    const y = Math.floor(i / SIDE) - CENTRE - cy;
    const off = Math.hypot(x, y) - radius;
    s += w;
    spread += w * off * off;
    sectors.add(Math.floor(((Math.atan2(y, x) + Math.PI) / (2 * Math.PI)) * 32) % 32);
  }
  return { radiusDeg: radius * PIXEL_DEG, relativeSpread: Math.sqrt(spread / s) / radius, coverage: sectors.size / 32 };
}

function solve3(m: number[], b: number[]): [number, number, number] | null {
  const det = (a: number[]) => a[0] * (a[4] * a[8] - a[5] * a[7]) - a[1] * (a[3] * a[8] - a[5] * a[6]) + a[2] * (a[3] * a[7] - a[4] * a[6]);
  const dm = det(m);
  if (Math.abs(dm) < 1e-9) return null;
  const column = (k: number) => m.map((v, i) => (i % 3 === k ? b[Math.floor(i / 3)] : v));
  return [det(column(0)) / dm, det(column(1)) / dm, det(column(2)) / dm];
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
