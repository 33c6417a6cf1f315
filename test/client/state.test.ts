// @vitest-environment happy-dom
// The page's state outside the elements: URL sharing, CSV export, score collection, error placement,
// the figures computed from scores, and the demo source's replay of recorded predictions.
import { describe, expect, it } from 'vitest';
import { DemoSource, type SamplePredictionsFile } from '../../client/demo/demo-source.ts';
import { predictionsCsv } from '../../client/export/files.ts';
import { controlOf, DashboardError, groupErrors } from '../../client/state/errors.ts';
import { computeFigures } from '../../client/state/metrics.ts';
import { classMappingFor, mappingPairs, modelFits } from '../../client/state/class-mapping.ts';
import { RunScores } from '../../client/state/run-scores.ts';
import { DEFAULT_SETTINGS, readUrlState, writeUrlState } from '../../client/state/url-state.ts';
import type { RunProgress, ScoredEvent } from '../../client/types.ts';
import { computeClassificationMetrics, computeMetrics } from '../../server/metrics/index.ts';
import { classScoreHistogram, computeClassification, topKValues } from '../../client/state/classification.ts';

describe('URL state', () => {
  it('round-trips the settings and the shown run through the query string', () => {
    const settings = { datasetId: '5', energyBin: 3, eventsPerClass: 750, samples: 6, modelId: '2', threshold: 0.85 };
    const query = writeUrlState({ settings, runId: '41', demo: null });
    expect(query).toBe('?dataset=5&bin=3&events=750&samples=6&model=2&threshold=0.85&run=41');
    expect(readUrlState(query)).toEqual({ settings, runId: '41', demo: null });
  });

  it('round-trips a run over every bin and the fixed efficiencies of the plots against energy', () => {
    const settings = { datasetId: '1', energyBin: 0, allBins: true, gammaEfficiency: 0.5, hadronEfficiency: 0.02, eventsPerClass: 100, samples: 0, modelId: '1', threshold: 0.9 };
    const query = writeUrlState({ settings, runId: '7', demo: null });
    expect(new URLSearchParams(query).get('bins')).toBe('all');
    expect([new URLSearchParams(query).get('geff'), new URLSearchParams(query).get('heff')]).toEqual(['0.5', '0.02']);
    expect(readUrlState(query).settings).toEqual(settings);
    expect(readUrlState('?geff=2&heff=-1&bins=some').settings).toEqual({});
  });

  it('ignores values that are not settings and keeps unrelated parameters', () => {
    const state = readUrlState('?bin=-1&events=lots&threshold=3&demo=sample&utm=x');
    expect(state.settings).toEqual({});
    expect(state.demo).toBe('sample');
    expect(writeUrlState({ settings: DEFAULT_SETTINGS, runId: null, demo: 'sample' }, '?utm=x')).toBe(
      '?utm=x&events=500&samples=4&threshold=0.9&demo=sample',
    );
  });

  it('writes thresholds without floating-point noise', () => {
    const query = writeUrlState({ settings: { ...DEFAULT_SETTINGS, threshold: 0.1 + 0.2 }, runId: null, demo: null });
    expect(new URLSearchParams(query).get('threshold')).toBe('0.3');
  });
});

describe('predictions CSV', () => {
  it('writes one row per event with a header, quoting fields that need it', () => {
    const csv = predictionsCsv(
      [
        { eventId: '1', label: 'gamma', trueEnergyTeV: 3.5, scores: [0.97, 0.03], gammaness: 0.97, error: null },
        { eventId: '2', label: 'proton', trueEnergyTeV: 4.25, scores: null, gammaness: null, error: 'bad PNG, "truncated"' },
      ],
      ['gamma', 'proton'],
    );
    expect(csv).toBe(
      'event_id,label,energy_tev,gammaness,score_gamma,score_proton,predicted,error\n' +
        '1,gamma,3.5,0.97,0.97,0.03,gamma,\n2,proton,4.25,,,,,"bad PNG, ""truncated"""\n',
    );
  });

  it('writes one score column per class for N-class runs, with empty energies when there are none', () => {
    const csv = predictionsCsv(
      [{ eventId: 'a', label: 'ring', trueEnergyTeV: null, scores: [0.5, 0.3, 0.2], gammaness: null, predictedLabel: 'disc' }],
      ['disc', 'ring', 'bar'],
    );
    expect(csv).toBe('event_id,label,energy_tev,gammaness,score_disc,score_ring,score_bar,predicted,error\na,ring,,,0.5,0.3,0.2,disc,\n');
  });
});

