// A TensorFlow.js layer that runs one Keras operation written with tf ops, for the Keras layers and settings
// tfjs-layers lacks or computes differently (BatchNormalization off the last axis, thresholded ReLU, grouped
// convolution, ...). The ONNX compiler reads `op` to translate it, so both backends share one definition.
import { tf, type Tensor } from '../runtime/tfjs.ts';

export type Shape = (number | null)[];

/** The Keras weights an op owns, by Keras name (gamma, moving_mean, kernel, alpha, ...), with their file shapes. */
export interface OpWeight {
  name: string;
  shape: number[];
}

export interface KerasOp {
  /** What the op computes; the ONNX compiler switches on it. */
  kind: string;
  /** The op's settings, Keras names and meanings (axes are Keras axes, batch included). */
  params: Record<string, unknown>;
  weights: OpWeight[];
  /** Output shape (batch included) from the input shapes; throws a named InferenceError for inputs it refuses. */
  outputShape(inputs: Shape[]): Shape;
  /** Computes the output; `weights` in the order of `weights` above. */
  apply(inputs: Tensor[], weights: Tensor[]): Tensor;
}

export class KerasOpLayer extends tf.layers.Layer {
  static readonly className = 'KerasOp';

  constructor(
    readonly op: KerasOp,
    name: string,
  ) {
    super({ name, trainable: false, dtype: 'float32' });
  }

  override build(): void {
    for (const weight of this.op.weights) this.addWeight(weight.name, weight.shape, 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return this.op.outputShape(listOfShapes(inputShape));
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    return tf.tidy(() => this.op.apply(list, this.weights.map((w) => w.read())));
  }

  override getClassName(): string {
    return KerasOpLayer.className;
  }

  override getConfig() {
    return { ...super.getConfig(), kind: this.op.kind };
  }
}

function listOfShapes(shape: Shape | Shape[]): Shape[] {
  return Array.isArray(shape[0]) || shape.length === 0 ? (shape as Shape[]) : [shape as Shape];
}

/** A parameter of `axes` (Keras axes of x) reshaped to broadcast over x. */
export function broadcastAlong(value: Tensor, rank: number, axes: number[], inputShape: readonly number[]): Tensor {
  const shape = Array.from({ length: rank }, (_, d) => (axes.includes(d) ? inputShape[d] : 1));
  return value.reshape(shape);
}

/** Keras axis (negative from the end) to a positive axis of a rank-`rank` tensor. */
export function positiveAxis(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}
