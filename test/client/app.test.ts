// @vitest-environment happy-dom
// <astri-app> wired to the demo source: a whole run from Predict! to the final figures, the threshold
// redrawing without a new run, an error placed next to its control, and the settings kept in the URL.
import { afterEach, describe, expect, it } from 'vitest';
import '../../client/components/astri-app.ts';
import type { AstriApp } from '../../client/components/astri-app.ts';
import { DemoSource, type SamplePredictionsFile } from '../../client/demo/demo-source.ts';
import { computeClassificationMetrics, computeMetrics } from '../../server/metrics/index.ts';

const FILE: SamplePredictionsFile = {
  energyBin: { index: 2, minTeV: 5, maxTeV: 10, label: '5–10 TeV' },
  model: { name: 'recorded-cnn' },
  gamma: Array.from({ length: 200 }, (_, i) => ({ eventId: i + 1, energyTeV: 6, gammaness: 0.3 + (i % 70) / 100 })),
  proton: Array.from({ length: 200 }, (_, i) => ({ eventId: 1000 + i, energyTeV: 7, gammaness: (i % 95) / 100 })),
};

afterEach(() => {
  document.body.innerHTML = '';
  window.history.replaceState(null, '', '/');
});

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function deep(root: Element | ShadowRoot, ...path: string[]): Element | null {
  let node: Element | ShadowRoot | null = root;
  for (const selector of path) {
    const found: Element | null = (node as ParentNode).querySelector(selector);
    if (!found) return null;
    node = found.shadowRoot ?? found;
    if (selector === path[path.length - 1]) return found;
  }
  return null;
}

async function mountApp(search = ''): Promise<{ app: AstriApp; source: DemoSource }> {
  window.history.replaceState(null, '', `/${search}`);
  const source = new DemoSource(async () => FILE);
  const app = document.createElement('astri-app');
  app.source = source;
  document.body.append(app);
  const root = app.shadowRoot!;
  await until(() => deep(root, 'astri-controls', '#dataset option[value="sample"]') !== null, 'the datasets');
  await app.updateComplete;
  return { app, source };
}

function predict(app: AstriApp): void {
  deep(app.shadowRoot!, 'astri-controls', 'form')!.dispatchEvent(new Event('submit', { cancelable: true }));
}

function cellCount(app: AstriApp, key: string): number {
  return Number(deep(app.shadowRoot!, 'astri-confusion-plot', `g.cell[data-key="${key}"]`)?.getAttribute('data-count'));
}

describe('<astri-app> on the demo source', () => {
  it('runs from Predict! to final plots whose AUC is the metrics module’s for the streamed scores', async () => {
    const { app } = await mountApp('?events=150&samples=0');
    predict(app);
    await until(() => deep(app.shadowRoot!, 'astri-progress', '[role="progressbar"]') !== null, 'the progress bars');
    await until(() => deep(app.shadowRoot!, 'astri-progress', '.status')?.textContent === 'completed', 'the run to complete');
    await app.updateComplete;
    const auc = Number(deep(app.shadowRoot!, 'astri-metrics-summary', '#auc')?.getAttribute('data-value'));
    const roc = deep(app.shadowRoot!, 'astri-roc-plot', 'path.roc-line');
    expect(Number(roc?.getAttribute('data-points'))).toBeGreaterThan(2);
    expect(cellCount(app, 'truePositive') + cellCount(app, 'falseNegative')).toBe(150);
    // The page's AUC equals the one the (demo) server reports for the same run.
    expect(deep(app.shadowRoot!, 'astri-metrics-summary', '#auc')?.textContent).toContain("equals the API's value");
    expect(auc).toBeGreaterThan(0.5);
    expect(new URLSearchParams(window.location.search).get('run')).toBe('demo-1');
  });

  it('redraws the confusion matrix when the cut moves, without starting another run', async () => {
    const { app, source } = await mountApp('?events=100&samples=0');
    predict(app);
    await until(() => deep(app.shadowRoot!, 'astri-progress', '.status')?.textContent === 'completed', 'the run to complete');
    await app.updateComplete;
    const before = cellCount(app, 'truePositive');
    const slider = deep(app.shadowRoot!, 'astri-threshold', 'input[type="range"]') as HTMLInputElement;
    slider.value = '0.5';
    slider.dispatchEvent(new Event('input'));
    await app.updateComplete;
    const after = cellCount(app, 'truePositive');
    expect(after).toBeGreaterThan(before);
    expect(new URLSearchParams(window.location.search).get('threshold')).toBe('0.5');
    // No second run was started: the next run id would be demo-2.
    await expect(source.loadRun('demo-2')).rejects.toThrow(/does not exist/);
    const events = (await source.loadRun('demo-1')).predictions;
    const gamma = events.filter((e) => e.label === 'gamma').map((e) => e.gammaness!);
    expect(after).toBe(gamma.filter((g) => g >= 0.5).length);
    expect(computeMetrics({ gamma, proton: [] }, { threshold: 0.5 }).confusion.truePositive).toBe(after);
  });

  it('shows a refused run’s error next to the events-per-class control', async () => {
    const { app } = await mountApp('?events=1000');
    predict(app);
    await until(() => deep(app.shadowRoot!, 'astri-controls', '#events-error')?.textContent !== '', 'the error');
    expect(deep(app.shadowRoot!, 'astri-controls', '#events-error')?.textContent).toContain('holds only 200 events per class');
    expect(deep(app.shadowRoot!, 'astri-progress', '[role="progressbar"]')).toBeNull();
  });
  it('cancels a running run from the Cancel button and keeps what was scored', async () => {
    const { app } = await mountApp('?events=200&samples=0');
    predict(app);
    await until(() => deep(app.shadowRoot!, 'astri-controls', 'button.cancel') !== null, 'the Cancel button');
    (deep(app.shadowRoot!, 'astri-controls', 'button.cancel') as HTMLButtonElement).click();
    await until(() => deep(app.shadowRoot!, 'astri-progress', '.status')?.textContent === 'cancelled', 'the run to be cancelled');
    const gammasScored = cellCount(app, 'truePositive') + cellCount(app, 'falseNegative');
    expect(gammasScored).toBeLessThan(200);
    expect(deep(app.shadowRoot!, 'astri-controls', 'button.cancel')).toBeNull();
    expect((deep(app.shadowRoot!, 'astri-controls', 'button.predict') as HTMLButtonElement).disabled).toBe(false);
  });
});

