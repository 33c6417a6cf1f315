// `astri model inspect` and `astri predict`, run as the real command (node bin/astri.js) on real files.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encode } from 'fast-png';
import { afterAll, describe, expect, it } from 'vitest';
import { INVALID_DIR, loadFixture, maxAbsDifference, MODELS_DIR, PROJECT_ROOT, type ReferenceFixture } from './fixtures.ts';
import { needsShared } from '../helpers/shared.ts';

const REAL = needsShared('the tests on real Keras files');

const tmp = mkdtempSync(path.join(os.tmpdir(), 'astri-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function astri(...args: string[]): Promise<Run> {
  // The command must not pick up a developer's ASTRI_* overrides.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('ASTRI_')));
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'astri.js'), ...args], { cwd: PROJECT_ROOT, env, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

/** Writes the fixture's images as PNG files (gray or RGB, as the model takes them) into `dir`. */
function writeImages(fixture: ReferenceFixture, dir: string, width: number, height: number, channels: 1 | 3): string[] {
  mkdirSync(dir, { recursive: true });
  return fixture.pixels.map((pixels, i) => {
    const file = path.join(dir, `event-${i}.png`);
    writeFileSync(file, encode({ width, height, channels, depth: 8, data: Uint8Array.from(pixels) }));
    return file;
  });
}

function jsonLines(stdout: string): Array<{ file: string; scores: Record<string, number>; predicted: string; outputs: number[] }> {
  return stdout.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line));
}

