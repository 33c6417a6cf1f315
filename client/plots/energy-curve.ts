// A figure against true energy: one marker per energy bin at the bin's log centre, a horizontal bar over the
// bin's width, a vertical error bar where an interval is known, one series per model. Log energy axis.
import { axisBottom, axisLeft, line, scaleLinear, scaleLog } from 'd3';
import { drawAxis, drawAxisTitles, drawGrid, drawLegend, drawPlaceholder, ensureFrame, layer, type Frame } from './frame.ts';
import type { PlotSize } from './theme.ts';

export interface EnergyPoint {
  minTeV: number;
  maxTeV: number;
  /** Null where the figure is undefined in the bin (too few events, no hadron passing, ...). */
  value: number | null;
  lower?: number | null;
  upper?: number | null;
}

export interface EnergySeries {
  /** Key of the join: a series keeps its nodes across redraws. */
  key: string;
  label: string;
  colour: string;
  points: EnergyPoint[];
}

export interface EnergyCurveData {
  title: string;
  yTitle: string;
  series: EnergySeries[];
  /** Fixed y range (efficiencies, cuts); from the data when omitted. */
  yDomain?: [number, number];
}

const MARGIN = { top: 12, right: 14, bottom: 40, left: 58 };

export function drawEnergyCurve(element: Element, data: EnergyCurveData, size: PlotSize): Frame {
  const frame = ensureFrame(element, { ...size, margin: MARGIN, title: data.title });
  const { plot, innerWidth, innerHeight } = frame;
  const all = data.series.flatMap((s) => s.points);
  const defined = all.filter((p) => p.value !== null && Number.isFinite(p.value));
  const minTeV = all.length ? Math.min(...all.map((p) => p.minTeV)) : 1;
  const maxTeV = all.length ? Math.max(...all.map((p) => p.maxTeV)) : 100;
  const x = scaleLog().domain([minTeV, maxTeV]).range([0, innerWidth]);
  const values = defined.flatMap((p) => [p.value!, p.lower ?? p.value!, p.upper ?? p.value!]);
  let domain: [number, number] = data.yDomain ?? (values.length ? [Math.min(...values), Math.max(...values)] : [0, 1]);
  if (!data.yDomain) {
    const pad = (domain[1] - domain[0]) * 0.08 || Math.abs(domain[0]) * 0.05 || 0.05;
    domain = [domain[0] - pad, domain[1] + pad];
  }
  const y = scaleLinear().domain(domain).range([innerHeight, 0]).nice();
  const xTicks = x.ticks(6).filter((t) => Number.isInteger(Math.log10(t)) || [2, 5].includes(t / 10 ** Math.floor(Math.log10(t))));
  drawGrid(plot, 'grid', [
    ...xTicks.map((t) => ({ key: `x${t}`, x1: x(t), x2: x(t), y1: 0, y2: innerHeight })),
    ...y.ticks(5).map((t) => ({ key: `y${t}`, x1: 0, x2: innerWidth, y1: y(t), y2: y(t) })),
  ]);

  const centre = (p: EnergyPoint) => Math.sqrt(p.minTeV * p.maxTeV);
  const path = line<EnergyPoint>()
    .defined((p) => p.value !== null && Number.isFinite(p.value))
    .x((p) => x(centre(p)))
    .y((p) => y(p.value!));
  const series = layer(plot, 'series')
    .selectAll<SVGGElement, EnergySeries>('g.energy-series')
    .data(data.series, (s) => s.key)
    .join((enter) => {
      const g = enter.append('g').attr('class', 'energy-series');
      g.append('path').attr('class', 'energy-line');
      return g;
    })
    .attr('data-key', (s) => s.key);
  series
    .select('path.energy-line')
    .attr('d', (s) => path(s.points) ?? '')
    .attr('fill', 'none')
    .attr('stroke', (s) => s.colour)
    .attr('stroke-width', 1.5)
    .attr('stroke-opacity', 0.6);
  const points = series
    .selectAll<SVGGElement, EnergyPoint & { colour: string }>('g.energy-point')
    .data(
      (s) => s.points.filter((p) => p.value !== null && Number.isFinite(p.value)).map((p) => ({ ...p, colour: s.colour })),
      (p) => `${p.minTeV}`,
    )
    .join((enter) => {
      const g = enter.append('g').attr('class', 'energy-point');
      g.append('line').attr('class', 'bin-width');
      g.append('line').attr('class', 'error-bar');
      g.append('circle').attr('class', 'marker');
      return g;
    })
    .attr('data-value', (p) => String(p.value));
  points
    .select('line.bin-width')
    .attr('x1', (p) => x(p.minTeV))
    .attr('x2', (p) => x(p.maxTeV))
    .attr('y1', (p) => y(p.value!))
    .attr('y2', (p) => y(p.value!))
    .attr('stroke', (p) => p.colour)
    .attr('stroke-width', 1.2);
  points
    .select('line.error-bar')
    .attr('x1', (p) => x(centre(p)))
    .attr('x2', (p) => x(centre(p)))
    .attr('y1', (p) => y(p.lower ?? p.value!))
    .attr('y2', (p) => y(p.upper ?? p.value!))
    .attr('stroke', (p) => p.colour)
    .attr('stroke-width', 1.5)
    .attr('display', (p) => (p.lower != null && p.upper != null ? null : 'none'));
  points
    .select('circle.marker')
    .attr('cx', (p) => x(centre(p)))
    .attr('cy', (p) => y(p.value!))
    .attr('r', 3.5)
    .attr('fill', (p) => p.colour);

  drawAxis(plot, 'x-axis', axisBottom(x).tickValues(xTicks).tickFormat((t) => String(t)), `translate(0,${innerHeight})`);
  drawAxis(plot, 'y-axis', axisLeft(y).ticks(5), 'translate(0,0)');
  drawAxisTitles(frame, { x: 'True energy (TeV, log scale)', y: data.yTitle });
  drawLegend(
    frame,
    defined.length && data.series.length > 1 ? data.series.map((s) => ({ key: s.key, label: s.label, colour: s.colour, symbol: 'line' as const })) : [],
    'bottom-right',
  );
  drawPlaceholder(frame, defined.length ? null : all.length ? 'Not defined in any bin yet' : 'Run several energy bins to see this');
  return frame;
}