describe('RunScores', () => {
  it('keeps each event once, even when a replayed batch repeats it, and sets unscored events aside', () => {
    const scores = new RunScores();
    const batch: ScoredEvent[] = [
      { eventId: '1', label: 'gamma', trueEnergyTeV: 1, scores: [0.9, 0.1], gammaness: 0.9 },
      { eventId: '2', label: 'proton', trueEnergyTeV: 1, scores: [0.2, 0.8], gammaness: 0.2 },
      { eventId: '3', label: 'proton', trueEnergyTeV: 1, scores: null, gammaness: null, error: 'unreadable' },
    ];
    expect(scores.add(batch)).toBe(3);
    expect(scores.add(batch)).toBe(0);
    expect(scores.size).toBe(3);
    expect(scores.binaryScores(['gamma', 'proton'], 'gamma')).toEqual({ gamma: [0.9], proton: [0.2] });
    expect(Object.fromEntries(scores.unscoredByClass())).toEqual({ proton: 1 });
  });

  it('reads the signal class’s score from the scores when the server sends no gammaness', () => {
    const scores = new RunScores();
    scores.add([
      { eventId: '1', label: 'cat', trueEnergyTeV: null, scores: [0.3, 0.7], gammaness: null },
      { eventId: '2', label: 'dog', trueEnergyTeV: null, scores: [0.6, 0.4], gammaness: null },
    ]);
    expect(scores.binaryScores(['dog', 'cat'], 'cat')).toEqual({ gamma: [0.7], proton: [0.4] });
  });

  it('gives the N-class metrics their input: class indices and row-major scores, unscored events left out', () => {
    const scores = new RunScores();
    scores.add([
      { eventId: '1', label: 'bar', trueEnergyTeV: null, scores: [0.1, 0.2, 0.7], gammaness: null },
      { eventId: '2', label: 'disc', trueEnergyTeV: null, scores: [0.8, 0.1, 0.1], gammaness: null },
      { eventId: '3', label: 'ring', trueEnergyTeV: null, scores: null, gammaness: null, error: 'unreadable' },
      { eventId: '4', label: 'unknown', trueEnergyTeV: null, scores: [0.3, 0.3, 0.4], gammaness: null },
    ]);
    const input = scores.classScores(['disc', 'ring', 'bar']);
    expect(input.labels).toEqual([2, 0]);
    expect(Array.from(input.probabilities)).toEqual([0.1, 0.2, 0.7, 0.8, 0.1, 0.1]);
    expect(input.classCount).toBe(3);
  });
});

describe('error placement', () => {
  it('puts an API error next to the input field the server names', () => {
    expect(controlOf('eventsPerClass', 'too many')).toBe('eventsPerClass');
    expect(controlOf('input.samples', 'samples must be at most 10')).toBe('samples');
    expect(controlOf(undefined, 'energy bin 9 does not exist')).toBe('energyBin');
    expect(controlOf(undefined, 'the model crashed')).toBeNull();
  });

  it('groups errors by control and keeps the rest for the page banner', () => {
    const grouped = groupErrors([
      new DashboardError('bin too small', 'BAD_USER_INPUT', 'eventsPerClass'),
      new DashboardError('server unreachable', 'NETWORK'),
    ]);
    expect(grouped).toEqual({ controls: { eventsPerClass: 'bin too small' }, general: ['server unreachable'] });
  });
});

