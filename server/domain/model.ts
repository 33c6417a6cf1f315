// What a registered model is: its input geometry, what it expects of pixels, what its outputs mean.

export type ColorMode = 'grayscale' | 'rgb';

/**
 * How 8-bit pixels become the model's input: x = (pixel * scale + offset - mean[c]) / std[c].
 * mean and std are per channel (empty when unused), as torchvision's Normalize and Keras's Normalization do.
 */
export interface Preprocessing {
  colorMode: ColorMode;
  scale: number;
  offset: number;
  mean: number[];
  std: number[];
}

/** HWC: (H, W, C) input; HW: (H, W) with no channel axis; FLAT: a vector of H*W*C values (an MLP). */
export type InputLayout = 'HWC' | 'HW' | 'FLAT';

/** Where a model's class names came from, for `astri model inspect` and the API. */
export type ClassNamesSource = 'upload' | 'labels-file' | 'model-metadata' | 'config' | 'default';

export function preprocessingProblem(p: Preprocessing): string | null {
  const channels = p.colorMode === 'rgb' ? 3 : 1;
  if (!Number.isFinite(p.scale) || p.scale === 0) return `scale must be a non-zero number, got ${p.scale}`;
  if (!Number.isFinite(p.offset)) return `offset must be a number, got ${p.offset}`;
  for (const [name, values] of [['mean', p.mean], ['std', p.std]] as const) {
    if (values.length !== 0 && values.length !== channels) return `${name} needs ${channels} value(s) for ${p.colorMode} input, got ${values.length}`;
    if (values.some((v) => !Number.isFinite(v))) return `${name} values must be numbers`;
  }
  if (p.std.some((v) => v === 0)) return 'std values must not be 0';
  return null;
}

/** Per-channel affine maps a * pixel + b equivalent to a preprocessing, for the inner loop. */
export function affinePerChannel(p: Preprocessing): { a: Float32Array; b: Float32Array } {
  const channels = p.colorMode === 'rgb' ? 3 : 1;
  const a = new Float32Array(channels);
  const b = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    const mean = p.mean.length ? p.mean[c] : 0;
    const std = p.std.length ? p.std[c] : 1;
    a[c] = p.scale / std;
    b[c] = (p.offset - mean) / std;
  }
  return { a, b };
}

export interface ModelDescriptor {
  id: number;
  name: string;
  version: string;
  /** Absolute path of the model file (never shown to clients). */
  file: string;
  sha256: string;
  format: string;
  /** Height, width, channels of the image the model takes. */
  inputShape: [number, number, number];
  inputLayout: InputLayout;
  /** sigmoid: one unit, the probability of classNames[1]; softmax or other: one unit per class. */
  outputKind: string;
  /** One name per class the outputs score, in output order (2 for a sigmoid unit: [negative, positive]). */
  classNames: string[];
  classNamesSource: ClassNamesSource;
  preprocessing: Preprocessing;
  parameterCount: number;
  kerasVersion: string | null;
  /** s3://... the file was registered from, if a bucket. */
  sourceUrl: string | null;
  /** s3://... where the shared store keeps the file, if one is configured. */
  storeUrl: string | null;
}

/** Classes a model's outputs score: a single sigmoid unit scores two (1 - p, p). */
export function classCountOf(outputKind: string, outputUnits: number): number {
  return outputKind === 'sigmoid' && outputUnits === 1 ? 2 : outputUnits;
}
