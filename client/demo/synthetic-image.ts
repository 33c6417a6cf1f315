// Camera images for the demo mode, which has scores but no image files: a seeded Hillas-like ellipse
// (narrow and pointing at the centre for gammas, broad and patchy for protons) on a 56x56 camera.
// They only stand in for the real PNGs that the server serves at /images/<eventId>.png. The N-class demo's
// RGB images are coloured shapes, one shape per class.

/** The two classes of the recorded ASTRI sample. */
export type Particle = 'GAMMA' | 'PROTON';

const SIDE = 56;

/** A grayscale 8-bit image, row-major. */
export function syntheticCameraPixels(eventId: string, particle: Particle, energyTeV: number): Uint8ClampedArray {
  const random = seeded(hash(eventId));
  const gaussian = () => Math.sqrt(-2 * Math.log(random() + 1e-12)) * Math.cos(2 * Math.PI * random());
  const intensity = new Float32Array(SIDE * SIDE);
  const centre = (SIDE - 1) / 2;
  const blobs = particle === 'GAMMA' ? 1 : 2 + Math.floor(random() * 3);
  const energyScale = 1 + Math.log10(Math.max(energyTeV, 0.1) + 1);
  for (let blob = 0; blob < blobs; blob += 1) {
    const radius = 4 + random() * 14;
    const angle = random() * 2 * Math.PI;
    const cx = centre + radius * Math.cos(angle);
    const cy = centre + radius * Math.sin(angle);
    // Gammas point back to the source at the camera centre; protons point anywhere.
    const axis = particle === 'GAMMA' ? angle + gaussian() * 0.1 : random() * Math.PI;
    const length = (particle === 'GAMMA' ? 4 : 3 + random() * 4) * energyScale;
    const width = particle === 'GAMMA' ? 1.2 + random() * 0.6 : 2 + random() * 3;
    const amplitude = (blob === 0 ? 1 : 0.4 + random() * 0.5) * (0.6 + 0.4 * energyScale);
    const cos = Math.cos(axis);
    const sin = Math.sin(axis);
    for (let y = 0; y < SIDE; y += 1) {
      for (let x = 0; x < SIDE; x += 1) {
        const dx = x - cx;
        const dy = y - cy;
        const along = (dx * cos + dy * sin) / length;
        const across = (-dx * sin + dy * cos) / width;
        intensity[y * SIDE + x] += amplitude * Math.exp(-0.5 * (along * along + across * across));
      }
    }
  }
  const pixels = new Uint8ClampedArray(SIDE * SIDE);
  const peak = Math.max(...intensity);
  for (let y = 0; y < SIDE; y += 1) {
    for (let x = 0; x < SIDE; x += 1) {
      const inside = Math.hypot(x - centre, y - centre) <= centre;
      const i = y * SIDE + x;
      // Night-sky background noise, then cleaning: the camera only reads out pixels above a floor.
      const value = inside ? (intensity[i] / peak) * 235 + Math.abs(gaussian()) * 10 : 0;
      pixels[i] = value > 18 ? value : 0;
    }
  }
  return pixels;
}

/** The image as a PNG data URL (empty where no canvas exists, e.g. outside a browser). */
export function syntheticCameraImage(eventId: string, particle: Particle, energyTeV: number): string {
  if (typeof document === 'undefined') return '';
  const canvas = document.createElement('canvas');
  canvas.width = SIDE;
  canvas.height = SIDE;
  const context = canvas.getContext('2d');
  if (!context) return '';
  const gray = syntheticCameraPixels(eventId, particle, energyTeV);
  const rgba = context.createImageData(SIDE, SIDE);
  for (let i = 0; i < gray.length; i += 1) {
    rgba.data[4 * i] = gray[i];
    rgba.data[4 * i + 1] = gray[i];
    rgba.data[4 * i + 2] = gray[i];
    rgba.data[4 * i + 3] = 255;
  }
  context.putImageData(rgba, 0, 0);
  return canvas.toDataURL('image/png');
}

const SHAPE_SIDE = 32;

/** An RGB image of class `classIndex` (disc, ring, bar, cross, ...), in a seeded colour, as a PNG data URL. */
export function syntheticShapeImage(eventId: string, classIndex: number): string {
  if (typeof document === 'undefined') return '';
  const canvas = document.createElement('canvas');
  canvas.width = SHAPE_SIDE;
  canvas.height = SHAPE_SIDE;
  const context = canvas.getContext('2d');
  if (!context) return '';
  const random = seeded(hash(eventId));
  const hue = Math.floor(random() * 360);
  context.fillStyle = `hsl(${(hue + 180) % 360} 25% ${20 + random() * 15}%)`;
  context.fillRect(0, 0, SHAPE_SIDE, SHAPE_SIDE);
  context.fillStyle = `hsl(${hue} 80% ${50 + random() * 20}%)`;
  context.strokeStyle = context.fillStyle;
  context.lineWidth = 4;
  const c = SHAPE_SIDE / 2 + (random() - 0.5) * 6;
  const r = 7 + random() * 5;
  context.beginPath();
  switch (classIndex % 4) {
    case 0:
      context.arc(c, c, r, 0, 2 * Math.PI);
      context.fill();
      break;
    case 1:
      context.arc(c, c, r, 0, 2 * Math.PI);
      context.stroke();
      break;
    case 2:
      context.fillRect(c - r, c - r / 3, 2 * r, (2 * r) / 3);
      break;
    default:
      context.fillRect(c - r, c - 2, 2 * r, 4);
      context.fillRect(c - 2, c - r, 4, 2 * r);
  }
  return canvas.toDataURL('image/png');
}

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i += 1) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

function seeded(seed: number): () => number {
  let state = seed || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
}
