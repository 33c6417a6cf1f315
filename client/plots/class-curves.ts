// One curve per class on the unit square: one-vs-rest ROC curves (with the chance diagonal) or
// precision/recall curves, each class in its colour with its area (AUC or AP) in the legend.
import {
  drawAxisTitles,
  drawDiagonal,
  drawLegend,
  drawPlaceholder,
  drawUnitAxes,
  ensureFrame,
  formatFixed,
  layer,
  unitSquare,
  type Frame,
  type LegendItem,
} from './frame.ts';
import { CHANCE, type PlotSize } from './theme.ts';

export interface ClassCurve {
  /** The class name: the join key. */
  key: string;
  label: string;
  colour: string;
  /** ROC: false positive rate; precision/recall: recall. */
  x: number[];
  /** ROC: true positive rate; precision/recall: precision. */
  y: number[];
  /** AUC or average precision; null when undefined. */
  area: number | null;
}

export interface ClassCurvesData {
  kind: 'roc' | 'precision-recall';
  curves: ClassCurve[];
}

const MARGIN = { top: 12, right: 14, bottom: 40, left: 54 };
const AREA_DIGITS = 3;
const MAX_LEGEND_CLASSES = 12;

export function drawClassCurves(element: Element, data: ClassCurvesData, size: PlotSize): Frame {
  const roc = data.kind === 'roc';
  const frame = ensureFrame(element, {
    ...size,
    margin: MARGIN,
    title: roc ? 'One-vs-rest ROC curves per class' : 'Precision/recall curves per class (one-vs-rest)',
  });
  const { plot } = frame;
  const scales = unitSquare(frame, roc ? 1 : 1.02);
  const { x, y } = scales;
  const drawn = data.curves.filter((c) => c.x.length > 1 && c.x.length === c.y.length);

  drawDiagonal(plot, 'chance', 'chance-line', scales, Boolean(roc && drawn.length));

  const toPath = (curve: ClassCurve) => {
    let d = '';
    for (let i = 0; i < curve.x.length; i++) d += `${i === 0 ? 'M' : 'L'}${x(curve.x[i]).toFixed(2)},${y(curve.y[i]).toFixed(2)}`;
    return d;
  };
  layer(plot, 'curves')
    .selectAll<SVGPathElement, ClassCurve>('path.class-curve')
    .data(drawn, (d) => d.key)
    .join('path')
    .attr('class', 'class-curve')
    .attr('data-class', (d) => d.key)
    .attr('data-points', (d) => d.x.length)
    .attr('d', toPath)
    .attr('fill', 'none')
    .attr('stroke', (d) => d.colour)
    .attr('stroke-width', 1.8)
    .attr('stroke-linejoin', 'round');

  drawUnitAxes(frame, scales);
  drawAxisTitles(
    frame,
    roc ? { x: 'False positive rate (rest accepted)', y: 'True positive rate (recall)' } : { x: 'Recall', y: 'Precision' },
  );
  // Many classes: a legend of every class would cover the plot; the report's table lists them all.
  const listed = data.curves.length > MAX_LEGEND_CLASSES ? data.curves.slice(0, MAX_LEGEND_CLASSES - 1) : data.curves;
  const legend: LegendItem[] = listed.map((c) => ({
    key: c.key,
    label: `${c.label}, ${roc ? 'AUC' : 'AP'} = ${formatFixed(c.area, AREA_DIGITS)}`,
    colour: c.colour,
    symbol: 'line' as const,
  }));
  if (listed.length < data.curves.length) {
    legend.push({ key: '\u0000more', label: `… ${data.curves.length - listed.length} more classes`, colour: 'none', symbol: 'dot' });
  }
  if (roc) legend.push({ key: 'chance', label: 'chance, AUC = 0.5', colour: CHANCE, symbol: 'dashed' });
  drawLegend(frame, drawn.length ? legend : [], roc ? 'bottom-right' : 'bottom-left');
  drawPlaceholder(frame, drawn.length ? null : 'No scored events yet');
  return frame;
}
