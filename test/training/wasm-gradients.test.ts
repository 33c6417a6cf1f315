// The Conv2D filter gradient added to the wasm backend agrees with the cpu backend's own kernel.
import { beforeAll, describe, expect, it } from 'vitest';
import { activateBackend } from '../../server/inference/runtime/backends.ts';
import { tf } from '../../server/inference/runtime/tfjs.ts';
import { registerWasmTrainingKernels } from '../../server/training/index.ts';

interface Case {
  name: string;
  xShape: [number, number, number, number];
  filterShape: [number, number, number, number];
  strides: number;
  pad: 'same' | 'valid';
}

const CASES: Case[] = [
  { name: 'one input channel, same padding', xShape: [3, 12, 12, 1], filterShape: [3, 3, 1, 4], strides: 1, pad: 'same' },
  { name: 'several channels, same padding', xShape: [2, 9, 9, 5], filterShape: [3, 3, 5, 6], strides: 1, pad: 'same' },
  { name: 'several channels, valid padding', xShape: [2, 9, 7, 3], filterShape: [3, 3, 3, 2], strides: 1, pad: 'valid' },
  { name: 'even kernel, same padding', xShape: [2, 8, 8, 2], filterShape: [2, 2, 2, 3], strides: 1, pad: 'same' },
  { name: 'one input channel, valid padding', xShape: [2, 11, 9, 1], filterShape: [3, 3, 1, 2], strides: 1, pad: 'valid' },
  { name: 'stride 2, same padding', xShape: [2, 10, 10, 3], filterShape: [3, 3, 3, 4], strides: 2, pad: 'same' },
  { name: 'stride 2, odd size, valid padding', xShape: [2, 11, 9, 2], filterShape: [3, 3, 2, 3], strides: 2, pad: 'valid' },
  { name: 'stride 2, one input channel', xShape: [2, 10, 10, 1], filterShape: [3, 3, 1, 4], strides: 2, pad: 'same' },
];

/** d(sum(conv2d(x, w) * probe)) / dw on the active backend, from plain arrays. */
function filterGradient(c: Case, x: Float32Array, w: Float32Array, probe: Float32Array): Float32Array {
  return tf.tidy(() => {
    const xt = tf.tensor4d(x, c.xShape);
    const wt = tf.tensor4d(w, c.filterShape);
    const grad = tf.grad((filter: tf.Tensor) => tf.conv2d(xt, filter as tf.Tensor4D, c.strides, c.pad).mul(tf.tensor(probe, tf.conv2d(xt, wt, c.strides, c.pad).shape)).sum());
    return grad(wt).dataSync() as Float32Array;
  });
}

function random(n: number, seed: number): Float32Array {
  let state = seed;
  return Float32Array.from({ length: n }, () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1);
}

describe('Conv2DBackpropFilter on wasm', () => {
  beforeAll(async () => {
    await activateBackend('wasm');
    registerWasmTrainingKernels();
  });

  it.each(CASES)('matches the cpu backend: $name', async (c) => {
    const x = random(c.xShape.reduce((a, b) => a * b), 1);
    const w = random(c.filterShape.reduce((a, b) => a * b), 2);
    const outShape = tf.tidy(() => tf.conv2d(tf.zeros(c.xShape) as tf.Tensor4D, tf.zeros(c.filterShape) as tf.Tensor4D, c.strides, c.pad).shape);
    const probe = random(outShape.reduce((a, b) => a * b), 3);
    await tf.setBackend('wasm');
    const numBytesBefore = tf.memory().numBytes;
    const onWasm = filterGradient(c, x, w, probe);
    expect(tf.memory().numBytes).toBe(numBytesBefore);
    await tf.setBackend('cpu');
    const onCpu = filterGradient(c, x, w, probe);
    await tf.setBackend('wasm');
    expect(onWasm).toHaveLength(onCpu.length);
    let maxDifference = 0;
    for (let i = 0; i < onCpu.length; i++) maxDifference = Math.max(maxDifference, Math.abs(onWasm[i] - onCpu[i]));
    expect(maxDifference).toBeLessThan(1e-4);
  });

  it('leaves no temporary buffers behind in the wasm backend', async () => {
    await tf.setBackend('wasm');
    const c = CASES[1];
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const x = random(c.xShape.reduce((a, b) => a * b), 4);
    const w = random(c.filterShape.reduce((a, b) => a * b), 5);
    const probe = random(2 * 9 * 9 * 6, 6);
    filterGradient(c, x, w, probe);
    const before = backend.numDataIds();
    filterGradient(c, x, w, probe);
    expect(backend.numDataIds()).toBe(before);
  });
});
