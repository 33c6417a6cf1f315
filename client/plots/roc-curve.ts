// The ROC curve (gamma efficiency against proton acceptance) with its AUC, the chance diagonal and the
// operating point of the current threshold.
import {
  drawCurve,
  drawDiagonal,
  drawAxisTitles,
  drawLegend,
  drawPlaceholder,
  drawUnitAxes,
  ensureFrame,
  formatFixed,
  layer,
  type Frame,
  type LegendItem,
  unitSquare,
} from './frame.ts';
import { ASTRI_VOCABULARY, CHANCE, INK, type BinaryVocabulary, type PlotSize } from './theme.ts';

export interface OperatingPoint {
  x: number;
  y: number;
  threshold: number;
}

export interface RocCurveData {
  /** False positive rate (fraction of protons accepted), ascending along the curve. */
  fpr: number[];
  /** True positive rate (fraction of gammas accepted). */
  tpr: number[];
  auc: number | null;
  /** x = false positive rate, y = true positive rate at the current threshold. */
  operatingPoint: OperatingPoint | null;
  vocabulary?: BinaryVocabulary;
  /** The main curve's name in the legend when others are overlaid (its model). */
  label?: string;
  /** Other models' curves on the same events, overlaid (model comparison). */
  others?: Array<{ key: string; label: string; colour: string; fpr: number[]; tpr: number[]; auc: number | null }>;
}

const MARGIN = { top: 12, right: 14, bottom: 40, left: 54 };
export const AUC_DIGITS = 4;

export function drawRocCurve(element: Element, data: RocCurveData, size: PlotSize): Frame {
  const vocabulary = data.vocabulary ?? ASTRI_VOCABULARY;
  const colour = vocabulary.signal.colour;
  const frame = ensureFrame(element, { ...size, margin: MARGIN, title: 'ROC curve' });
  const { plot } = frame;
  const hasData = data.fpr.length > 1 && data.fpr.length === data.tpr.length;
  const scales = unitSquare(frame);
  const { x, y } = scales;

  drawDiagonal(plot, 'chance', 'chance-line', scales);

  drawCurve(plot, 'roc-line', hasData ? data.fpr.map((fpr, i) => [fpr, data.tpr[i]] as [number, number]) : null, x, y, colour);

  const others = (data.others ?? []).filter((other) => other.fpr.length > 1 && other.fpr.length === other.tpr.length);
  layer(plot, 'other-curves')
    .selectAll<SVGPathElement, (typeof others)[number]>('path.roc-other')
    .data(others, (d) => d.key)
    .join('path')
    .attr('class', 'roc-other')
    .attr('data-key', (d) => d.key)
    .attr('d', (d) => 'M' + d.fpr.map((fpr, i) => `${x(fpr)},${y(d.tpr[i])}`).join('L'))
    .attr('fill', 'none')
    .attr('stroke', (d) => d.colour)
    .attr('stroke-width', 2)
    .attr('stroke-dasharray', '6 3');

  drawOperatingPoint(frame, hasData ? data.operatingPoint : null, x, y);

  drawUnitAxes(frame, scales);
  drawAxisTitles(frame, {
    x: `False positive rate (${vocabulary.backgroundAcceptance})`,
    y: `True positive rate (${vocabulary.signalEfficiency})`,
  });
  const legend: LegendItem[] = [
    { key: 'roc', label: `${others.length ? (data.label ?? 'ROC') : 'ROC'}, AUC = ${formatFixed(data.auc, AUC_DIGITS)}`, colour, symbol: 'line' },
    ...others.map((other) => ({ key: `other-${other.key}`, label: `${other.label}, AUC = ${formatFixed(other.auc, AUC_DIGITS)}`, colour: other.colour, symbol: 'dashed' as const })),
    { key: 'chance', label: 'chance, AUC = 0.5', colour: CHANCE, symbol: 'dashed' },
  ];
  if (hasData && data.operatingPoint) {
    legend.push({
      key: 'operating-point',
      label: `cut ${formatFixed(data.operatingPoint.threshold, 2)}`,
      colour: INK,
      symbol: 'dot',
    });
  }
  drawLegend(frame, hasData ? legend : [], 'bottom-right');
  drawPlaceholder(frame, hasData ? null : 'No scored events yet');
  return frame;
}

/** The marker of the current threshold on a curve; shared with the precision/recall plot. */
export function drawOperatingPoint(
  frame: Frame,
  point: OperatingPoint | null,
  x: (value: number) => number,
  y: (value: number) => number,
): void {
  layer(frame.plot, 'operating-point')
    .selectAll<SVGCircleElement, OperatingPoint>('circle')
    .data(point && Number.isFinite(point.x) && Number.isFinite(point.y) ? [point] : [])
    .join('circle')
    .attr('cx', (d) => x(d.x))
    .attr('cy', (d) => y(d.y))
    .attr('r', 4.5)
    .attr('fill', '#ffffff')
    .attr('stroke', INK)
    .attr('stroke-width', 2);
}
