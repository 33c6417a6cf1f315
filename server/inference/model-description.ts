// What a model file is: input geometry, the shape and kind of its outputs, its layers and parameters, where it came from.

export type OutputKind = 'sigmoid' | 'softmax' | 'other';

export interface LayerDescription {
  name: string;
  /** Keras class as written in the file. */
  className: string;
  /** Without the batch dimension (null where the size is free). */
  outputShape: (number | null)[];
  parameterCount: number;
}

export interface ModelDescription {
  format: 'keras-h5' | 'onnx';
  /** Height, width, channels of one image. A model whose input is (H, W) reports C = 1. */
  inputShape: [number, number, number];
  /** 'HWC' for a (H, W, C) input, 'HW' for a two-dimensional (H, W) input fed grayscale images. */
  inputLayout: 'HWC' | 'HW' | 'FLAT';
  /**
   * Whether the outputs are probabilities: sigmoid, one unit with a sigmoid activation; softmax, a softmax over two
   * or more units; other, anything else. What the units mean (class names) is the model registry's business.
   */
  outputKind: OutputKind;
  outputUnits: number;
  parameterCount: number;
  layers: LayerDescription[];
  kerasVersion: string | null;
  kerasBackend: string | null;
  /** Hex SHA-256 of the file's bytes: identifies the model across renames. */
  sha256: string;
  /** Every output of the file (a Keras model may have several), in the file's order; absent for ONNX files. */
  outputs?: OutputDescription[];
  /** The output served as class scores: `inference.outputName`, else the first class-probability output. */
  outputName?: string;
  /** 'keras-h5' for a legacy HDF5 file, 'keras-v3' for a Keras 3 .keras archive. */
  container?: 'keras-h5' | 'keras-v3';
}

export interface OutputDescription {
  /** The layer computing it ("model_1/dense" inside a nested model). */
  name: string;
  /** Without the batch dimension (null where the size is free). */
  shape: (number | null)[];
}

export interface DescribeOptions {
  /** For a model with several outputs: the one to serve, by layer name or index (config `inference.outputName`). */
  outputName?: string;
}

/**
 * The image a flat input of `values` numbers takes (an MLP on 784 values: a 28x28 gray image): square, gray
 * when `values` is a square, else RGB when `values` / 3 is one; null when neither fits.
 */
export function flatImageShape(values: number): [number, number, number] | null {
  const side = Math.round(Math.sqrt(values));
  if (side * side === values) return [side, side, 1];
  const rgbSide = Math.round(Math.sqrt(values / 3));
  if (3 * rgbSide * rgbSide === values) return [rgbSide, rgbSide, 3];
  return null;
}
