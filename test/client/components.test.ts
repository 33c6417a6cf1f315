// @vitest-environment happy-dom
// The dashboard's Lit elements through their public surface: properties in, DOM and events out.
import { afterEach, describe, expect, it } from 'vitest';
import '../../client/components/astri-classification-report.ts';
import '../../client/components/astri-confusion-plot.ts';
import '../../client/components/astri-controls.ts';
import '../../client/components/astri-metrics-summary.ts';
import '../../client/components/astri-plot-card.ts';
import '../../client/components/astri-progress.ts';
import '../../client/components/astri-roc-plot.ts';
import '../../client/components/astri-separation-plot.ts';
import '../../client/components/astri-threshold.ts';
import { computeFigures } from '../../client/state/metrics.ts';
import type { DatasetSummary, EnergyBin } from '../../client/types.ts';

afterEach(() => {
  document.body.innerHTML = '';
});

async function mount<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> = {}) {
  const element = document.createElement(tag);
  Object.assign(element, props);
  document.body.append(element);
  await (element as unknown as { updateComplete: Promise<unknown> }).updateComplete;
  return element;
}

function shadow(element: Element): ShadowRoot {
  return element.shadowRoot!;
}

const counts = (gamma: number, proton: number) => [
  { className: 'gamma', count: gamma },
  { className: 'proton', count: proton },
];
const BINS: EnergyBin[] = [
  { index: 0, minTeV: 1, maxTeV: 2, label: '1–2 TeV', counts: counts(2000, 2000) },
  { index: 1, minTeV: 2, maxTeV: 5, label: '2–5 TeV', counts: counts(150, 1800) },
];
const ASTRI: DatasetSummary = {
  id: '1',
  name: 'ASTRI demo',
  source: 'demo',
  state: 'READY',
  classes: [
    { index: 0, name: 'gamma', color: null, eventCount: 2150 },
    { index: 1, name: 'proton', color: null, eventCount: 3800 },
  ],
  signalClass: 'gamma',
  hasEnergies: true,
  energyBins: BINS,
  imageWidth: 56,
  imageHeight: 56,
  channels: 1,
};
const SHAPES: DatasetSummary = {
  id: '2',
  name: 'shapes',
  source: 'upload',
  state: 'READY',
  classes: ['disc', 'ring', 'bar'].map((name, index) => ({ index, name, color: null, eventCount: 300 + index })),
  signalClass: null,
  hasEnergies: false,
  energyBins: [],
  imageWidth: 32,
  imageHeight: 32,
  channels: 3,
};

describe('<astri-confusion-plot>', () => {
  it('draws the counts it is given and redraws when they change', async () => {
    const plot = await mount('astri-confusion-plot', {
      data: { threshold: 0.9, truePositive: 7, falseNegative: 3, falsePositive: 1, trueNegative: 9 },
    });
    const count = (key: string) => shadow(plot).querySelector(`g.cell[data-key="${key}"]`)?.getAttribute('data-count');
    expect(count('truePositive')).toBe('7');
    plot.data = { threshold: 0.5, truePositive: 9, falseNegative: 1, falsePositive: 4, trueNegative: 6 };
    await plot.updateComplete;
    expect(count('truePositive')).toBe('9');
    expect(count('falsePositive')).toBe('4');
    expect(shadow(plot).querySelectorAll('svg').length).toBe(1);
  });
});

describe('<astri-separation-plot> and <astri-roc-plot>', () => {
  it('draw figures computed from known scores, with the AUC in the ROC legend', async () => {
    const figures = computeFigures({ gamma: [0.95, 0.8, 0.6], proton: [0.7, 0.1, 0.05] }, 0.9);
    const histogram = await mount('astri-separation-plot', { data: figures.histogram });
    const roc = await mount('astri-roc-plot', { data: figures.roc });
    expect(shadow(histogram).querySelector('g.class-series[data-class="gamma"]')?.getAttribute('data-total')).toBe('3');
    // 8 of the 9 gamma/proton pairs are ranked correctly.
    expect(figures.roc.auc).toBeCloseTo(8 / 9, 12);
    expect(shadow(roc).querySelector('text.legend-label')?.textContent).toBe('ROC, AUC = 0.8889');
    expect(roc.svgElement?.getAttribute('aria-label')).toBe('ROC curve');
  });
});

