// OnnxSession on .onnx files as other tools write them: NCHW or NHWC inputs, fixed batch sizes, symbolic outputs.
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InferenceInputError, ModelFileFormatError, ModelFileNotFoundError, UnsupportedModelError } from '../../server/inference/errors.ts';
import { OnnxSession, describeOnnxFile } from '../../server/inference/onnx/index.ts';
import { encodeModel, type OnnxNode } from '../../server/inference/onnx/onnx-proto.ts';
import { temporaryDir } from '../helpers/temp-dir.ts';

const tempDir = temporaryDir('astri-onnx-session-');
afterAll(() => rmSync(tempDir, { recursive: true, force: true }));

/** Writes a one-input .onnx file: Flatten of the input, then `tail` ops (each takes the previous value). */
function writeOnnx(name: string, inputShape: (number | string)[], outputShape: (number | string)[], tail: string[] = []): string {
  const nodes: OnnxNode[] = [{ opType: 'Flatten', inputs: ['x'], outputs: ['flat'], name: 'flatten', attributes: { axis: 1 } }];
  let last = 'flat';
  tail.forEach((opType, i) => {
    const output = i === tail.length - 1 ? 'y' : `t${i}`;
    nodes.push({ opType, inputs: [last], outputs: [output], name: `n${i}`, attributes: opType === 'Softmax' ? { axis: 1 } : undefined });
    last = output;
  });
  if (tail.length === 0) nodes[0].outputs = ['y'];
  const file = path.join(tempDir, `${name}.onnx`);
  writeFileSync(
    file,
    encodeModel({
      producerName: 'test',
      producerVersion: '1',
      graph: { name, nodes, initializers: [], inputs: [{ name: 'x', shape: inputShape }], outputs: [{ name: 'y', shape: outputShape }] },
    }),
  );
  return file;
}

/** Two NHWC images of 2x2 pixels and 3 channels whose values name their position: 100n + 10p + c. */
function nhwcImages(): Float32Array {
  const values: number[] = [];
  for (let n = 0; n < 2; n++) for (let p = 0; p < 4; p++) for (let c = 0; c < 3; c++) values.push(100 * n + 10 * p + c);
  return Float32Array.from(values);
}

describe('input layouts', () => {
  it('transposes NHWC images for a model with an NCHW input', async () => {
    const session = await OnnxSession.create(writeOnnx('nchw', ['batch', 3, 2, 2], ['batch', 12]), { threads: 1 });
    try {
      expect(session.inputLayout).toBe('NCHW');
      expect(session.inputShape).toEqual([2, 2, 3]);
      const output = await session.run(nhwcImages(), 2);
      // Flatten of NCHW lists channel 0's pixels first.
      expect(Array.from(output.subarray(0, 12))).toEqual([0, 10, 20, 30, 1, 11, 21, 31, 2, 12, 22, 32]);
      expect(Array.from(output.subarray(12, 16))).toEqual([100, 110, 120, 130]);
    } finally {
      await session.release();
    }
  });

  it('feeds NHWC images unchanged to a model with an NHWC input', async () => {
    const session = await OnnxSession.create(writeOnnx('nhwc', ['batch', 2, 2, 3], ['batch', 12]), { threads: 1 });
    try {
      expect(session.inputLayout).toBe('NHWC');
      expect(Array.from(await session.run(nhwcImages(), 2))).toEqual(Array.from(nhwcImages()));
    } finally {
      await session.release();
    }
  });

  it('reads an (N, H, W) input as single-channel images', async () => {
    const session = await OnnxSession.create(writeOnnx('hw', ['batch', 4, 5], ['batch', 20]), { threads: 1 });
    try {
      expect(session.inputShape).toEqual([4, 5, 1]);
      expect(session.inputLayout).toBe('HW');
    } finally {
      await session.release();
    }
  });

  it('takes a flat input of a square image, and refuses an input that is not an image, naming the file', async () => {
    const flat = await OnnxSession.create(writeOnnx('flat', ['batch', 784], ['batch', 784]), { threads: 1 });
    expect(flat).toMatchObject({ inputLayout: 'FLAT', inputShape: [28, 28, 1] });
    await expect(OnnxSession.create(writeOnnx('vector', ['batch', 600], ['batch', 600]), { threads: 1 })).rejects.toThrowError(
      /vector\.onnx: input shape \[batch, 600\] is not an image batch/,
    );
    await expect(OnnxSession.create(writeOnnx('free', ['batch', 'h', 'w', 1], ['batch', 'k']), { threads: 1 })).rejects.toThrowError(UnsupportedModelError);
  });
});

