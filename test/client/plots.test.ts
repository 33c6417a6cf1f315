// @vitest-environment happy-dom
// The D3 plot functions on known inputs: what they draw, and that a redraw updates the same nodes.
import { beforeEach, describe, expect, it } from 'vitest';
import { colourize, peakOf } from '../../client/plots/camera-image.ts';
import { drawConfusionMatrix, type ConfusionMatrixData } from '../../client/plots/confusion-matrix.ts';
import { drawPrecisionRecall } from '../../client/plots/precision-recall.ts';
import { drawRocCurve } from '../../client/plots/roc-curve.ts';
import { drawSeparationHistogram } from '../../client/plots/separation-histogram.ts';
import { CLASS_COLOURS } from '../../client/plots/theme.ts';

const SIZE = { width: 500, height: 340 };
let host: HTMLDivElement;

beforeEach(() => {
  document.body.innerHTML = '';
  host = document.createElement('div');
  document.body.append(host);
});

function texts(selector: string): string[] {
  return Array.from(host.querySelectorAll(selector)).map((node) => node.textContent ?? '');
}

describe('separation histogram', () => {
  const edges = [0, 0.25, 0.5, 0.75, 1];
  const data = { edges, gamma: [0, 1, 10, 100], proton: [100, 10, 1, 0], threshold: 0.9 };

  it('overlays one step area per class with its event count in the legend', () => {
    drawSeparationHistogram(host, data, SIZE);
    const series = host.querySelectorAll('g.class-series');
    expect(Array.from(series).map((g) => g.getAttribute('data-class'))).toEqual(['gamma', 'proton']);
    expect(Array.from(series).map((g) => g.getAttribute('data-total'))).toEqual(['111', '111']);
    expect(host.querySelector('g.class-series[data-class="gamma"] path.outline')?.getAttribute('stroke')).toBe(CLASS_COLOURS.gamma);
    expect(texts('text.legend-label')).toEqual(['γ (gamma)  n = 111', 'p (proton)  n = 111']);
  });

  it('puts counts on a log axis labelled in decades, with axis titles', () => {
    drawSeparationHistogram(host, data, SIZE);
    expect(texts('g.y-axis .tick text')).toEqual(['1', '10', '100']);
    expect(texts('text.y-title')).toEqual(['Events per bin (log scale)']);
    expect(texts('text.x-title')).toEqual(['Gammaness (model score)']);
  });

  it('draws equal counts at heights a decade apart', () => {
    drawSeparationHistogram(host, data, SIZE);
    // The gamma outline: M x0,floor L x0,y(0)=floor L x1,floor L x1,y(1) ... one level per bin.
    const d = host.querySelector('g.class-series[data-class="gamma"] path.outline')!.getAttribute('d')!;
    const ys = Array.from(d.matchAll(/L[\d.]+,([\d.]+)/g), (m) => Number(m[1]));
    const [y1, y10, y100] = [ys[2], ys[4], ys[6]];
    expect(y1 - y10).toBeCloseTo(y10 - y100, 6);
  });

  it('marks the threshold and updates the same nodes when redrawn', () => {
    drawSeparationHistogram(host, data, SIZE);
    const svg = host.querySelector('svg');
    const outline = host.querySelector('g.class-series[data-class="proton"] path.outline');
    expect(texts('g.threshold-marker text')).toEqual(['cut 0.90']);
    drawSeparationHistogram(host, { ...data, proton: [50, 50, 5, 5], threshold: 0.5 }, SIZE);
    expect(host.querySelector('svg')).toBe(svg);
    expect(host.querySelector('g.class-series[data-class="proton"] path.outline')).toBe(outline);
    expect(host.querySelectorAll('svg').length).toBe(1);
    expect(texts('g.threshold-marker text')).toEqual(['cut 0.50']);
    expect(host.querySelector('g.class-series[data-class="proton"]')?.getAttribute('data-total')).toBe('110');
  });

  it('says that nothing is scored yet instead of drawing empty series', () => {
    drawSeparationHistogram(host, { edges: [], gamma: [], proton: [], threshold: 0.9 }, SIZE);
    expect(host.querySelectorAll('g.class-series').length).toBe(0);
    expect(texts('text.placeholder')).toEqual(['No scored events yet']);
    drawSeparationHistogram(host, data, SIZE);
    expect(host.querySelectorAll('text.placeholder').length).toBe(0);
  });
});

