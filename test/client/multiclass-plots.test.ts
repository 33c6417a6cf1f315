// @vitest-environment happy-dom
// The N-class plots and the class palette on known inputs: what they draw, and that a live update changes
// the drawn elements through their data joins instead of rebuilding them.
import { beforeEach, describe, expect, it } from 'vitest';
import { drawClassCurves, type ClassCurvesData } from '../../client/plots/class-curves.ts';
import { drawMulticlassConfusion, type MulticlassConfusionData } from '../../client/plots/multiclass-confusion.ts';
import { drawSeparationHistogram } from '../../client/plots/separation-histogram.ts';
import { binaryVocabulary, classPalette, classViews, OKABE_ITO, REST_COLOUR } from '../../client/plots/theme.ts';

const SIZE = { width: 520, height: 420 };
let host: HTMLDivElement;

beforeEach(() => {
  document.body.innerHTML = '';
  host = document.createElement('div');
  document.body.append(host);
});

function texts(selector: string): string[] {
  return Array.from(host.querySelectorAll(selector)).map((node) => node.textContent ?? '');
}

const CLASSES = classViews([{ name: 'disc' }, { name: 'ring' }, { name: 'bar' }]);

describe('class colours', () => {
  it('use the dataset’s colours when given, Okabe–Ito up to 8 classes, then viridis samples', () => {
    expect(classViews([{ name: 'a', color: '#123456' }, { name: 'b' }]).map((c) => c.colour)).toEqual(['#123456', OKABE_ITO[1]]);
    expect(classPalette(8)).toEqual([...OKABE_ITO]);
    const many = classPalette(12);
    expect(new Set(many).size).toBe(12);
    expect(many[0]).toBe('#440154'); // viridis(0)
  });

  it('keep ASTRI’s gamma blue and proton vermillion and its γ/p symbols', () => {
    const [gamma, proton] = classViews([{ name: 'proton' }, { name: 'gamma' }]).sort((a, b) => a.name.localeCompare(b.name));
    expect([gamma.colour, gamma.label, proton.colour, proton.short]).toEqual(['#0072B2', 'γ (gamma)', '#D55E00', 'p']);
  });
});

describe('N-class confusion matrix', () => {
  const data: MulticlassConfusionData = {
    classes: CLASSES,
    counts: [
      [8, 2, 0],
      [1, 6, 3],
      [0, 0, 10],
    ],
    rates: [
      [0.8, 0.2, 0],
      [0.1, 0.6, 0.3],
      [0, 0, 1],
    ],
  };

  it('draws one cell per (true, predicted) pair with its count and the share of its true class', () => {
    drawMulticlassConfusion(host, data, SIZE);
    expect(host.querySelectorAll('g.cell').length).toBe(9);
    const cell = host.querySelector('g.cell[data-true="ring"][data-predicted="bar"]')!;
    expect(cell.getAttribute('data-count')).toBe('3');
    expect(cell.querySelector('text.count')?.textContent).toBe('3');
    expect(cell.querySelector('text.rate')?.textContent).toBe('30.0 %');
    expect(cell.querySelector('title')?.textContent).toContain('true ring, predicted bar: 3');
    // sklearn's layout: rows true (y grows with the row), columns predicted (x grows with the column).
    const translate = (t: string, p: string) =>
      host.querySelector(`g.cell[data-true="${t}"][data-predicted="${p}"]`)!.getAttribute('transform')!.match(/[\d.]+/g)!.map(Number);
    expect(translate('disc', 'ring')[0]).toBeGreaterThan(translate('disc', 'disc')[0]);
    expect(translate('ring', 'disc')[1]).toBeGreaterThan(translate('disc', 'disc')[1]);
    expect(texts('g.row-label text.total')).toEqual(['n = 10', 'n = 10', 'n = 10']);
    expect(texts('g.column-label text')).toEqual(['disc', 'ring', 'bar']);
    expect(host.querySelector('svg')?.getAttribute('aria-label')).toContain('3 classes');
  });

  it('shades by the row-normalised rate in viridis, with readable text on dark and light cells', () => {
    drawMulticlassConfusion(host, data, SIZE);
    const cell = (t: string, p: string) => host.querySelector(`g.cell[data-true="${t}"][data-predicted="${p}"]`)!;
    expect(cell('bar', 'bar').querySelector('rect')?.getAttribute('fill')).toBe('#fde725'); // viridis(1)
    expect(cell('bar', 'disc').querySelector('rect')?.getAttribute('fill')).toBe('#440154'); // viridis(0)
    expect(cell('bar', 'disc').querySelector('text.count')?.getAttribute('fill')).toBe('#ffffff');
    expect(cell('bar', 'bar').querySelector('text.count')?.getAttribute('fill')).not.toBe('#ffffff');
  });

  it('updates the same cells when a batch arrives, and adds or removes cells with the classes', () => {
    drawMulticlassConfusion(host, data, SIZE);
    const svg = host.querySelector('svg');
    const cell = host.querySelector('g.cell[data-true="disc"][data-predicted="disc"]');
    drawMulticlassConfusion(host, { ...data, counts: [[9, 2, 0], [1, 6, 3], [0, 0, 10]], rates: [[9 / 11, 2 / 11, 0], [0.1, 0.6, 0.3], [0, 0, 1]] }, SIZE);
    expect(host.querySelector('svg')).toBe(svg);
    expect(host.querySelector('g.cell[data-true="disc"][data-predicted="disc"]')).toBe(cell);
    expect(cell?.getAttribute('data-count')).toBe('9');
    const four = classViews([{ name: 'disc' }, { name: 'ring' }, { name: 'bar' }, { name: 'cross' }]);
    const zeros = four.map(() => four.map(() => 0));
    drawMulticlassConfusion(host, { classes: four, counts: zeros, rates: zeros }, SIZE);
    expect(host.querySelectorAll('g.cell').length).toBe(16);
    expect(host.querySelector('g.cell[data-true="disc"][data-predicted="disc"]')).toBe(cell);
    // Nothing scored yet: no counts written, cells grey.
    expect(cell?.querySelector('text.count')?.textContent).toBe('');
    drawMulticlassConfusion(host, data, SIZE);
    expect(host.querySelectorAll('g.cell').length).toBe(9);
  });
});

