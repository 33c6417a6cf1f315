// @vitest-environment happy-dom
// A live N-class run on a scripted source: the page computes the heat map and the report from each
// batch's scores with the shared metrics module, updates the same cells batch after batch, and shows the
// FINISHED message's classification (the server's) once it arrives.
import { afterEach, describe, expect, it } from 'vitest';
import '../../client/components/astri-app.ts';
import type { AstriApp } from '../../client/components/astri-app.ts';
import { computeClassification } from '../../client/state/classification.ts';
import { RunScores } from '../../client/state/run-scores.ts';
import type { DashboardSource, ProgressObserver } from '../../client/state/source.ts';
import type { Catalog, ClassificationSummary, RunProgress, RunRequest, ScoredEvent } from '../../client/types.ts';

const CLASSES = ['cat', 'dog', 'fox'];

const CATALOG: Catalog = {
  datasets: [
    {
      id: '7',
      name: 'pets',
      source: 'upload',
      state: 'READY',
      classes: CLASSES.map((name, index) => ({ index, name, color: null, eventCount: 50 })),
      signalClass: null,
      hasEnergies: false,
      energyBins: [],
      imageWidth: 32,
      imageHeight: 32,
      channels: 3,
    },
  ],
  models: [{ id: '3', name: 'pets-net', version: '1', format: 'onnx', active: true, classNames: CLASSES }],
  server: {
    version: 'test',
    backendName: 'scripted',
    device: '',
    batchSize: 2,
    limits: { minEventsPerClass: 1, maxEventsPerClass: 100, maxSamples: 10, dashboardMinEventsPerClass: 1, dashboardMaxEventsPerClass: 100 },
    defaultThreshold: 0.5,
  },
};

/** A source that records the run request and lets the test send the progress messages. */
class ScriptedSource implements Partial<DashboardSource> {
  readonly kind = 'api' as const;
  request: RunRequest | null = null;
  observer: ProgressObserver | null = null;
  sequence = 0;
  async loadCatalog() {
    return CATALOG;
  }
  async startRun(request: RunRequest) {
    this.request = request;
    return { runId: 'run-1' };
  }
  watchRun(_runId: string, observer: ProgressObserver) {
    this.observer = observer;
    return () => {};
  }
  async loadRun() {
    return {
      runId: 'run-1',
      status: 'COMPLETED' as const,
      request: this.request!,
      classes: CLASSES.map((name, index) => ({ index, name, color: null })),
      signalClass: null,
      predictions: [],
      samples: [],
      serverMetrics: null,
      classification: null,
      error: null,
    };
  }
  send(message: Partial<RunProgress>): void {
    const counts = (count: number) => CLASSES.map((className) => ({ className, count }));
    this.observer!.next({
      runId: 'run-1',
      kind: 'BATCH',
      sequence: this.sequence++,
      status: 'RUNNING',
      batch: null,
      done: counts(0),
      total: counts(2),
      failed: counts(0),
      elapsedMs: 10,
      imagesPerSecond: 100,
      metrics: null,
      classification: null,
      error: null,
      ...message,
    });
  }
}

function event(id: string, label: string, scores: number[]): ScoredEvent {
  return { eventId: id, label, trueEnergyTeV: null, scores, gammaness: null };
}

const until = async (condition: () => boolean, what: string) => {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > 5000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

afterEach(() => {
  document.body.innerHTML = '';
  window.history.replaceState(null, '', '/');
});

describe('a live N-class run', () => {
  it('draws the page’s own metrics batch by batch, then the server’s classification', async () => {
    const source = new ScriptedSource();
    const app = document.createElement('astri-app') as AstriApp;
    app.source = source as unknown as DashboardSource;
    document.body.append(app);
    const root = app.shadowRoot!;
    await until(() => root.querySelector('astri-controls')?.shadowRoot?.querySelector('#dataset option[value="7"]') != null, 'the catalog');
    await app.updateComplete;
    root.querySelector('astri-controls')!.shadowRoot!.querySelector('form')!.dispatchEvent(new Event('submit', { cancelable: true }));
    await until(() => source.observer !== null, 'the run to be followed');
    // No model chosen: the server's active one (as before); no energies: no bin.
    expect(source.request).toMatchObject({ datasetId: '7', energyBin: null, modelId: null });

    const heatMap = () => root.querySelector('astri-multiclass-confusion-plot')!.shadowRoot!;
    const cell = (t: string, p: string) => heatMap().querySelector(`g.cell[data-true="${t}"][data-predicted="${p}"]`);
    const report = () => root.querySelector('astri-classification-report')!.shadowRoot!;

    const first = [event('1', 'cat', [0.8, 0.1, 0.1]), event('2', 'cat', [0.3, 0.6, 0.1])];
    source.send({ batch: { label: 'cat', index: 0, inferenceMs: 1, events: first } });
    await app.updateComplete;
    await (root.querySelector('astri-multiclass-confusion-plot') as unknown as { updateComplete: Promise<unknown> }).updateComplete;
    expect(cell('cat', 'cat')?.getAttribute('data-count')).toBe('1');
    expect(cell('cat', 'dog')?.getAttribute('data-count')).toBe('1');
    const catCat = cell('cat', 'cat');

    const second = [event('3', 'dog', [0.1, 0.7, 0.2]), event('4', 'fox', [0.2, 0.2, 0.6])];
    source.send({ batch: { label: 'dog', index: 0, inferenceMs: 1, events: second } });
    await app.updateComplete;
    await (root.querySelector('astri-multiclass-confusion-plot') as unknown as { updateComplete: Promise<unknown> }).updateComplete;
    await (root.querySelector('astri-classification-report') as unknown as { updateComplete: Promise<unknown> }).updateComplete;
    expect(cell('cat', 'cat')).toBe(catCat);
    expect(cell('dog', 'dog')?.getAttribute('data-count')).toBe('1');
    const scores = new RunScores();
    scores.add([...first, ...second]);
    const expected = computeClassification(scores.classScores(CLASSES), CLASSES)!;
    const accuracy = report().querySelector('#accuracy')!;
    expect(Number(accuracy.getAttribute('data-value'))).toBe(expected.accuracy);
    expect(accuracy.textContent).toContain('computed in the browser');

    // The server's classification replaces the page's (here deliberately different, to tell them apart).
    const server: ClassificationSummary = { ...expected, accuracy: 0.125, confusionMatrix: [[5, 0, 0], [0, 5, 0], [0, 0, 5]], confusionRates: [[1, 0, 0], [0, 1, 0], [0, 0, 1]] };
    source.send({ kind: 'FINISHED', status: 'COMPLETED', classification: server });
    await until(() => report().querySelector('#accuracy')?.textContent?.includes('from the API') === true, 'the server’s classification');
    expect(Number(report().querySelector('#accuracy')!.getAttribute('data-value'))).toBe(0.125);
    await (root.querySelector('astri-multiclass-confusion-plot') as unknown as { updateComplete: Promise<unknown> }).updateComplete;
    expect(cell('fox', 'fox')?.getAttribute('data-count')).toBe('5');
    expect(cell('cat', 'cat')).toBe(catCat);
  });
});