describe('figures', () => {
  it('are the shared metrics module’s values, with the operating point at the cut', () => {
    const scores = { gamma: [0.99, 0.95, 0.7, 0.4], proton: [0.92, 0.3, 0.2, 0.1] };
    const figures = computeFigures(scores, 0.9);
    const metrics = computeMetrics(scores, { threshold: 0.9, histogramBins: 50 });
    expect(figures.roc.auc).toBe(metrics.rocAuc);
    expect(figures.precisionRecall.averagePrecision).toBe(metrics.averagePrecision);
    expect(figures.confusion).toMatchObject({ threshold: 0.9, truePositive: 2, falseNegative: 2, falsePositive: 1, trueNegative: 3 });
    expect(figures.roc.operatingPoint).toEqual({ x: 0.25, y: 0.5, threshold: 0.9 });
    expect(figures.precisionRecall.operatingPoint).toEqual({ x: 0.5, y: 2 / 3, threshold: 0.9 });
    expect(figures.precisionRecall.baseline).toBe(0.5);
    expect(figures.histogram.edges).toHaveLength(51);
  });

  it('leave the curves empty until both classes have scores', () => {
    const figures = computeFigures({ gamma: [0.9], proton: [] }, 0.9);
    expect(figures.roc.fpr).toEqual([]);
    expect(figures.roc.auc).toBeNull();
    expect(figures.roc.operatingPoint).toBeNull();
  });
});

describe('demo source', () => {
  const file: SamplePredictionsFile = {
    energyBin: { index: 2, minTeV: 5, maxTeV: 10, label: '5–10 TeV' },
    model: { name: 'recorded-cnn' },
    gamma: Array.from({ length: 150 }, (_, i) => ({ eventId: i + 1, energyTeV: 6, gammaness: 0.5 + (i % 50) / 100 })),
    proton: Array.from({ length: 150 }, (_, i) => ({ eventId: 1000 + i, energyTeV: 7, gammaness: (i % 60) / 100 })),
  };

  it('offers the recorded bin and model', async () => {
    const catalog = await new DemoSource(async () => file).loadCatalog();
    const astri = catalog.datasets[0];
    expect(astri.classes.map((c) => c.name)).toEqual(['gamma', 'proton']);
    expect(astri.signalClass).toBe('gamma');
    expect(astri.energyBins).toEqual([
      { index: 2, minTeV: 5, maxTeV: 10, label: '5–10 TeV', counts: [{ className: 'gamma', count: 150 }, { className: 'proton', count: 150 }] },
    ]);
    expect(catalog.models.map((m) => m.name)).toEqual(['recorded-cnn', 'shapes-cnn (synthetic)']);
    expect(catalog.models[0].active).toBe(true);
  });

  it('refuses more events than the recording holds, naming the control', async () => {
    const source = new DemoSource(async () => file);
    await expect(source.startRun({ datasetId: null, energyBin: 2, eventsPerClass: 151, samples: 0, modelId: null })).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      control: 'eventsPerClass',
    });
  });

  it('replays a run batch by batch and finishes with the metrics of what it sent', async () => {
    const source = new DemoSource(async () => file);
    const { runId } = await source.startRun({ datasetId: null, energyBin: 2, eventsPerClass: 100, samples: 2, modelId: null });
    const messages = await new Promise<RunProgress[]>((resolve, reject) => {
      const seen: RunProgress[] = [];
      source.watchRun(runId, { next: (m) => seen.push(m), error: reject, complete: () => resolve(seen) });
    });
    const last = messages[messages.length - 1];
    expect(messages.map((m) => m.sequence)).toEqual(messages.map((_, i) => i));
    expect(last).toMatchObject({
      kind: 'FINISHED',
      status: 'COMPLETED',
      done: [
        { className: 'gamma', count: 100 },
        { className: 'proton', count: 100 },
      ],
    });
    const events = messages.flatMap((m) => m.batch?.events ?? []);
    expect(events).toHaveLength(200);
    const gamma = events.filter((e) => e.label === 'gamma').map((e) => e.gammaness!);
    const proton = events.filter((e) => e.label === 'proton').map((e) => e.gammaness!);
    expect(last.metrics?.auc).toBe(computeMetrics({ gamma, proton }).rocAuc);
    expect(last.classification?.classes).toEqual(['gamma', 'proton']);
    const result = await source.loadRun(runId);
    expect(result.samples.map((s) => s.label)).toEqual(['gamma', 'gamma', 'proton', 'proton']);
  });
});

