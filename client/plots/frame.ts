// The skeleton every plot shares: one <svg> per host element, named layers, axes, axis titles and a legend,
// all created by joining on a single datum so that a redraw updates nodes instead of rebuilding them.
import { axisBottom, axisLeft, line, scaleLinear, select, type Axis, type AxisDomain, type ScaleLinear, type Selection } from 'd3';
import { CHANCE, FONT_FAMILY, FONT_SIZE_PX, GRID, INK, MUTED_INK, type PlotSize } from './theme.ts';

export interface Margin {
  top: number;
  right: number;
  bottom: number;
  left: number;
}

export type AnySelection<E extends Element = Element> = Selection<E, unknown, null, undefined>;

export interface Frame {
  svg: AnySelection<SVGSVGElement>;
  /** The plotting area, translated by the margins. */
  plot: AnySelection<SVGGElement>;
  innerWidth: number;
  innerHeight: number;
  margin: Margin;
}

export interface FrameOptions extends PlotSize {
  margin: Margin;
  /** Accessible name of the figure (read by screen readers and kept in exported files as <title>). */
  title: string;
}

/** Creates the <svg> inside `element` on first use and sizes it; later calls reuse the same nodes. */
export function ensureFrame(element: Element, options: FrameOptions): Frame {
  const { width, height, margin, title } = options;
  const svg = select(element)
    .selectAll<SVGSVGElement, null>('svg.astri-plot')
    .data([null])
    .join((enter) =>
      enter
        .append('svg')
        .attr('class', 'astri-plot')
        .attr('xmlns', 'http://www.w3.org/2000/svg')
        .attr('role', 'img'),
    )
    .attr('width', width)
    .attr('height', height)
    .attr('viewBox', `0 0 ${width} ${height}`)
    .attr('font-family', FONT_FAMILY)
    .attr('font-size', FONT_SIZE_PX)
    .attr('fill', INK)
    .attr('aria-label', title) as unknown as AnySelection<SVGSVGElement>;

  singleton(svg, 'title', 'astri-title').text(title);
  // A white backdrop, so that exported PNGs are not transparent.
  singleton(svg, 'rect', 'backdrop').attr('width', width).attr('height', height).attr('fill', '#ffffff');

  const plot = layer(svg, 'plot-area').attr('transform', `translate(${margin.left},${margin.top})`);
  return {
    svg,
    plot,
    innerWidth: Math.max(10, width - margin.left - margin.right),
    innerHeight: Math.max(10, height - margin.top - margin.bottom),
    margin,
  };
}

/** A child element joined on one datum: created once, then reused. */
export function singleton<K extends keyof SVGElementTagNameMap, P extends Element>(
  parent: AnySelection<P>,
  tag: K,
  className: string,
): AnySelection<SVGElementTagNameMap[K]> {
  return parent
    .selectChildren<SVGElementTagNameMap[K], null>(`${tag}.${className}`)
    .data([null])
    .join(tag)
    .attr('class', className) as unknown as AnySelection<SVGElementTagNameMap[K]>;
}

/** A named <g> layer: draw order is the order of first creation. */
export function layer<P extends Element>(parent: AnySelection<P>, className: string): AnySelection<SVGGElement> {
  return singleton(parent, 'g', className);
}

/** Draws an axis into its layer and restyles it with the plot's type and colours. */
export function drawAxis<D extends AxisDomain, P extends Element>(
  parent: AnySelection<P>,
  className: string,
  axis: Axis<D>,
  transform: string,
): AnySelection<SVGGElement> {
  const g = layer(parent, className).attr('transform', transform);
  g.call(axis as unknown as (selection: AnySelection<SVGGElement>) => void);
  g.attr('font-family', null).attr('font-size', FONT_SIZE_PX - 1);
  g.selectAll('.domain').attr('stroke', MUTED_INK);
  g.selectAll('.tick line').attr('stroke', MUTED_INK);
  g.selectAll('.tick text').attr('fill', MUTED_INK);
  return g;
}

