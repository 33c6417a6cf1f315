// The precision/recall curve of the gamma class with its average precision, the no-skill baseline
// (the gamma fraction of the sample) and the operating point of the current threshold.
import {
  drawCurve,
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
import { drawOperatingPoint, type OperatingPoint } from './roc-curve.ts';
import { CHANCE, CLASS_COLOURS, INK, type PlotSize } from './theme.ts';

export interface PrecisionRecallData {
  precision: number[];
  recall: number[];
  averagePrecision: number | null;
  /** Precision of a classifier without skill: the fraction of gammas in the sample; null when unknown. */
  baseline: number | null;
  /** x = recall, y = precision at the current threshold. */
  operatingPoint: OperatingPoint | null;
}

const MARGIN = { top: 12, right: 14, bottom: 40, left: 54 };
export const AP_DIGITS = 4;

export function drawPrecisionRecall(element: Element, data: PrecisionRecallData, size: PlotSize): Frame {
  const frame = ensureFrame(element, { ...size, margin: MARGIN, title: 'Precision/recall curve' });
  const { plot } = frame;
  const hasData = data.recall.length > 1 && data.recall.length === data.precision.length;
  const scales = unitSquare(frame, 1.02);
  const { x, y } = scales;

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

  drawCurve(plot, 'pr-line', hasData ? data.recall.map((r, i) => [r, data.precision[i]] as [number, number]) : null, x, y, CLASS_COLOURS.gamma);

  drawOperatingPoint(frame, hasData ? data.operatingPoint : null, x, y);

  drawUnitAxes(frame, scales);
  drawAxisTitles(frame, { x: 'Recall (γ efficiency)', y: 'Precision (γ purity)' });

  const legend: LegendItem[] = [
    {
      key: 'pr',
      label: `PR, AP = ${formatFixed(data.averagePrecision, AP_DIGITS)}`,
      colour: CLASS_COLOURS.gamma,
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