describe('one-vs-rest curves', () => {
  const roc: ClassCurvesData = {
    kind: 'roc',
    curves: [
      { key: 'disc', label: 'disc', colour: CLASSES[0].colour, x: [0, 0, 1], y: [0, 1, 1], area: 1 },
      { key: 'ring', label: 'ring', colour: CLASSES[1].colour, x: [0, 0.5, 1], y: [0, 0.75, 1], area: 0.625 },
      { key: 'bar', label: 'bar', colour: CLASSES[2].colour, x: [], y: [], area: null },
    ],
  };

  it('draws one curve per class that has one, in its colour, with its AUC in the legend and the chance line', () => {
    drawClassCurves(host, roc, SIZE);
    const paths = Array.from(host.querySelectorAll('path.class-curve'));
    expect(paths.map((p) => p.getAttribute('data-class'))).toEqual(['disc', 'ring']);
    expect(paths[1].getAttribute('stroke')).toBe(CLASSES[1].colour);
    expect(texts('text.legend-label')).toEqual(['disc, AUC = 1.000', 'ring, AUC = 0.625', 'bar, AUC = –', 'chance, AUC = 0.5']);
    expect(host.querySelectorAll('line.chance-line').length).toBe(1);
  });

  it('moves the same paths when new points arrive and adds a class’s curve once it has one', () => {
    drawClassCurves(host, roc, SIZE);
    const ring = host.querySelector('path.class-curve[data-class="ring"]');
    const before = ring?.getAttribute('d');
    drawClassCurves(host, { ...roc, curves: [roc.curves[0], { ...roc.curves[1], x: [0, 0.2, 1], y: [0, 0.9, 1], area: 0.9 }, { ...roc.curves[2], x: [0, 1], y: [0, 1], area: 0.5 }] }, SIZE);
    expect(host.querySelector('path.class-curve[data-class="ring"]')).toBe(ring);
    expect(ring?.getAttribute('d')).not.toBe(before);
    expect(host.querySelectorAll('path.class-curve').length).toBe(3);
    expect(texts('text.legend-label')[1]).toBe('ring, AUC = 0.900');
  });

  it('labels precision/recall curves with their average precision and draws no chance diagonal', () => {
    drawClassCurves(host, { kind: 'precision-recall', curves: [{ key: 'disc', label: 'disc', colour: '#000', x: [1, 0.5, 0], y: [0.5, 1, 1], area: 0.875 }] }, SIZE);
    expect(texts('text.legend-label')).toEqual(['disc, AP = 0.875']);
    expect(host.querySelectorAll('line.chance-line').length).toBe(0);
    expect(texts('text.x-title')).toEqual(['Recall']);
  });

  it('says nothing is scored yet when no class has a curve', () => {
    drawClassCurves(host, { kind: 'roc', curves: [] }, SIZE);
    expect(texts('text.placeholder')).toEqual(['No scored events yet']);
  });
});