/** Light grid lines at the given positions (fractions of the domain already scaled to pixels). */
export function drawGrid<P extends Element>(
  parent: AnySelection<P>,
  className: string,
  positions: { key: string; x1: number; x2: number; y1: number; y2: number }[],
): void {
  layer(parent, className)
    .selectAll<SVGLineElement, (typeof positions)[number]>('line')
    .data(positions, (d) => d.key)
    .join('line')
    .attr('x1', (d) => d.x1)
    .attr('x2', (d) => d.x2)
    .attr('y1', (d) => d.y1)
    .attr('y2', (d) => d.y2)
    .attr('stroke', GRID)
    .attr('stroke-width', 1)
    .attr('shape-rendering', 'crispEdges');
}

/** Ticks of the plots over rates and probabilities (ROC, precision/recall): every 0.2 from 0 to 1. */
const UNIT_TICKS = [0, 0.2, 0.4, 0.6, 0.8, 1];

export interface UnitScales {
  x: ScaleLinear<number, number>;
  y: ScaleLinear<number, number>;
}

/**
 * Scales from [0, 1] (y up to `yMax`) to the plotting area, and a grid line at every tick. Draw the curves
 * next, then drawUnitAxes, so that the axes lie over them.
 */
export function unitSquare(frame: Frame, yMax = 1): UnitScales {
  const { plot, innerWidth, innerHeight } = frame;
  const x = scaleLinear().domain([0, 1]).range([0, innerWidth]);
  const y = scaleLinear().domain([0, yMax]).range([innerHeight, 0]);
  drawGrid(plot, 'grid', [
    ...UNIT_TICKS.map((t) => ({ key: `x${t}`, x1: x(t), x2: x(t), y1: 0, y2: innerHeight })),
    ...UNIT_TICKS.map((t) => ({ key: `y${t}`, x1: 0, x2: innerWidth, y1: y(t), y2: y(t) })),
  ]);
  return { x, y };
}

/** The x and y axes of a unitSquare plot, ticked like its grid. */
export function drawUnitAxes(frame: Frame, { x, y }: UnitScales): void {
  drawAxis(frame.plot, 'x-axis', axisBottom(x).tickValues(UNIT_TICKS), `translate(0,${frame.innerHeight})`);
  drawAxis(frame.plot, 'y-axis', axisLeft(y).tickValues(UNIT_TICKS), 'translate(0,0)');
}

/** The dashed y = x line of a unitSquare plot (chance for ROC, perfect calibration for reliability), or none. */
export function drawDiagonal<P extends Element>(parent: AnySelection<P>, layerName: string, className: string, { x, y }: UnitScales, visible = true): void {
  layer(parent, layerName)
    .selectAll<SVGLineElement, null>(`line.${className}`)
    .data(visible ? [null] : [])
    .join('line')
    .attr('class', className)
    .attr('x1', x(0))
    .attr('y1', y(0))
    .attr('x2', x(1))
    .attr('y2', y(1))
    .attr('stroke', CHANCE)
    .attr('stroke-width', 1.2)
    .attr('stroke-dasharray', '5 4');
}

/** One curve through (x, y) points, joined so that a live update moves the path instead of replacing it. */
export function drawCurve<P extends Element>(
  parent: AnySelection<P>,
  className: string,
  points: [number, number][] | null,
  x: (value: number) => number,
  y: (value: number) => number,
  colour: string,
): void {
  const path = line<[number, number]>()
    .x((d) => x(d[0]))
    .y((d) => y(d[1]));
  layer(parent, 'curve')
    .selectAll<SVGPathElement, [number, number][]>(`path.${className}`)
    .data(points ? [points] : [])
    .join('path')
    .attr('class', className)
    .attr('d', (d) => path(d) ?? '')
    .attr('fill', 'none')
    .attr('stroke', colour)
    .attr('stroke-width', 2)
    .attr('stroke-linejoin', 'round')
    .attr('data-points', (d) => d.length);
}

export interface AxisTitles {
  x: string;
  y: string;
}

/** Axis titles, centred under the x axis and along the y axis. */
export function drawAxisTitles(frame: Frame, titles: AxisTitles): void {
  const { plot, innerWidth, innerHeight, margin } = frame;
  singleton(plot, 'text', 'x-title')
    .attr('x', innerWidth / 2)
    .attr('y', innerHeight + margin.bottom - 8)
    .attr('text-anchor', 'middle')
    .attr('fill', INK)
    .text(titles.x);
  singleton(plot, 'text', 'y-title')
    .attr('transform', `translate(${-margin.left + 14},${innerHeight / 2}) rotate(-90)`)
    .attr('text-anchor', 'middle')
    .attr('fill', INK)
    .text(titles.y);
}