describe('batches', () => {
  it('runs a fixed-batch model in chunks and pads the last one', async () => {
    const session = await OnnxSession.create(writeOnnx('batch2', [2, 1, 2, 3], [2, 6]), { threads: 1 });
    try {
      const input = Float32Array.from({ length: 5 * 6 }, (_, i) => i);
      expect(Array.from(await session.run(input, 5))).toEqual(Array.from(input));
    } finally {
      await session.release();
    }
  });

  it('learns the size of a symbolic output by running a blank batch', async () => {
    const session = await OnnxSession.create(writeOnnx('symbolic', ['batch', 3, 4, 1], ['batch', 'units']), { threads: 1 });
    try {
      expect(session.outputUnits).toBe(12);
    } finally {
      await session.release();
    }
  });

  it('reads a batch given as a view into a larger buffer', async () => {
    const session = await OnnxSession.create(writeOnnx('view', ['batch', 2, 2, 1], ['batch', 4]), { threads: 1 });
    try {
      const buffer = Float32Array.from({ length: 20 }, (_, i) => i);
      expect(Array.from(await session.run(buffer.subarray(8, 16), 2))).toEqual([8, 9, 10, 11, 12, 13, 14, 15]);
    } finally {
      await session.release();
    }
  });

  it('answers concurrent batches on one session each with its own results', async () => {
    const session = await OnnxSession.create(writeOnnx('concurrent', ['batch', 3, 2, 2], ['batch', 12], ['Relu']), { threads: 1 });
    try {
      const batches = Array.from({ length: 6 }, (_, b) => Float32Array.from({ length: 4 * 12 }, (_, i) => b * 1000 + i));
      const results = await Promise.all(batches.map((batch) => session.run(batch, 4)));
      results.forEach((result, b) => {
        expect(result[0]).toBe(b * 1000);
        expect(result.length).toBe(48);
      });
    } finally {
      await session.release();
    }
  });

  it('refuses a batch of the wrong size, and any batch after release', async () => {
    const session = await OnnxSession.create(writeOnnx('sizes', ['batch', 2, 2, 1], ['batch', 4]), { threads: 1 });
    await expect(session.run(new Float32Array(7), 2)).rejects.toThrowError(InferenceInputError);
    await session.release();
    await expect(session.run(new Float32Array(8), 2)).rejects.toThrowError(/released/);
  });
});

describe('describeOnnxFile', () => {
  it('recognizes a sigmoid unit and a softmax over two or more units behind pass-through ops', async () => {
    expect(await describeOnnxFile(writeOnnx('sigmoid', ['batch', 1, 1, 1], ['batch', 1], ['Sigmoid']))).toEqual({
      inputShape: [1, 1, 1],
      inputLayout: 'NHWC',
      outputUnits: 1,
      outputKind: 'sigmoid',
    });
    const softmax = await describeOnnxFile(writeOnnx('softmax', ['batch', 1, 2, 1], ['batch', 2], ['Softmax', 'Identity']));
    expect(softmax.outputKind).toBe('softmax');
    const tenWay = await describeOnnxFile(writeOnnx('softmax10', ['batch', 1, 10, 1], ['batch', 10], ['Softmax']));
    expect(tenWay).toMatchObject({ outputUnits: 10, outputKind: 'softmax' });
    // A sigmoid over several units, or a softmax over one, are not class probabilities.
    expect((await describeOnnxFile(writeOnnx('sigmoid2', ['batch', 1, 2, 1], ['batch', 2], ['Sigmoid']))).outputKind).toBe('other');
    expect((await describeOnnxFile(writeOnnx('softmax1', ['batch', 1, 1, 1], ['batch', 1], ['Softmax']))).outputKind).toBe('other');
    expect((await describeOnnxFile(writeOnnx('relu', ['batch', 1, 1, 1], ['batch', 1], ['Relu']))).outputKind).toBe('other');
  });

  it('reports a missing file and a file that is not ONNX by name', async () => {
    await expect(describeOnnxFile(path.join(tempDir, 'missing.onnx'))).rejects.toThrowError(ModelFileNotFoundError);
    const garbage = path.join(tempDir, 'garbage.onnx');
    writeFileSync(garbage, 'import tensorflow as tf\nprint("not a model")\n');
    await expect(describeOnnxFile(garbage)).rejects.toThrowError(ModelFileFormatError);
    await expect(describeOnnxFile(garbage)).rejects.toThrowError(/garbage\.onnx: ONNX Runtime cannot load the model/);
  });
});