describe('<astri-app> with an N-class dataset (the demo’s shapes)', () => {
  it('switches from the four binary plots to the N-class view when the dataset changes, and keeps the choice in the URL', async () => {
    const { app } = await mountApp('?events=100&samples=0');
    const root = app.shadowRoot!;
    expect(root.querySelector('astri-confusion-plot')).not.toBeNull();
    expect(root.querySelector('astri-multiclass-confusion-plot')).toBeNull();
    const select = deep(root, 'astri-controls', '#dataset') as HTMLSelectElement;
    select.value = 'shapes';
    select.dispatchEvent(new Event('change'));
    await app.updateComplete;
    expect(root.querySelector('astri-confusion-plot')).toBeNull();
    expect(root.querySelector('astri-multiclass-confusion-plot')).not.toBeNull();
    expect(root.querySelectorAll('astri-class-curves-plot').length).toBe(2);
    expect(root.querySelector('astri-classification-report')).not.toBeNull();
    // No energies: no bin picker, no bin in the URL; the model that predicts these classes is chosen.
    expect(deep(root, 'astri-controls', 'input[name="energy-bin"]')).toBeNull();
    const params = new URLSearchParams(window.location.search);
    expect(params.get('dataset')).toBe('shapes');
    expect(params.get('bin')).toBeNull();
    expect(params.get('model')).toBe('shapes-cnn');
  });

  it('runs over all energies and draws the heat map, one curve per class and the report from the streamed scores', async () => {
    const { app, source } = await mountApp('?dataset=shapes&events=100&samples=1');
    const root = app.shadowRoot!;
    predict(app);
    await until(() => deep(root, 'astri-progress', '.status')?.textContent === 'completed', 'the run to complete');
    await until(() => deep(root, 'astri-samples')?.shadowRoot?.querySelectorAll('astri-sample-image').length === 4, 'the samples');
    await app.updateComplete;
    const bars = Array.from(deep(root, 'astri-progress')!.shadowRoot!.querySelectorAll('[role="progressbar"]'), (b) => b.getAttribute('data-class'));
    expect(bars).toEqual(['disc', 'ring', 'bar', 'cross']);
    const heatMap = deep(root, 'astri-multiclass-confusion-plot')!.shadowRoot!;
    const cells = Array.from(heatMap.querySelectorAll('g.cell'));
    expect(cells).toHaveLength(16);
    const rowTotal = cells.filter((c) => c.getAttribute('data-true') === 'ring').reduce((sum, c) => sum + Number(c.getAttribute('data-count')), 0);
    expect(rowTotal).toBe(100);
    const curves = deep(root, 'astri-class-curves-plot.roc')!.shadowRoot!.querySelectorAll('path.class-curve');
    expect(Array.from(curves, (p) => p.getAttribute('data-class'))).toEqual(['disc', 'ring', 'bar', 'cross']);
    // The report is the server's (the demo's FINISHED message) and equals the shared module on the stored predictions.
    const run = await source.loadRun('demo-1');
    expect(run.request.energyBin).toBeNull();
    const accuracy = deep(root, 'astri-classification-report', '#accuracy')!;
    expect(accuracy.textContent).toContain('from the API');
    const labels = run.predictions.map((e) => ['disc', 'ring', 'bar', 'cross'].indexOf(e.label));
    const probabilities = run.predictions.flatMap((e) => e.scores!);
    expect(Number(accuracy.getAttribute('data-value'))).toBe(computeClassificationMetrics(labels, probabilities, 4).accuracy);
    // Samples per class with their top-3 predictions.
    const grid = deep(root, 'astri-samples', '.grid[data-class="bar"]')!;
    const image = grid.querySelector('astri-sample-image')!;
    await (image as unknown as { updateComplete: Promise<unknown> }).updateComplete;
    expect(image.shadowRoot!.querySelectorAll('ol.top li').length).toBe(3);
  });

  it('draws the score histogram of the class chosen against the rest', async () => {
    const { app } = await mountApp('?dataset=shapes&events=100&samples=0');
    const root = app.shadowRoot!;
    predict(app);
    await until(() => deep(root, 'astri-progress', '.status')?.textContent === 'completed', 'the run to complete');
    await app.updateComplete;
    const series = () =>
      Array.from(deep(root, 'astri-separation-plot.class-score')!.shadowRoot!.querySelectorAll('g.class-series'), (g) => [
        g.getAttribute('data-class'),
        g.getAttribute('data-total'),
      ]);
    expect(series()).toEqual([
      ['disc', '100'],
      ['rest', '300'],
    ]);
    const picker = root.querySelector<HTMLSelectElement>('#histogram-class')!;
    expect(picker.closest('label')?.textContent).toContain('Class');
    picker.value = 'ring';
    picker.dispatchEvent(new Event('change'));
    await app.updateComplete;
    const plot = deep(root, 'astri-separation-plot.class-score') as unknown as { updateComplete: Promise<unknown> };
    await plot.updateComplete;
    expect(series()).toEqual([
      ['ring', '100'],
      ['rest', '300'],
    ]);
  });
});