describe('confusion matrix', () => {
  const data: ConfusionMatrixData = { threshold: 0.9, truePositive: 80, falseNegative: 20, falsePositive: 5, trueNegative: 95 };

  it('shows each count in its cell with the fraction of its true class', () => {
    drawConfusionMatrix(host, data, SIZE);
    const cells = Object.fromEntries(
      Array.from(host.querySelectorAll('g.cell'), (g) => [g.getAttribute('data-key'), g.querySelector('text.count')?.textContent]),
    );
    expect(cells).toEqual({ truePositive: '80', falseNegative: '20', falsePositive: '5', trueNegative: '95' });
    expect(texts('g.cell[data-key="falsePositive"] text.fraction')).toEqual(['5.0 % of true p']);
    expect(texts('text.column-label')).toEqual(['γ-like (≥ 0.90)', 'hadron-like (< 0.90)']);
    expect(texts('g.row-label text.total')).toEqual(['n = 100', 'n = 100']);
  });

  it('shades the diagonal darker than the off-diagonal when the classifier is good', () => {
    drawConfusionMatrix(host, data, SIZE);
    const fill = (key: string) => host.querySelector(`g.cell[data-key="${key}"] rect`)!.getAttribute('fill')!;
    const lightness = (colour: string) => {
      const [r, g, b] = colour.match(/\d+/g)!.map(Number);
      return r + g + b;
    };
    expect(lightness(fill('truePositive'))).toBeLessThan(lightness(fill('falseNegative')));
    expect(lightness(fill('trueNegative'))).toBeLessThan(lightness(fill('falsePositive')));
  });

  it('updates the cells in place when the threshold moves', () => {
    drawConfusionMatrix(host, data, SIZE);
    const cell = host.querySelector('g.cell[data-key="truePositive"]');
    drawConfusionMatrix(host, { threshold: 0.5, truePositive: 95, falseNegative: 5, falsePositive: 30, trueNegative: 70 }, SIZE);
    expect(host.querySelector('g.cell[data-key="truePositive"]')).toBe(cell);
    expect(cell?.getAttribute('data-count')).toBe('95');
    expect(texts('text.column-label')).toEqual(['γ-like (≥ 0.50)', 'hadron-like (< 0.50)']);
  });
});

describe('ROC curve', () => {
  const data = { fpr: [0, 0, 0.5, 1], tpr: [0, 0.5, 1, 1], auc: 0.875, operatingPoint: { x: 0, y: 0.5, threshold: 0.9 } };

  it('draws the curve through every point, the chance diagonal and the AUC in the legend', () => {
    drawRocCurve(host, data, SIZE);
    expect(host.querySelector('path.roc-line')?.getAttribute('data-points')).toBe('4');
    const chance = host.querySelector('line.chance-line')!;
    // From (0, 0) at the bottom left to (1, 1) at the top right of the plotting area.
    expect(Number(chance.getAttribute('x1'))).toBe(0);
    expect(Number(chance.getAttribute('y2'))).toBe(0);
    expect(Number(chance.getAttribute('y1'))).toBeGreaterThan(0);
    expect(texts('text.legend-label')).toEqual(['ROC, AUC = 0.8750', 'chance, AUC = 0.5', 'cut 0.90']);
    expect(texts('text.x-title')[0]).toContain('False positive rate');
    expect(texts('text.y-title')[0]).toContain('True positive rate');
  });

  it('marks the operating point of the cut on the curve', () => {
    drawRocCurve(host, data, SIZE);
    const point = host.querySelector('g.operating-point circle')!;
    const chance = host.querySelector('line.chance-line')!;
    const bottom = Number(chance.getAttribute('y1'));
    expect(Number(point.getAttribute('cx'))).toBe(0);
    expect(Number(point.getAttribute('cy'))).toBeCloseTo(bottom / 2, 6);
  });

  it('keeps the same path when new points arrive', () => {
    drawRocCurve(host, data, SIZE);
    const path = host.querySelector('path.roc-line');
    drawRocCurve(host, { ...data, fpr: [0, 0.1, 1], tpr: [0, 0.9, 1], auc: 0.9 }, SIZE);
    expect(host.querySelector('path.roc-line')).toBe(path);
    expect(path?.getAttribute('data-points')).toBe('3');
    expect(texts('text.legend-label')[0]).toBe('ROC, AUC = 0.9000');
  });
});

describe('precision/recall curve', () => {
  it('draws the curve, the no-skill baseline at the gamma fraction and the average precision', () => {
    const data = {
      precision: [0.5, 0.75, 1, 1],
      recall: [1, 1, 0.5, 0],
      averagePrecision: 0.875,
      baseline: 0.5,
      operatingPoint: { x: 0.5, y: 1, threshold: 0.9 },
    };
    drawPrecisionRecall(host, data, SIZE);
    expect(host.querySelector('path.pr-line')?.getAttribute('data-points')).toBe('4');
    expect(texts('text.legend-label')).toEqual(['PR, AP = 0.8750', 'no skill, P = 0.50', 'cut 0.90']);
    const baseline = host.querySelector('line.baseline-line')!;
    expect(baseline.getAttribute('y1')).toBe(baseline.getAttribute('y2'));
    expect(texts('text.x-title')).toEqual(['Recall (γ efficiency)']);
    expect(texts('text.y-title')).toEqual(['Precision (γ purity)']);
  });
});

describe('camera image colours', () => {
  it('maps pixel values through viridis, from dark purple at 0 to yellow at 255', () => {
    const rgba = colourize([0, 255], 'viridis');
    expect(Array.from(rgba.subarray(0, 4))).toEqual([68, 1, 84, 255]);
    const [r, g, b] = Array.from(rgba.subarray(4, 7));
    expect(r).toBeGreaterThan(200);
    expect(g).toBeGreaterThan(200);
    expect(b).toBeLessThan(60);
  });

  it('stretches a faint image to its brightest pixel when asked', () => {
    const faint = [0, 20, 40];
    expect(peakOf(faint)).toBe(40);
    const stretched = colourize(faint, 'viridis', undefined, peakOf(faint));
    const full = colourize([255], 'viridis');
    expect(Array.from(stretched.subarray(8, 12))).toEqual(Array.from(full.subarray(0, 4)));
  });
});
