// The reliability diagram of a binary run: in each bin of the predicted score, the fraction of events that are
// of the signal class against their mean score, on the unit square with the diagonal of a calibrated score;
// the Brier score in the legend.
import type { ReliabilityBin } from '../../server/metrics/index.ts';
import { drawAxisTitles, drawCurve, drawDiagonal, drawLegend, drawPlaceholder, drawUnitAxes, ensureFrame, formatFixed, layer, unitSquare, type Frame } from './frame.ts';
import { ASTRI_VOCABULARY, CHANCE, type BinaryVocabulary, type PlotSize } from './theme.ts';

export interface ReliabilityData {
  /** Non-empty bins, lowest score first. */
  bins: ReliabilityBin[];
  brierScore: number | null;
  vocabulary?: BinaryVocabulary;
}

const MARGIN = { top: 12, right: 14, bottom: 40, left: 54 };

export function drawReliabilityDiagram(element: Element, data: ReliabilityData, size: PlotSize): Frame {
  const vocabulary = data.vocabulary ?? ASTRI_VOCABULARY;
  const colour = vocabulary.signal.colour;
  const frame = ensureFrame(element, { ...size, margin: MARGIN, title: 'Reliability diagram' });
  const { plot } = frame;
  const scales = unitSquare(frame);
  const { x, y } = scales;
  drawDiagonal(plot, 'diagonal', 'calibrated', scales);
  const hasData = data.bins.length > 0;
  drawCurve(plot, 'reliability-line', hasData ? data.bins.map((bin) => [bin.meanScore, bin.fractionPositive] as [number, number]) : null, x, y, colour);
  const largest = Math.max(1, ...data.bins.map((bin) => bin.count));
  layer(plot, 'reliability-points')
    .selectAll<SVGCircleElement, ReliabilityBin>('circle.reliability-bin')
    .data(data.bins, (bin) => String(bin.lower))
    .join('circle')
    .attr('class', 'reliability-bin')
    .attr('data-count', (bin) => bin.count)
    .attr('cx', (bin) => x(bin.meanScore))
    .attr('cy', (bin) => y(bin.fractionPositive))
    // Area grows with the events in the bin, so sparse bins do not draw the eye.
    .attr('r', (bin) => 2.5 + 5 * Math.sqrt(bin.count / largest))
    .attr('fill', '#ffffff')
    .attr('stroke', colour)
    .attr('stroke-width', 2);
  drawUnitAxes(frame, scales);
  drawAxisTitles(frame, { x: `Mean predicted ${vocabulary.score.toLowerCase()} in the bin`, y: `Fraction of ${vocabulary.signal.name} events` });
  drawLegend(
    frame,
    hasData
      ? [
          { key: 'reliability', label: `${vocabulary.score}, Brier = ${formatFixed(data.brierScore, 4)}`, colour, symbol: 'line' },
          { key: 'calibrated', label: 'perfectly calibrated', colour: CHANCE, symbol: 'dashed' },
        ]
      : [],
    'top-left',
  );
  drawPlaceholder(frame, hasData ? null : 'No scored events yet');
  return frame;
}
