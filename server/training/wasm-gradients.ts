// The one gradient kernel tfjs-backend-wasm 4.x lacks for training a Conv2D layer (Conv2DBackpropFilter),
// built from kernels the wasm backend has, so a CNN trains on WebAssembly instead of the ~40x slower cpu backend.
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { tf } from '../inference/runtime/tfjs.ts';
import { TrainingBackendError } from './errors.ts';

const KERNEL = 'Conv2DBackpropFilter';

interface BackendLike {
  disposeData(dataId: object, force?: boolean): boolean;
}

type Invoke = (args: { inputs: Record<string, TensorInfo> | TensorInfo[]; backend: unknown; attrs: Record<string, unknown> }) => TensorInfo;

/**
 * Registers Conv2DBackpropFilter for the wasm backend unless some kernel is registered already. Idempotent.
 * Only NHWC, no dilation, and the strides/padding Keras Conv2D layers use ('same' or 'valid').
 */
export function registerWasmTrainingKernels(): void {
  if (tf.getKernel(KERNEL, 'wasm')) return;
  const find = (name: string): Invoke => {
    const config = tf.getKernel(name, 'wasm');
    if (!config) throw new TrainingBackendError(`the wasm backend has no ${name} kernel, needed to compute ${KERNEL}; train with --backend cpu`);
    return config.kernelFunc as unknown as Invoke;
  };
  const kernels = {
    conv3dFilter: find('Conv3DBackpropFilterV2'),
    pad: find('PadV2'),
    slice: find('Slice'),
    stridedSlice: find('StridedSlice'),
    concat: find('Concat'),
    transpose: find('Transpose'),
    matmul: find('BatchMatMul'),
  };
  const kernelFunc = ((args: { inputs: { x: TensorInfo; dy: TensorInfo }; backend: BackendLike; attrs: FilterGradAttrs }) =>
    conv2dBackpropFilter(kernels, args.inputs.x, args.inputs.dy, args.attrs, args.backend)) as unknown as KernelFunc;
  tf.registerKernel({ kernelName: KERNEL, backendName: 'wasm', kernelFunc });
}

interface FilterGradAttrs {
  strides: number | [number, number];
  pad: 'same' | 'valid' | number | unknown;
  dataFormat?: 'NHWC' | 'NCHW';
  filterShape: [number, number, number, number];
}

type Kernels = Record<'conv3dFilter' | 'pad' | 'slice' | 'stridedSlice' | 'concat' | 'transpose' | 'matmul', Invoke>;

function conv2dBackpropFilter(k: Kernels, x: TensorInfo, dy: TensorInfo, attrs: FilterGradAttrs, backend: BackendLike): TensorInfo {
  const { strides, pad, dataFormat = 'NHWC', filterShape } = attrs;
  const [strideH, strideW] = typeof strides === 'number' ? [strides, strides] : strides;
  if (dataFormat !== 'NHWC') throw new TrainingBackendError(`${KERNEL} on wasm supports channels-last (NHWC) data only, got ${dataFormat}`);
  if (pad !== 'same' && pad !== 'valid') throw new TrainingBackendError(`${KERNEL} on wasm supports padding "same" or "valid", got ${JSON.stringify(pad)}`);
  const [, , inChannels] = filterShape;
  // Timed on this project's CNN: the Conv3D kernel (depth 1) is fastest when the input has one channel; with more
  // channels, one XNNPACK matrix product per filter tap wins by 1.5-10x over its direct loops. The Conv3D kernel of
  // tfjs-backend-wasm 4.22 gets strides other than 1 wrong (test/training/wasm-gradients.test.ts), so never for those.
  if (inChannels === 1 && strideH === 1 && strideW === 1) return viaConv3d(k, x, dy, pad, filterShape, backend);
  return viaTapProducts(k, x, dy, strideH, strideW, pad, filterShape, backend);
}