describe('<astri-threshold>', () => {
  it('reports every move of the slider as a bubbling, composed threshold-change', async () => {
    const control = await mount('astri-threshold', { threshold: 0.9 });
    const seen: { threshold: number; composed: boolean; bubbles: boolean }[] = [];
    document.body.addEventListener('threshold-change', (event) => {
      const e = event as CustomEvent<{ threshold: number }>;
      seen.push({ threshold: e.detail.threshold, composed: e.composed, bubbles: e.bubbles });
    });
    const slider = shadow(control).querySelector<HTMLInputElement>('input[type="range"]')!;
    slider.value = '0.42';
    slider.dispatchEvent(new Event('input'));
    expect(seen).toEqual([{ threshold: 0.42, composed: true, bubbles: true }]);
  });

  it('clamps a typed value into [0, 1]', async () => {
    const control = await mount('astri-threshold', { threshold: 0.9 });
    let threshold = -1;
    control.addEventListener('threshold-change', (event) => (threshold = (event as CustomEvent<{ threshold: number }>).detail.threshold));
    const field = shadow(control).querySelector<HTMLInputElement>('input[type="number"]')!;
    field.value = '7';
    field.dispatchEvent(new Event('change'));
    expect(threshold).toBe(1);
  });
});

describe('<astri-controls>', () => {
  const settings = { datasetId: '1', energyBin: 0, eventsPerClass: 500, samples: 4, modelId: null, threshold: 0.9 };
  const models = [{ id: '1', name: 'astri-cnn', version: '1.0', format: 'keras-h5', active: true, classNames: ['gamma', 'proton'] }];
  const datasets = [ASTRI, SHAPES];

  it('lists the bins in TeV with the events each holds', async () => {
    const controls = await mount('astri-controls', { datasets, models, settings });
    const labels = Array.from(shadow(controls).querySelectorAll('label.bin'), (label) => label.textContent?.replace(/\s+/g, ' ').trim());
    expect(labels).toEqual(['1–2 TeV 2000 γ · 2000 p', '2–5 TeV 150 γ · 1800 p', 'All 2 bins (against energy) ≥ 150 per class']);
    expect(shadow(controls).querySelector('[role="radiogroup"]')?.getAttribute('aria-label')).toBe('Energy bin');
  });

  it('reports a chosen bin as a settings-change', async () => {
    const controls = await mount('astri-controls', { datasets, models, settings });
    let detail: unknown = null;
    controls.addEventListener('settings-change', (event) => (detail = (event as CustomEvent).detail));
    const radio = shadow(controls).querySelectorAll<HTMLInputElement>('input[type="radio"]')[1];
    radio.checked = true;
    radio.dispatchEvent(new Event('change'));
    expect(detail).toEqual({ energyBin: 1, allBins: false });
  });

  it('reports the choice of every bin in one run as a settings-change', async () => {
    const controls = await mount('astri-controls', { datasets, models, settings });
    let detail: unknown = null;
    controls.addEventListener('settings-change', (event) => (detail = (event as CustomEvent).detail));
    const radio = shadow(controls).querySelector<HTMLInputElement>('input[type="radio"][value="all"]')!;
    radio.checked = true;
    radio.dispatchEvent(new Event('change'));
    expect(detail).toEqual({ allBins: true });
  });

  it('keeps events per class within 100 to 2000', async () => {
    const controls = await mount('astri-controls', { datasets, models, settings });
    const details: unknown[] = [];
    controls.addEventListener('settings-change', (event) => details.push((event as CustomEvent).detail));
    const field = shadow(controls).querySelector<HTMLInputElement>('#events')!;
    field.value = '5000';
    field.dispatchEvent(new Event('change'));
    field.value = '3';
    field.dispatchEvent(new Event('change'));
    expect(details).toEqual([{ eventsPerClass: 2000 }, { eventsPerClass: 100 }]);
  });

  it('asks for a run on Predict! and for a cancel while running', async () => {
    const controls = await mount('astri-controls', { datasets, models, settings });
    const events: string[] = [];
    controls.addEventListener('predict-request', () => events.push('predict'));
    controls.addEventListener('cancel-request', () => events.push('cancel'));
    shadow(controls).querySelector('form')!.dispatchEvent(new Event('submit', { cancelable: true }));
    controls.running = true;
    await controls.updateComplete;
    expect(shadow(controls).querySelector<HTMLButtonElement>('button.predict')!.disabled).toBe(true);
    shadow(controls).querySelector<HTMLButtonElement>('button.cancel')!.click();
    expect(events).toEqual(['predict', 'cancel']);
  });

  it('shows an API error next to the control it names, and warns when a bin is too small', async () => {
    const controls = await mount('astri-controls', {
      datasets,
      models,
      settings: { ...settings, energyBin: 1 },
      errors: { eventsPerClass: 'energy bin 1 (2–5 TeV): only 150 gamma events' },
    });
    const error = shadow(controls).querySelector('#events-error');
    expect(error?.textContent).toBe('energy bin 1 (2–5 TeV): only 150 gamma events');
    expect(error?.getAttribute('role')).toBe('alert');
    expect(shadow(controls).querySelector('#events')?.getAttribute('aria-invalid')).toBe('true');
    expect(shadow(controls).querySelector('#events')?.getAttribute('aria-describedby')).toContain('events-error');
    expect(shadow(controls).querySelector('.warn')?.textContent).toContain('More than this bin holds');
    expect(shadow(controls).querySelector('#bin-error')?.textContent).toBe('');
  });
});