describe('astri model inspect', () => {
  it('prints the model description as JSON', async () => {
    const run = await astri('model', 'inspect', path.join(MODELS_DIR, 'batchnorm_pooling_keras2.h5'));
    expect(run.code).toBe(0);
    const description = JSON.parse(run.stdout);
    expect(description).toMatchObject({
      format: 'keras-h5',
      inputShape: [9, 9, 1],
      outputKind: 'softmax',
      outputUnits: 2,
      // Nothing names its classes (no labels.txt beside it, not the configured model): "0".."N-1".
      classNames: ['0', '1'],
      classNamesSource: 'default',
      preprocessing: { colorMode: 'grayscale', scale: 1 / 255, offset: 0, mean: [], std: [] },
      kerasVersion: '2.11.0',
      kerasBackend: 'tensorflow',
    });
    expect(description.layers.map((layer: { className: string }) => layer.className)).toEqual([
      'Conv2D', 'BatchNormalization', 'Activation', 'MaxPooling2D', 'AveragePooling2D', 'MaxPooling2D', 'GlobalAveragePooling2D', 'Dense',
    ]);
    expect(description.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('names the layer it refuses and exits with status 1', async () => {
    const run = await astri('model', 'inspect', path.join(INVALID_DIR, 'lambda_layer.h5'));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('astri: UnsupportedLayerError: layer "lambda_1" (Lambda) cannot be loaded: Lambda layers hold Python code');
    expect(run.stdout).toBe('');
  });

  it('lists every output of a .keras model and serves the one --output names', async () => {
    const file = path.join(PROJECT_ROOT, 'test', 'fixtures', 'graphs', 'branching_keras3_archive.keras');
    const run = await astri('model', 'inspect', file, '--output', 'aux_regression');
    expect(run.code).toBe(0);
    const description = JSON.parse(run.stdout);
    expect(description).toMatchObject({ container: 'keras-v3', outputName: 'aux_regression', outputUnits: 3, outputKind: 'other' });
    expect(description.outputs.map((output: { name: string }) => output.name)).toEqual(['aux_regression', 'class_probabilities']);
  });
});

describe('astri predict', () => {
  it.skipIf(!REAL)('prints every output of every image as JSON lines, matching the reference', async () => {
    const fixture = loadFixture('real-mnist_functional_bn_keras2.10.json');
    const files = writeImages(fixture, path.join(tmp, 'mnist'), 28, 28, 1);
    const run = await astri('predict', '--model', fixture.modelFile, '--json', '--backend', 'wasm', '--threads', '1', ...files);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = jsonLines(run.stdout);
    expect(lines.map((line) => line.file)).toEqual(files);
    lines.forEach((line, i) => {
      expect(maxAbsDifference(line.outputs, fixture.outputs[i])).toBeLessThan(1e-4);
      expect(Object.keys(line.scores)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
      expect(line.scores['1']).toBe(line.outputs[1]);
      expect(line.predicted).toBe(String(line.outputs.indexOf(Math.max(...line.outputs))));
    });
  });

  it('feeds RGB images to a three-channel model', async () => {
    const fixture = loadFixture('rgb_keras2.json');
    const files = writeImages(fixture, path.join(tmp, 'rgb'), 4, 4, 3);
    const run = await astri('predict', '--model', fixture.modelFile, '--json', '--backend', 'cpu', ...files);
    expect(run.code).toBe(0);
    // One sigmoid unit scores two classes: the second is the unit, the first its complement.
    jsonLines(run.stdout).forEach((line, i) => {
      expect(Math.abs(line.scores['1'] - fixture.outputs[i][0])).toBeLessThan(1e-5);
      expect(Math.abs(line.scores['0'] - (1 - fixture.outputs[i][0]))).toBeLessThan(1e-5);
    });
  });

  it('feeds grayscale images to an (H, W) model', async () => {
    const fixture = loadFixture('hw_input_keras2.json');
    const files = writeImages(fixture, path.join(tmp, 'hw'), 5, 5, 1);
    const run = await astri('predict', '--model', fixture.modelFile, '--json', '--backend', 'cpu', ...files);
    expect(run.code).toBe(0);
    jsonLines(run.stdout).forEach((line, i) => expect(Math.abs(line.scores['1'] - fixture.outputs[i][0])).toBeLessThan(1e-5));
  });

  it('names the classes from a labels file, Teachable Machine style', async () => {
    const fixture = loadFixture('rgb_keras2.json');
    const files = writeImages(fixture, path.join(tmp, 'labelled'), 4, 4, 3);
    const labels = path.join(tmp, 'labels.txt');
    writeFileSync(labels, '0 hadron\n1 gamma\n');
    const run = await astri('predict', '--model', fixture.modelFile, '--labels', labels, '--json', '--backend', 'cpu', ...files);
    expect(run.code).toBe(0);
    jsonLines(run.stdout).forEach((line, i) => expect(Math.abs(line.scores.gamma - fixture.outputs[i][0])).toBeLessThan(1e-5));
  });

  it.skipIf(!REAL)('scores a folder, reports bad images by name, goes on, and exits non-zero', async () => {
    const fixture = loadFixture('real-digits_cnn_keras2.11.json');
    const dir = path.join(tmp, 'folder');
    writeImages(fixture, path.join(dir, 'gamma'), 28, 28, 1);
    writeFileSync(path.join(dir, 'gamma', 'broken.png'), 'not a png at all');
    writeFileSync(path.join(dir, 'proton.png'), encode({ width: 10, height: 10, channels: 1, depth: 8, data: new Uint8Array(100) }));
    writeFileSync(path.join(dir, 'notes.txt'), 'ignored: not a .png');
    const run = await astri('predict', '--model', fixture.modelFile, '--dir', dir, '--batch-size', '3');
    expect(run.code).toBe(1);
    const lines = run.stdout.trim().split('\n');
    expect(lines.map((line) => path.relative(dir, line.split('\t')[0]))).toEqual([0, 1, 2, 3].map((i) => path.join('gamma', `event-${i}.png`)));
    // file, predicted class, then name=score for every class.
    lines.forEach((line, i) => expect(Number(line.split('\t').find((field) => field.startsWith('1='))!.slice(2))).toBeCloseTo(fixture.outputs[i][1], 4));
    expect(run.stderr).toContain(`ImageDecodeError: ${path.join(dir, 'gamma', 'broken.png')} is not a PNG file`);
    expect(run.stderr).toContain(`ImageSizeError: ${path.join(dir, 'proton.png')} is 10x10 pixels; the model takes 28x28`);
    expect(run.stderr).toContain('astri: PredictError: 2 of 6 images could not be scored');
  });

  it('refuses a model it cannot load, naming the cause', async () => {
    const image = path.join(tmp, 'any.png');
    writeFileSync(image, encode({ width: 7, height: 7, channels: 1, depth: 8, data: new Uint8Array(49) }));
    const run = await astri('predict', '--model', path.join(INVALID_DIR, 'shape_mismatch.h5'), image);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/astri: WeightMismatchError: layer "dense_out" \(Dense\)/);
  });
});