describe('<astri-app> uploads on the demo source', () => {
  function chooseFile(input: HTMLInputElement, file: File): void {
    Object.defineProperty(input, 'files', { value: [file], configurable: true });
    input.dispatchEvent(new Event('change'));
  }

  it('uploads an archive, follows its ingest, lists the refused files and selects the new dataset', async () => {
    const { app } = await mountApp('?events=100&samples=0');
    const root = app.shadowRoot!;
    const panel = root.querySelector('astri-upload-panel[kind="dataset"]')!;
    chooseFile(panel.shadowRoot!.querySelector<HTMLInputElement>('#dataset-file')!, new File(['PK'.repeat(5000)], 'flowers.zip'));
    panel.shadowRoot!.querySelector<HTMLInputElement>('#dataset-name')!.value = 'my flowers';
    panel.shadowRoot!.querySelector('form')!.dispatchEvent(new Event('submit', { cancelable: true }));
    await until(() => panel.shadowRoot!.querySelector('[data-progress="transfer"]') !== null, 'the bytes-sent bar');
    await until(() => panel.shadowRoot!.querySelector('[data-progress="ingest"]') !== null, 'the ingest bar');
    await until(() => panel.shadowRoot!.querySelectorAll('ul.rejected li').length === 2, 'the refused files');
    expect(panel.shadowRoot!.querySelector('.phase')?.textContent).toBe('ready');
    expect(panel.shadowRoot!.querySelector('[data-progress="transfer"]')?.getAttribute('aria-valuenow')).toBe('100');
    await until(() => new URLSearchParams(window.location.search).get('dataset') === 'upload-1', 'the new dataset to be chosen');
    await app.updateComplete;
    const select = deep(root, 'astri-controls', '#dataset') as HTMLSelectElement;
    expect(select.selectedOptions[0]?.textContent?.trim()).toBe('my flowers');
    expect(root.querySelector('astri-multiclass-confusion-plot')).not.toBeNull();
  });

  it('shows why a model upload is refused next to its file control', async () => {
    const { app } = await mountApp();
    const panel = app.shadowRoot!.querySelector('astri-upload-panel[kind="model"]')!;
    chooseFile(panel.shadowRoot!.querySelector<HTMLInputElement>('#model-file')!, new File(['h5'], 'mystery.h5'));
    panel.shadowRoot!.querySelector('form')!.dispatchEvent(new Event('submit', { cancelable: true }));
    await until(() => (panel.shadowRoot!.querySelector('#model-error')?.textContent ?? '') !== '', 'the error');
    expect(panel.shadowRoot!.querySelector('#model-error')?.textContent).toContain('names no classes');
  });
});