describe('<astri-progress>', () => {
  it('shows one progress bar per class with its count', async () => {
    const progress = await mount('astri-progress', {
      progress: {
        runId: '7',
        status: 'RUNNING',
        done: counts(256, 128),
        total: counts(500, 500),
        failed: counts(0, 0),
        elapsedMs: 2000,
        imagesPerSecond: 192,
        error: null,
      },
    });
    const bars = Array.from(shadow(progress).querySelectorAll('[role="progressbar"]'), (bar) => [
      bar.getAttribute('data-class'),
      bar.getAttribute('aria-valuenow'),
      bar.getAttribute('aria-valuemax'),
    ]);
    expect(bars).toEqual([
      ['gamma', '256', '500'],
      ['proton', '128', '500'],
    ]);
    const rates = Array.from(shadow(progress).querySelectorAll('.rate'), (node) => node.textContent);
    expect(rates).toEqual(['128 img/s', '64.0 img/s']);
  });
});

describe('<astri-metrics-summary>', () => {
  it('shows the AUC and says whether the API computed the same value', async () => {
    const figures = computeFigures({ gamma: [0.95, 0.8, 0.6], proton: [0.7, 0.1, 0.05] }, 0.7);
    const summary = await mount('astri-metrics-summary', { figures, serverMetrics: { auc: figures.roc.auc, averagePrecision: null } });
    const auc = shadow(summary).querySelector('#auc')!;
    expect(Number(auc.getAttribute('data-value'))).toBe(figures.roc.auc);
    expect(auc.textContent).toContain('0.8889');
    expect(auc.textContent).toContain("equals the API's value");
    summary.serverMetrics = { auc: 0.5, averagePrecision: null };
    await summary.updateComplete;
    expect(shadow(summary).querySelector('#auc')!.textContent).toContain('API: 0.5000');
    // At 0.7 (score >= cut passes), 2 of 3 gammas and 1 of 3 protons pass.
    expect(shadow(summary).querySelector('#gamma-efficiency')!.textContent).toContain('66.7 %');
    expect(shadow(summary).querySelector('#hadron-efficiency')!.textContent).toContain('33.3 %');
    expect(shadow(summary).querySelector('#quality-factor')!.textContent).toContain((2 / 3 / Math.sqrt(1 / 3)).toFixed(2));
  });
});