function info(like: TensorInfo, shape: number[]): TensorInfo {
  return { dataId: like.dataId, shape, dtype: like.dtype };
}

/** A 2D convolution is a 3D one of depth 1: the wasm backend has the latter's filter gradient. */
function viaConv3d(
  k: Kernels,
  x: TensorInfo,
  dy: TensorInfo,
  pad: 'same' | 'valid',
  filterShape: number[],
  backend: BackendLike,
): TensorInfo {
  const [n, h, w, c] = x.shape;
  const [dn, dh, dw, dc] = dy.shape;
  const grad = k.conv3dFilter({
    inputs: { x: info(x, [n, 1, h, w, c]), dy: info(dy, [dn, 1, dh, dw, dc]) },
    backend,
    attrs: { strides: [1, 1, 1], pad, filterShape: [1, ...filterShape] },
  });
  return info(grad, [...filterShape]);
}

/**
 * dW[i, j, :, :] = sum over (n, y, x) of X_padded[n, y*sh + i, x*sw + j, :]^T dY[n, y, x, :]: one matrix product per
 * tap (i, j) of dY^T [co, n*h*w] by the shifted (strided) input [n*h*w, ci], then [taps, co, ci] -> [kh, kw, ci, co].
 */
function viaTapProducts(
  k: Kernels,
  x: TensorInfo,
  dy: TensorInfo,
  strideH: number,
  strideW: number,
  pad: 'same' | 'valid',
  filterShape: number[],
  backend: BackendLike,
): TensorInfo {
  const [kh, kw, ci, co] = filterShape;
  const [n, outH, outW] = dy.shape;
  const rows = n * outH * outW;
  const temporaries: TensorInfo[] = [];
  const keep = (t: TensorInfo): TensorInfo => (temporaries.push(t), t);
  try {
    let source = x;
    if (pad === 'same') {
      // TensorFlow's 'same' puts the odd pixel of padding at the bottom/right.
      const [, h, w] = x.shape;
      const padH = Math.max(0, (outH - 1) * strideH + kh - h);
      const padW = Math.max(0, (outW - 1) * strideW + kw - w);
      const top = Math.floor(padH / 2);
      const left = Math.floor(padW / 2);
      source = keep(k.pad({ inputs: { x }, backend, attrs: { paddings: [[0, 0], [top, padH - top], [left, padW - left], [0, 0]], constantValue: 0 } }));
    }
    const dyT = keep(k.transpose({ inputs: { x: info(dy, [rows, co]) }, backend, attrs: { perm: [1, 0] } }));
    const products: TensorInfo[] = [];
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const shifted = keep(
          strideH === 1 && strideW === 1
            ? k.slice({ inputs: { x: source }, backend, attrs: { begin: [0, i, j, 0], size: [n, outH, outW, ci] } })
            : k.stridedSlice({
                inputs: { x: source },
                backend,
                attrs: {
                  begin: [0, i, j, 0],
                  end: [n, i + (outH - 1) * strideH + 1, j + (outW - 1) * strideW + 1, ci],
                  strides: [1, strideH, strideW, 1],
                  beginMask: 0,
                  endMask: 0,
                  ellipsisMask: 0,
                  newAxisMask: 0,
                  shrinkAxisMask: 0,
                },
              }),
        );
        const product = keep(
          k.matmul({ inputs: { a: info(dyT, [1, co, rows]), b: info(shifted, [1, rows, ci]) }, backend, attrs: { transposeA: false, transposeB: false } }),
        );
        products.push(info(product, [1, co, ci]));
      }
    }
    const stacked = keep(k.concat({ inputs: products, backend, attrs: { axis: 0 } }));
    const grad = k.transpose({ inputs: { x: info(stacked, [kh * kw, co, ci]) }, backend, attrs: { perm: [0, 2, 1] } });
    return info(grad, [kh, kw, ci, co]);
  } finally {
    for (const t of temporaries) backend.disposeData(t.dataId);
  }
}