describe('N-class figures', () => {
  const input = {
    labels: [0, 1, 2, 2, 1],
    probabilities: new Float64Array([0.7, 0.2, 0.1, 0.3, 0.5, 0.2, 0.1, 0.2, 0.7, 0.5, 0.1, 0.4, 0.2, 0.6, 0.2]),
    classCount: 3,
  };
  const classes = ['disc', 'ring', 'bar'];

  it('are the shared metrics module’s values, with row-normalised rates and top-k up to min(5, N-1)', () => {
    const summary = computeClassification(input, classes)!;
    const metrics = computeClassificationMetrics(input.labels, input.probabilities, 3, { topK: [1, 2] });
    expect(summary.accuracy).toBe(metrics.accuracy);
    expect(summary.confusionMatrix).toEqual(metrics.confusionMatrix);
    expect(summary.confusionRates).toEqual([
      [1, 0, 0],
      [0, 1, 0],
      [0.5, 0, 0.5],
    ]);
    expect(summary.topKAccuracy.map((t) => t.k)).toEqual([1, 2]);
    expect(summary.macroAuc).toBe(metrics.roc.macroAuc);
    expect(summary.logLoss).toBe(metrics.logLoss);
    expect(summary.perClass.map((row) => [row.className, row.support])).toEqual([
      ['disc', 1],
      ['ring', 2],
      ['bar', 2],
    ]);
    expect(summary.perClass[2].roc?.auc).toBe(metrics.roc.perClass[2].auc);
    expect(summary.macroAvg.support).toBe(5);
    expect(topKValues(10)).toEqual([1, 2, 3, 4, 5]);
  });

  it('are absent before the first scored event', () => {
    expect(computeClassification({ labels: [], probabilities: new Float64Array(), classCount: 3 }, classes)).toBeNull();
  });

  it('histogram one class’s score for its own events against the rest', () => {
    const histogram = classScoreHistogram(input, 1, 2)!;
    expect(histogram).toEqual({ edges: [0, 0.5, 1], signal: [0, 2], rest: [3, 0] });
  });
});