describe('<astri-controls> dataset picker', () => {
  const models = [
    { id: '1', name: 'astri-cnn', version: '1.0', format: 'keras-h5', active: true, classNames: ['gamma', 'proton'] },
    { id: '2', name: 'shapes-net', version: '2', format: 'onnx', active: false, classNames: ['disc', 'ring', 'bar'] },
  ];
  const settings = { datasetId: '1', energyBin: 0, eventsPerClass: 200, samples: 4, modelId: null, threshold: 0.9 };

  it('lists the datasets with their classes and reports a choice as a settings-change', async () => {
    const controls = await mount('astri-controls', { datasets: [ASTRI, SHAPES], models, settings });
    const select = shadow(controls).querySelector<HTMLSelectElement>('#dataset')!;
    expect(shadow(controls).querySelector('label[for="dataset"]')?.textContent).toBe('Dataset');
    expect(Array.from(select.options, (o) => o.textContent?.trim())).toEqual(['ASTRI demo', 'shapes']);
    expect(shadow(controls).querySelector('#dataset-hint')?.textContent).toContain('2 classes: gamma, proton');
    let detail: unknown = null;
    controls.addEventListener('settings-change', (event) => (detail = (event as CustomEvent).detail));
    select.value = '2';
    select.dispatchEvent(new Event('change'));
    expect(detail).toEqual({ datasetId: '2' });
  });

  it('hides the energy-bin picker for a dataset without energies and allows Predict! without a bin', async () => {
    const controls = await mount('astri-controls', { datasets: [ASTRI, SHAPES], models, settings });
    expect(shadow(controls).querySelector('fieldset.energy-bins')).not.toBeNull();
    controls.settings = { ...settings, datasetId: '2', energyBin: null };
    await controls.updateComplete;
    expect(shadow(controls).querySelector('fieldset.energy-bins')).toBeNull();
    expect(shadow(controls).querySelector('input[name="energy-bin"]')).toBeNull();
    expect(shadow(controls).querySelector('#dataset-hint')?.textContent).toContain('3 classes: disc, ring, bar · RGB · no energies');
    expect(shadow(controls).querySelector('#events-hint')?.textContent).toContain('events of each class; this dataset holds 300 per class');
    const button = shadow(controls).querySelector<HTMLButtonElement>('button.predict')!;
    expect(button.disabled).toBe(false);
    let asked = false;
    controls.addEventListener('predict-request', () => (asked = true));
    shadow(controls).querySelector('form')!.dispatchEvent(new Event('submit', { cancelable: true }));
    expect(asked).toBe(true);
  });

  it('marks models whose classes are not the dataset’s', async () => {
    const controls = await mount('astri-controls', { datasets: [ASTRI, SHAPES], models, settings: { ...settings, datasetId: '2' } });
    const options = Array.from(shadow(controls).querySelectorAll<HTMLOptionElement>('#model option'), (o) => o.textContent?.replace(/\s+/g, ' ').trim());
    expect(options).toEqual(['astri-cnn 1.0 (active) (other classes)', 'shapes-net 2']);
    // The active model is the one preselected; its hint says what it predicts and warns of the mismatch.
    const hint = shadow(controls).querySelector('#model-hint')!;
    expect(hint.textContent).toContain('predicts gamma, proton');
    expect(hint.querySelector('.warn')?.textContent).toContain("not this dataset's");
    controls.settings = { ...controls.settings, modelId: '2' };
    await controls.updateComplete;
    expect(shadow(controls).querySelector('#model-hint .warn')).toBeNull();
  });
});

describe('<astri-progress> with N classes', () => {
  it('draws one bar per class, in the classes’ order and colours', async () => {
    const classes = [
      { className: 'disc', count: 64 },
      { className: 'ring', count: 0 },
      { className: 'bar', count: 128 },
    ];
    const progress = await mount('astri-progress', {
      progress: {
        runId: 'r',
        status: 'RUNNING',
        done: classes,
        total: classes.map((c) => ({ ...c, count: 200 })),
        failed: classes.map((c) => ({ ...c, count: 0 })),
        elapsedMs: 1000,
        imagesPerSecond: 192,
        error: null,
      },
    });
    const bars = Array.from(shadow(progress).querySelectorAll('[role="progressbar"]'), (bar) => [bar.getAttribute('data-class'), bar.getAttribute('aria-valuenow'), bar.getAttribute('aria-label')]);
    expect(bars).toEqual([
      ['disc', '64', 'disc events scored'],
      ['ring', '0', 'ring events scored'],
      ['bar', '128', 'bar events scored'],
    ]);
  });
});

