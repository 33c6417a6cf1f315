// trainDemoModel end to end on a handful of events, and the `astri model train-demo` command around it.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadKerasH5 } from '../../server/inference/keras-h5/load.ts';
import { trainDemoModel, type TrainingProgress } from '../../server/training/index.ts';
import { runCli } from '../helpers/cli.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'astri-train-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('trainDemoModel', () => {
  it('trains an epoch, reports it, and writes a Keras .h5 the service loader reads back identically', async () => {
    const outFile = path.join(dir, 'tiny.h5');
    const progress: TrainingProgress[] = [];
    const result = await trainDemoModel({
      seed: 3,
      eventsPerClassPerBin: 2,
      validationEventsPerClassPerBin: 2,
      epochs: 1,
      batchSize: 8,
      edgesTeV: [1, 10, 100],
      outFile,
      onProgress: (update) => progress.push(update),
    });
    try {
      expect(result.trainingEvents).toBe(8);
      expect(result.history).toHaveLength(1);
      expect(Number.isFinite(result.history[0].loss)).toBe(true);
      expect(result.validation.bins.map((bin) => bin.label)).toEqual(['1–10 TeV', '10–100 TeV']);
      expect(progress.filter((update) => update.phase === 'epoch')).toHaveLength(1);
      expect(result.savedModelCheck.maxAbsDifference).toBeLessThan(1e-5);
      expect(statSync(outFile).size).toBeGreaterThan(0);

      const loaded = await loadKerasH5(outFile);
      expect(loaded.model.name).toBe('astri_demo_cnn');
      expect(loaded.layers.map((layer) => layer.name)).toEqual([
        'conv2d',
        'max_pooling2d',
        'conv2d_1',
        'max_pooling2d_1',
        'conv2d_2',
        'max_pooling2d_2',
        'flatten',
        'dense',
        'dropout',
        'dense_1',
      ]);
      expect(loaded.model.countParams()).toBe(result.parameterCount);
      loaded.model.dispose();
    } finally {
      result.model.dispose();
    }
  });

  it('refuses to validate on the training seed', async () => {
    await expect(
      trainDemoModel({ seed: 5, validationSeed: 5, eventsPerClassPerBin: 1, epochs: 1, outFile: path.join(dir, 'never.h5') }),
    ).rejects.toThrow(/validation seed must differ/);
  });
});

describe('astri model train-demo', () => {
  it('prints progress per epoch on stderr and a JSON summary with held-out metrics on stdout', async () => {
    const out = path.join(dir, 'cli.h5');
    const result = await runCli(['model', 'train-demo', '--per-bin', '2', '--epochs', '1', '--validation-per-bin', '2', '--eval-per-bin', '2', '--out', out]);
    expect(result.stderr).toMatch(/epoch 1\/1: loss \d\.\d+, accuracy \d\.\d+, val AUC \d\.\d+/);
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary.outFile).toBe(out);
    expect(summary.heldOut.seed).toBe(2024);
    expect(summary.heldOut.bins).toHaveLength(7);
    expect(summary.savedModelCheck.maxAbsDifference).toBeLessThan(1e-5);
    expect(statSync(out).size).toBeGreaterThan(0);
  });

  it("refuses the served demo dataset's seed and says why", async () => {
    const result = await runCli(['model', 'train-demo', '--seed', '42', '--out', path.join(dir, 'never.h5')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("TrainingOptionsError: the training seed 42 is the served demo dataset's (config demo.seed)");
  });
});