describe('score histogram of one class against the rest', () => {
  it('names the class and “rest” in the legend and the axis, in their colours', () => {
    const vocabulary = binaryVocabulary(CLASSES[1], { name: 'rest', label: 'rest (other classes)', short: 'rest', colour: REST_COLOUR });
    drawSeparationHistogram(host, { edges: [0, 0.5, 1], gamma: [1, 9], proton: [20, 2], threshold: null, vocabulary }, SIZE);
    expect(texts('text.legend-label')).toEqual(['ring  n = 10', 'rest (other classes)  n = 22']);
    expect(Array.from(host.querySelectorAll('g.class-series'), (g) => g.getAttribute('data-class'))).toEqual(['ring', 'rest']);
    expect(host.querySelector('g.class-series[data-class="rest"] path.outline')?.getAttribute('stroke')).toBe(REST_COLOUR);
    expect(texts('text.x-title')).toEqual(['Score of ring']);
    expect(host.querySelectorAll('g.threshold-marker').length).toBe(0);
  });
});

describe('binary plots of a dataset that is not ASTRI’s', () => {
  it('name its classes instead of gamma and proton', async () => {
    const { drawConfusionMatrix } = await import('../../client/plots/confusion-matrix.ts');
    const { drawRocCurve } = await import('../../client/plots/roc-curve.ts');
    const [dog, cat] = classViews([{ name: 'dog' }, { name: 'cat', color: '#117733' }]);
    const vocabulary = binaryVocabulary(cat, dog);
    drawConfusionMatrix(host, { threshold: 0.5, truePositive: 8, falseNegative: 2, falsePositive: 1, trueNegative: 9, vocabulary }, SIZE);
    expect(texts('text.column-label')).toEqual(['cat (≥ 0.50)', 'dog (< 0.50)']);
    expect(texts('g.row-label text.name')).toEqual(['cat', 'dog']);
    expect(texts('g.cell[data-key="falsePositive"] text.fraction')).toEqual(['10.0 % of true dog']);
    expect(host.querySelector('svg')?.getAttribute('aria-label')).toBe('Confusion matrix at cat score threshold 0.50');
    document.body.innerHTML = '';
    host = document.createElement('div');
    document.body.append(host);
    drawRocCurve(host, { fpr: [0, 0.5, 1], tpr: [0, 1, 1], auc: 0.75, operatingPoint: null, vocabulary }, SIZE);
    expect(host.querySelector('path.roc-line')?.getAttribute('stroke')).toBe('#117733');
    expect(texts('text.y-title')).toEqual(['True positive rate (cat recall)']);
  });
});

describe('N-class confusion matrix labels', () => {
  it('slants the column labels only when they do not fit over their columns', () => {
    const digits = classViews(Array.from({ length: 10 }, (_, i) => ({ name: String(i) })));
    const zeros = digits.map(() => digits.map(() => 0));
    drawMulticlassConfusion(host, { classes: digits, counts: zeros, rates: zeros }, SIZE);
    expect(host.querySelector('g.column-label text')?.getAttribute('transform')).toBeNull();
    const long = classViews(Array.from({ length: 10 }, (_, i) => ({ name: `spectral-type-${i}` })));
    drawMulticlassConfusion(host, { classes: long, counts: zeros, rates: zeros }, SIZE);
    expect(host.querySelector('g.column-label text')?.getAttribute('transform')).toBe('rotate(-35)');
    expect(host.querySelector('g.column-label text')?.textContent).toBe('spectral-ty…');
  });
});

describe('one-vs-rest curves of many classes', () => {
  it('list at most 12 legend rows, the last saying how many classes are left out', () => {
    const curves = Array.from({ length: 20 }, (_, i) => ({ key: `c${i}`, label: `c${i}`, colour: '#000', x: [0, 1], y: [0, 1], area: 0.5 }));
    drawClassCurves(host, { kind: 'precision-recall', curves }, SIZE);
    const labels = texts('text.legend-label');
    expect(labels).toHaveLength(12);
    expect(labels[11]).toBe('… 9 more classes');
    expect(host.querySelectorAll('path.class-curve').length).toBe(20);
  });
});