describe('<astri-classification-report>', () => {
  it('shows accuracy, top-k, macro AUC, log loss and the per-class table with macro and weighted rows', async () => {
    const { computeClassification } = await import('../../client/state/classification.ts');
    const { classViews } = await import('../../client/plots/theme.ts');
    const summary = computeClassification(
      { labels: [0, 1, 2, 2], probabilities: new Float64Array([0.7, 0.2, 0.1, 0.3, 0.5, 0.2, 0.1, 0.2, 0.7, 0.5, 0.1, 0.4]), classCount: 3 },
      ['disc', 'ring', 'bar'],
    )!;
    const report = await mount('astri-classification-report', { summary, classes: classViews([{ name: 'disc' }, { name: 'ring' }, { name: 'bar' }]) });
    const root = shadow(report);
    expect(root.querySelector('#accuracy')?.textContent).toContain('75.0 %');
    expect(root.querySelector('#accuracy')?.textContent).toContain('computed in the browser');
    expect(Array.from(root.querySelectorAll('.top-k'), (n) => n.getAttribute('data-k'))).toEqual(['2']);
    expect(Number(root.querySelector('#log-loss')?.getAttribute('data-value'))).toBeCloseTo(summary.logLoss!, 12);
    const rows = Array.from(root.querySelectorAll('tbody tr'), (tr) => Array.from(tr.children, (c) => c.textContent?.trim()));
    expect(rows.map((r) => r[0])).toEqual(['disc', 'ring', 'bar', 'macro avg', 'weighted avg']);
    // disc: predicted for events 0 and 3 (one right): precision 0.5, recall 1.
    expect(rows[0].slice(1)).toEqual(['0.500', '1.000', '0.667', '1']);
    expect(rows[3][4]).toBe('4');
    report.origin = 'server';
    await report.updateComplete;
    expect(root.querySelector('#accuracy')?.textContent).toContain('from the API');
  });
});

describe('<astri-controls> on a small dataset', () => {
  it('lowers the events-per-class range to what predict accepts when the dataset holds fewer than the usual lower end', async () => {
    const tiny: DatasetSummary = {
      ...SHAPES,
      id: '3',
      name: 'tiny',
      classes: SHAPES.classes.map((c) => ({ ...c, eventCount: 40 })),
    };
    const controls = await mount('astri-controls', {
      datasets: [tiny],
      models: [],
      settings: { datasetId: '3', energyBin: null, eventsPerClass: 40, samples: 0, modelId: null, threshold: 0.9 },
      limits: { minEventsPerClass: 1, maxEventsPerClass: 5000, maxSamples: 10, dashboardMinEventsPerClass: 100, dashboardMaxEventsPerClass: 2000 },
    });
    const details: unknown[] = [];
    controls.addEventListener('settings-change', (event) => details.push((event as CustomEvent).detail));
    const field = shadow(controls).querySelector<HTMLInputElement>('#events')!;
    expect(field.min).toBe('1');
    field.value = '25';
    field.dispatchEvent(new Event('change'));
    field.value = '0';
    field.dispatchEvent(new Event('change'));
    expect(details).toEqual([{ eventsPerClass: 25 }, { eventsPerClass: 1 }]);
    expect(shadow(controls).querySelector('.warn')).toBeNull();
  });
});

describe('<astri-controls> class mapping', () => {
  it('asks which model output scores each dataset class when the names differ, same names preselected', async () => {
    const models = [{ id: '9', name: 'gh-net', version: '1', format: 'onnx', active: true, classNames: ['hadron', 'gamma'] }];
    const controls = await mount('astri-controls', {
      datasets: [ASTRI],
      models,
      settings: { datasetId: '1', energyBin: 0, eventsPerClass: 200, samples: 0, modelId: null, threshold: 0.9 },
    });
    const root = shadow(controls);
    const rows = Array.from(root.querySelectorAll<HTMLSelectElement>('.class-mapping select'));
    expect(rows.map((select) => [root.querySelector(`label[for="${select.id}"]`)?.textContent?.trim(), select.value])).toEqual([
      ['gamma ←', 'gamma'],
      ['proton ←', ''],
    ]);
    let detail: unknown = null;
    controls.addEventListener('settings-change', (event) => (detail = (event as CustomEvent).detail));
    rows[1].value = 'hadron';
    rows[1].dispatchEvent(new Event('change'));
    expect(detail).toEqual({
      classMapping: [
        { modelClass: 'gamma', datasetClass: 'gamma' },
        { modelClass: 'hadron', datasetClass: 'proton' },
      ],
    });
  });

  it('shows no mapping for a model that predicts the dataset’s classes', async () => {
    const models = [{ id: '1', name: 'astri-cnn', version: '1.0', format: 'keras-h5', active: true, classNames: ['proton', 'gamma'] }];
    const controls = await mount('astri-controls', {
      datasets: [ASTRI],
      models,
      settings: { datasetId: '1', energyBin: 0, eventsPerClass: 200, samples: 0, modelId: null, threshold: 0.9 },
    });
    expect(shadow(controls).querySelector('.class-mapping')).toBeNull();
  });
});
