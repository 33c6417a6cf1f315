// Gamma/hadron separation: the gammaness histograms of both classes overlaid, counts on a log scale. The
// same plot shows any binary score (a vocabulary names the classes), and one class against the rest.
import { axisBottom, axisLeft, scaleLinear, scaleLog } from 'd3';
import {
  drawAxis,
  drawAxisTitles,
  drawGrid,
  drawLegend,
  drawPlaceholder,
  ensureFrame,
  layer,
  singleton,
  formatFixed,
  type Frame,
} from './frame.ts';
import { ASTRI_VOCABULARY, INK, type BinaryVocabulary, type PlotSize } from './theme.ts';

export interface SeparationHistogramData {
  /** Bin edges in gammaness, length = counts + 1, ascending. */
  edges: number[];
  gamma: number[];
  proton: number[];
  /** Where the threshold line is drawn; null draws none. */
  threshold: number | null;
  /** Names and colours of the two series (gamma = signal, proton = background); ASTRI's by default. */
  vocabulary?: BinaryVocabulary;
}

interface Series {
  key: string;
  label: string;
  colour: string;
  counts: number[];
  total: number;
}

const MARGIN = { top: 12, right: 14, bottom: 40, left: 54 };
/** Log scales cannot show 0: empty bins sit on this floor, below the first whole event. */
const LOG_FLOOR = 0.7;

export function drawSeparationHistogram(element: Element, data: SeparationHistogramData, size: PlotSize): Frame {
  const vocabulary = data.vocabulary ?? ASTRI_VOCABULARY;
  const { signal, background } = vocabulary;
  const frame = ensureFrame(element, {
    ...size,
    margin: MARGIN,
    title: `${vocabulary.score} distribution of ${signal.name} and ${background.name} events`,
  });
  const { plot, innerWidth, innerHeight } = frame;
  const series: Series[] = [
    { key: signal.name, label: signal.label, colour: signal.colour, counts: data.gamma },
    { key: background.name, label: background.label, colour: background.colour, counts: data.proton },
  ].map((s) => ({ ...s, total: s.counts.reduce((sum, count) => sum + count, 0) }));
  const hasData = series.some((s) => s.total > 0) && data.edges.length > 1;
  const maxCount = Math.max(1, ...series.flatMap((s) => s.counts));

  const lo = data.edges.length ? data.edges[0] : 0;
  const hi = data.edges.length ? data.edges[data.edges.length - 1] : 1;
  const x = scaleLinear().domain([lo, hi]).range([0, innerWidth]);
  // Headroom above the tallest bin keeps the legend clear of the bars.
  const y = scaleLog().domain([LOG_FLOOR, maxCount * 3]).range([innerHeight, 0]).clamp(true);

  const decades = y.ticks().filter((tick) => Number.isInteger(Math.log10(tick)));
  drawGrid(
    plot,
    'grid',
    decades.map((tick) => ({ key: String(tick), x1: 0, x2: innerWidth, y1: y(tick), y2: y(tick) })),
  );

  const areas = layer(plot, 'series');
  areas
    .selectAll<SVGGElement, Series>('g.class-series')
    .data(hasData ? series : [], (d) => d.key)
    .join((enter) => {
      const g = enter.append('g').attr('class', 'class-series');
      g.append('path').attr('class', 'fill');
      g.append('path').attr('class', 'outline');
      return g;
    })
    .attr('data-class', (d) => d.key)
    .attr('data-total', (d) => d.total)
    .call((g) =>
      g
        .select('path.fill')
        .attr('d', (d) => stepPath(data.edges, d.counts, x, y, true))
        .attr('fill', (d) => d.colour)
        .attr('fill-opacity', 0.18)
        .attr('stroke', 'none'),
    )
    .call((g) =>
      g
        .select('path.outline')
        .attr('d', (d) => stepPath(data.edges, d.counts, x, y, false))
        .attr('fill', 'none')
        .attr('stroke', (d) => d.colour)
        .attr('stroke-width', 1.6)
        .attr('stroke-linejoin', 'miter'),
    );

  const thresholdLayer = layer(plot, 'threshold');
  const thresholds = data.threshold === null || !hasData ? [] : [data.threshold];
  thresholdLayer
    .selectAll<SVGGElement, number>('g.threshold-marker')
    .data(thresholds)
    .join((enter) => {
      const g = enter.append('g').attr('class', 'threshold-marker');
      g.append('line');
      g.append('text');
      return g;
    })
    .attr('transform', (t) => `translate(${x(t)},0)`)
    .call((g) =>
      g
        .select('line')
        .attr('y1', 0)
        .attr('y2', innerHeight)
        .attr('stroke', INK)
        .attr('stroke-width', 1)
        .attr('stroke-dasharray', '3 3'),
    )
    .call((g) =>
      g
        .select('text')
        .attr('x', -4)
        .attr('y', 10)
        .attr('text-anchor', 'end')
        .attr('fill', INK)
        .text((t) => `cut ${formatFixed(t, 2)}`),
    );

  drawAxis(plot, 'x-axis', axisBottom(x).ticks(Math.max(2, Math.floor(innerWidth / 70))), `translate(0,${innerHeight})`);
  drawAxis(
    plot,
    'y-axis',
    axisLeft(y).tickValues(decades).tickFormat((tick) => formatCount(Number(tick))),
    'translate(0,0)',
  );
  drawAxisTitles(frame, {
    x: vocabulary.score === 'Gammaness' ? 'Gammaness (model score)' : vocabulary.score,
    y: 'Events per bin (log scale)',
  });
  drawLegend(
    frame,
    hasData
      ? series.map((s) => ({
          key: s.key,
          label: `${s.label}  n = ${s.total}`,
          colour: s.colour,
          symbol: 'area' as const,
        }))
      : [],
    // Gammas pile up near 1 and protons near 0: the middle is where the legend hides the least.
    'top-center',
  );
  singleton(plot, 'rect', 'frame-border')
    .attr('width', innerWidth)
    .attr('height', innerHeight)
    .attr('fill', 'none')
    .attr('stroke', 'none');
  drawPlaceholder(frame, hasData ? null : 'No scored events yet');
  return frame;
}

/** The outline of a histogram as steps; `closed` returns it as an area down to the floor. */
function stepPath(
  edges: number[],
  counts: number[],
  x: (value: number) => number,
  y: (value: number) => number,
  closed: boolean,
): string {
  if (counts.length === 0) return '';
  const floor = y(LOG_FLOOR);
  const level = (count: number) => (count > 0 ? y(count) : floor);
  const points: string[] = [`M${x(edges[0])},${floor}`];
  for (let i = 0; i < counts.length; i += 1) {
    const top = level(counts[i]);
    points.push(`L${x(edges[i])},${top}`, `L${x(edges[i + 1])},${top}`);
  }
  points.push(`L${x(edges[counts.length])},${floor}`);
  if (closed) points.push('Z');
  return points.join('');
}

function formatCount(value: number): string {
  return value >= 1000 ? `${value / 1000}k` : String(value);
}