export interface LegendItem {
  key: string;
  label: string;
  colour: string;
  /** line: a solid stroke; dashed: a dashed stroke; area: a filled swatch; dot: a marker. */
  symbol: 'line' | 'dashed' | 'area' | 'dot';
}

/** A boxed legend anchored at a corner of the plotting area. */
export function drawLegend(
  frame: Frame,
  items: LegendItem[],
  corner: 'top-right' | 'bottom-right' | 'top-left' | 'bottom-left' | 'top-center',
): void {
  const rowHeight = 16;
  const padding = 6;
  const swatch = 18;
  const legend = layer(frame.plot, 'legend');
  const rows = legend
    .selectAll<SVGGElement, LegendItem>('g.legend-item')
    .data(items, (d) => d.key)
    .join((enter) => {
      const g = enter.append('g').attr('class', 'legend-item');
      g.append('line').attr('class', 'legend-line');
      g.append('rect').attr('class', 'legend-area');
      g.append('circle').attr('class', 'legend-dot');
      g.append('text').attr('class', 'legend-label');
      return g;
    })
    .attr('data-key', (d) => d.key)
    .attr('transform', (_, i) => `translate(${padding},${padding + i * rowHeight + rowHeight / 2})`);
  rows
    .select('line.legend-line')
    .attr('x1', 0)
    .attr('x2', swatch)
    .attr('y1', 0)
    .attr('y2', 0)
    .attr('stroke', (d) => d.colour)
    .attr('stroke-width', 2)
    .attr('stroke-dasharray', (d) => (d.symbol === 'dashed' ? '4 3' : null))
    .attr('display', (d) => (d.symbol === 'line' || d.symbol === 'dashed' || d.symbol === 'area' ? null : 'none'));
  rows
    .select('rect.legend-area')
    .attr('x', 0)
    .attr('y', -5)
    .attr('width', swatch)
    .attr('height', 5)
    .attr('fill', (d) => d.colour)
    .attr('fill-opacity', 0.25)
    .attr('display', (d) => (d.symbol === 'area' ? null : 'none'));
  rows
    .select('circle.legend-dot')
    .attr('cx', swatch / 2)
    .attr('cy', 0)
    .attr('r', 4)
    .attr('fill', '#ffffff')
    .attr('stroke', (d) => d.colour)
    .attr('stroke-width', 2)
    .attr('display', (d) => (d.symbol === 'dot' ? null : 'none'));
  rows
    .select('text.legend-label')
    .attr('x', swatch + 6)
    .attr('dy', '0.35em')
    .attr('fill', INK)
    .text((d) => d.label);

  // Size the box from the longest label; character metrics are estimated so this also works without layout.
  const longest = items.reduce((max, item) => Math.max(max, item.label.length), 0);
  const boxWidth = padding * 2 + swatch + 6 + longest * 6.2;
  const boxHeight = padding * 2 + items.length * rowHeight;
  singleton(legend, 'rect', 'legend-box')
    .attr('width', boxWidth)
    .attr('height', boxHeight)
    .attr('fill', '#ffffff')
    .attr('fill-opacity', 0.9)
    .attr('stroke', CHANCE)
    .attr('stroke-width', 0.5)
    .attr('rx', 2)
    .attr('display', items.length ? null : 'none')
    .lower();
  const x =
    corner === 'top-center' ? (frame.innerWidth - boxWidth) / 2 : corner.endsWith('right') ? frame.innerWidth - boxWidth - 4 : 4;
  const y = corner.startsWith('top') ? 4 : frame.innerHeight - boxHeight - 4;
  legend.attr('transform', `translate(${x},${y})`).raise();
}

/** A centred note shown while a plot has no data; removed (via exit) once data arrives. */
export function drawPlaceholder(frame: Frame, message: string | null): void {
  frame.plot
    .selectAll<SVGTextElement, string>('text.placeholder')
    .data(message ? [message] : [])
    .join('text')
    .attr('class', 'placeholder')
    .attr('x', frame.innerWidth / 2)
    .attr('y', frame.innerHeight / 2)
    .attr('text-anchor', 'middle')
    .attr('fill', MUTED_INK)
    .text((d) => d);
}

export function formatFixed(value: number | null | undefined, digits: number): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '–' : value.toFixed(digits);
}
