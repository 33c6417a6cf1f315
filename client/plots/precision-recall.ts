// The precision/recall curve of the gamma class with its average precision, the no-skill baseline
// (the gamma fraction of the sample) and the operating point of the current threshold.
import { axisBottom, axisLeft, scaleLinear } from 'd3';
import {
  drawAxis,
  drawCurve,
  drawAxisTitles,
  drawGrid,
  drawLegend,
  drawPlaceholder,
  ensureFrame,
  formatFixed,
  layer,
  type Frame,
  type LegendItem,
} from './frame.ts';
import { drawOperatingPoint, type OperatingPoint } from './roc-curve.ts';
import { ASTRI_VOCABULARY, CHANCE, INK, type BinaryVocabulary, type PlotSize } from './theme.ts';

export interface PrecisionRecallData {
  precision: number[];
  recall: number[];
  averagePrecision: number | null;
  /** Precision of a classifier without skill: the fraction of gammas in the sample; null when unknown. */
  baseline: number | null;
  /** x = recall, y = precision at the current threshold. */
  operatingPoint: OperatingPoint | null;
  vocabulary?: BinaryVocabulary;
}

const MARGIN = { top: 12, right: 14, bottom: 40, left: 54 };
export const AP_DIGITS = 4;

export function drawPrecisionRecall(element: Element, data: PrecisionRecallData, size: PlotSize): Frame {
  const vocabulary = data.vocabulary ?? ASTRI_VOCABULARY;
  const colour = vocabulary.signal.colour;
  const frame = ensureFrame(element, { ...size, margin: MARGIN, title: 'Precision/recall curve' });
  const { plot, innerWidth, innerHeight } = frame;
  const hasData = data.recall.length > 1 && data.recall.length === data.precision.length;
  const x = scaleLinear().domain([0, 1]).range([0, innerWidth]);
  const y = scaleLinear().domain([0, 1.02]).range([innerHeight, 0]);
  const ticks = [0, 0.2, 0.4, 0.6, 0.8, 1];
  drawGrid(plot, 'grid', [
    ...ticks.map((t) => ({ key: `x${t}`, x1: x(t), x2: x(t), y1: 0, y2: innerHeight })),
    ...ticks.map((t) => ({ key: `y${t}`, x1: 0, x2: innerWidth, y1: y(t), y2: y(t) })),
  ]);

  const baseline = hasData && data.baseline !== null ? [data.baseline] : [];
  layer(plot, 'baseline')
    .selectAll<SVGLineElement, number>('line.baseline-line')
    .data(baseline)
    .join('line')
    .attr('class', 'baseline-line')
    .attr('x1', x(0))
    .attr('x2', x(1))
    .attr('y1', (d) => y(d))
    .attr('y2', (d) => y(d))
    .attr('stroke', CHANCE)
    .attr('stroke-width', 1.2)
    .attr('stroke-dasharray', '5 4');

  drawCurve(plot, 'pr-line', hasData ? data.recall.map((r, i) => [r, data.precision[i]] as [number, number]) : null, x, y, colour);

  drawOperatingPoint(frame, hasData ? data.operatingPoint : null, x, y);

  drawAxis(plot, 'x-axis', axisBottom(x).tickValues(ticks), `translate(0,${innerHeight})`);
  drawAxis(plot, 'y-axis', axisLeft(y).tickValues(ticks), 'translate(0,0)');
  drawAxisTitles(frame, { x: `Recall (${vocabulary.signalEfficiency})`, y: `Precision (${vocabulary.purity})` });

  const legend: LegendItem[] = [
    {
      key: 'pr',
      label: `PR, AP = ${formatFixed(data.averagePrecision, AP_DIGITS)}`,
      colour,
      symbol: 'line',
    },
  ];
  if (baseline.length) {
    legend.push({ key: 'baseline', label: `no skill, P = ${formatFixed(baseline[0], 2)}`, colour: CHANCE, symbol: 'dashed' });
  }
  if (hasData && data.operatingPoint) {
    legend.push({ key: 'operating-point', label: `cut ${formatFixed(data.operatingPoint.threshold, 2)}`, colour: INK, symbol: 'dot' });
  }
  drawLegend(frame, hasData ? legend : [], 'bottom-left');
  drawPlaceholder(frame, hasData ? null : 'No scored events yet');
  return frame;
}