describe('demo source, N-class', () => {
  const file: SamplePredictionsFile = {
    energyBin: { index: 2, minTeV: 5, maxTeV: 10, label: '5–10 TeV' },
    model: { name: 'recorded-cnn' },
    gamma: [{ eventId: 1, energyTeV: 6, gammaness: 0.9 }],
    proton: [{ eventId: 2, energyTeV: 6, gammaness: 0.1 }],
  };

  it('offers a 4-class RGB dataset without energies and its model', async () => {
    const catalog = await new DemoSource(async () => file).loadCatalog();
    const shapes = catalog.datasets.find((d) => d.id === 'shapes')!;
    expect(shapes).toMatchObject({ hasEnergies: false, energyBins: [], channels: 3, signalClass: null });
    expect(shapes.classes.map((c) => c.name)).toEqual(['disc', 'ring', 'bar', 'cross']);
    expect(catalog.models.find((m) => m.id === 'shapes-cnn')?.classNames).toEqual(['disc', 'ring', 'bar', 'cross']);
  });

  it('refuses a model whose classes are not the dataset’s, naming the model control', async () => {
    const source = new DemoSource(async () => file);
    await expect(source.startRun({ datasetId: 'shapes', energyBin: null, eventsPerClass: 10, samples: 0, modelId: 'sample' })).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      control: 'modelId',
    });
  });

  it('streams batches of every class with per-class scores, and finishes with the classification of what it sent', async () => {
    const source = new DemoSource(async () => file);
    const { runId } = await source.startRun({ datasetId: 'shapes', energyBin: null, eventsPerClass: 70, samples: 1, modelId: null });
    const messages = await new Promise<RunProgress[]>((resolve, reject) => {
      const seen: RunProgress[] = [];
      source.watchRun(runId, { next: (m) => seen.push(m), error: reject, complete: () => resolve(seen) });
    });
    const batches = messages.filter((m) => m.batch);
    expect(batches.map((m) => m.batch!.label).slice(0, 4)).toEqual(['disc', 'ring', 'bar', 'cross']);
    const last = messages[messages.length - 1];
    expect(last.done.map((d) => d.count)).toEqual([70, 70, 70, 70]);
    const events = batches.flatMap((m) => m.batch!.events);
    expect(events.every((e) => e.scores?.length === 4 && e.trueEnergyTeV === null && e.gammaness === null)).toBe(true);
    const scores = new RunScores();
    scores.add(events);
    expect(last.classification).toEqual(computeClassification(scores.classScores(['disc', 'ring', 'bar', 'cross']), ['disc', 'ring', 'bar', 'cross']));
    expect(last.metrics).toBeNull();
    const result = await source.loadRun(runId);
    expect(result.samples.map((s) => [s.label, s.channels, s.top.length])).toEqual([
      ['disc', 3, 3],
      ['ring', 3, 3],
      ['bar', 3, 3],
      ['cross', 3, 3],
    ]);
  });
});

describe('class mapping', () => {
  it('maps dataset classes to model classes by the chosen pairs, else by name', () => {
    expect(modelFits(['proton', 'gamma'], ['gamma', 'proton'])).toBe(true);
    expect(modelFits(['a', 'b', 'c'], ['a', 'b'])).toBe(false);
    const mapping = classMappingFor(['hadron', 'gamma', 'electron'], ['gamma', 'proton'], [{ modelClass: 'hadron', datasetClass: 'proton' }]);
    expect(Object.fromEntries(mapping)).toEqual({ gamma: 'gamma', proton: 'hadron' });
    expect(mappingPairs(classMappingFor(['x', 'y'], ['a', 'b'], [{ modelClass: 'y', datasetClass: 'b' }]))).toEqual([{ modelClass: 'y', datasetClass: 'b' }]);
  });

  it('lets the demo run a model with other class names once every class is mapped', async () => {
    const source = new DemoSource(async () => ({
      energyBin: { index: 2, minTeV: 5, maxTeV: 10, label: '5–10 TeV' },
      model: { name: 'recorded-cnn' },
      gamma: [{ eventId: 1, energyTeV: 6, gammaness: 0.9 }],
      proton: [{ eventId: 2, energyTeV: 6, gammaness: 0.1 }],
    }));
    const model = await source.uploadModel(new File(['h5'], 'shapes2.h5'), { classNames: ['circle', 'annulus', 'rect', 'plus'] }, () => {});
    const request = { datasetId: 'shapes', energyBin: null, eventsPerClass: 5, samples: 0, modelId: model.id };
    await expect(source.startRun(request)).rejects.toMatchObject({ code: 'BAD_USER_INPUT', control: 'modelId' });
    const classMapping = [
      { modelClass: 'circle', datasetClass: 'disc' },
      { modelClass: 'annulus', datasetClass: 'ring' },
      { modelClass: 'rect', datasetClass: 'bar' },
      { modelClass: 'plus', datasetClass: 'cross' },
    ];
    await expect(source.startRun({ ...request, classMapping })).resolves.toMatchObject({ runId: expect.any(String) });
    await expect(source.startRun({ ...request, classMapping: classMapping.slice(0, 3) })).rejects.toMatchObject({ control: 'classMapping' });
  });
});
