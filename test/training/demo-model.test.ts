// The committed demo model (data/models/astri-demo-cnn.h5), read by the service's loader, on held-out events.
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT, loadConfig } from '../../server/config.ts';
import { energyBins } from '../../server/data/energy-bins.ts';
import { loadKerasH5, type LoadedKerasModel } from '../../server/inference/keras-h5/load.ts';
import { activateBackend } from '../../server/inference/runtime/backends.ts';
import { generateLabelledEvents, predictGammaness, summariseSeparation, type Evaluation } from '../../server/training/index.ts';

const MODEL_FILE = path.join(PROJECT_ROOT, 'data', 'models', 'astri-demo-cnn.h5');
/** Not the served dataset's (42), nor training (7), validation (8) or the documented evaluation (2024). */
const TEST_SEED = 31337;

describe('the committed demo model', () => {
  let loaded: LoadedKerasModel;
  let evaluation: Evaluation;

  beforeAll(async () => {
    await activateBackend('wasm');
    loaded = await loadKerasH5(MODEL_FILE);
    const config = loadConfig();
    const events = generateLabelledEvents({ seed: TEST_SEED, eventsPerClassPerBin: 50, bins: energyBins(config.energyBins.edgesTeV) });
    evaluation = summariseSeparation(events, predictGammaness(loaded.model, events), config.prediction.defaultThreshold);
  });

  it('takes one 56x56 grayscale image and gives one gammaness', () => {
    expect(loaded.model.name).toBe('astri_demo_cnn');
    expect(loaded.model.inputs[0].shape).toEqual([null, 56, 56, 1]);
    expect(loaded.model.outputs[0].shape).toEqual([null, 1]);
    expect(loaded.layers.map((layer) => layer.kerasClassName)).not.toContain('Rescaling');
  });

  it('separates held-out gammas from protons with ROC AUC >= 0.95', () => {
    expect(evaluation.overall.eventsPerClass).toEqual({ gamma: 350, proton: 350 });
    expect(evaluation.overall.rocAuc).toBeGreaterThanOrEqual(0.95);
  });

  it('separates better in the highest energy bin than in the lowest', () => {
    const lowest = evaluation.bins[0];
    const highest = evaluation.bins[evaluation.bins.length - 1];
    expect(highest.rocAuc).toBeGreaterThan(lowest.rocAuc);
  });
});
