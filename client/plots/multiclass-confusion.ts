// The N x N confusion matrix as a heat map in scikit-learn's layout (rows true class, columns predicted),
// each cell with its count and its share of the true class; shaded by that row-normalised rate in viridis.
import { interpolateViridis, rgb } from 'd3';
import { drawPlaceholder, ensureFrame, layer, singleton, type Frame } from './frame.ts';
import { INK, MUTED_INK, type ClassView, type PlotSize } from './theme.ts';

export interface MulticlassConfusionData {
  classes: ClassView[];
  /** counts[t][p]: events of true class t predicted as p. */
  counts: number[][];
  /** Row-normalised counts (each row sums to 1, or is all 0). */
  rates: number[][];
}

interface Cell {
  key: string;
  row: number;
  column: number;
  count: number;
  rate: number;
}

const MARGIN = { top: 46, right: 12, bottom: 10, left: 96 };
const EMPTY_FILL = '#f3f5f7';

export function drawMulticlassConfusion(element: Element, data: MulticlassConfusionData, size: PlotSize): Frame {
  const n = data.classes.length;
  const frame = ensureFrame(element, { ...size, margin: MARGIN, title: `Confusion matrix of ${n} classes (rows true, columns predicted)` });
  const { plot, innerWidth, innerHeight } = frame;
  const rowTotals = data.counts.map((row) => row.reduce((sum, count) => sum + count, 0));
  const hasData = rowTotals.some((total) => total > 0);
  const cells: Cell[] = data.classes.flatMap((trueClass, t) =>
    data.classes.map((predicted, p) => ({
      key: `${trueClass.name}\u0000${predicted.name}`,
      row: t,
      column: p,
      count: data.counts[t]?.[p] ?? 0,
      rate: data.rates[t]?.[p] ?? 0,
    })),
  );

  const side = Math.min(innerWidth, innerHeight);
  const cellSize = n > 0 ? side / n : side;
  const offsetX = Math.max(0, (innerWidth - side) / 2);
  const grid = layer(plot, 'cells').attr('transform', `translate(${offsetX},0)`);
  const gap = n > 8 ? 1 : 2;
  // Counts and rates only where they fit; the cell's <title> always carries both.
  const showRate = cellSize >= 44;
  const showCount = cellSize >= 18;
  const fontSize = Math.max(9, Math.min(18, cellSize / 4));

  grid
    .selectAll<SVGGElement, Cell>('g.cell')
    .data(cells, (d) => d.key)
    .join((enter) => {
      const g = enter.append('g').attr('class', 'cell');
      g.append('title');
      g.append('rect');
      g.append('text').attr('class', 'count');
      g.append('text').attr('class', 'rate');
      return g;
    })
    .attr('data-true', (d) => data.classes[d.row].name)
    .attr('data-predicted', (d) => data.classes[d.column].name)
    .attr('data-count', (d) => d.count)
    .attr('data-rate', (d) => d.rate)
    .attr('transform', (d) => `translate(${d.column * cellSize},${d.row * cellSize})`)
    .call((g) =>
      g
        .select('title')
        .text((d) => `true ${data.classes[d.row].name}, predicted ${data.classes[d.column].name}: ${d.count} (${(100 * d.rate).toFixed(1)} % of true ${data.classes[d.row].name})`),
    )
    .call((g) =>
      g
        .select('rect')
        .attr('x', gap / 2)
        .attr('y', gap / 2)
        .attr('width', Math.max(0, cellSize - gap))
        .attr('height', Math.max(0, cellSize - gap))
        .attr('fill', (d) => (hasData && rowTotals[d.row] > 0 ? interpolateViridis(d.rate) : EMPTY_FILL)),
    )
    .call((g) =>
      g
        .select('text.count')
        .attr('x', cellSize / 2)
        .attr('y', cellSize / 2 + (showRate ? -2 : fontSize / 3))
        .attr('text-anchor', 'middle')
        .attr('font-size', fontSize)
        .attr('font-weight', 600)
        .attr('fill', (d) => textColour(d.rate, hasData && rowTotals[d.row] > 0))
        .text((d) => (hasData && showCount ? String(d.count) : '')),
    )
    .call((g) =>
      g
        .select('text.rate')
        .attr('x', cellSize / 2)
        .attr('y', cellSize / 2 + fontSize * 0.9)
        .attr('text-anchor', 'middle')
        .attr('font-size', Math.max(9, fontSize * 0.65))
        .attr('fill', (d) => textColour(d.rate, hasData && rowTotals[d.row] > 0))
        .text((d) => (hasData && showRate ? `${(100 * d.rate).toFixed(1)} %` : '')),
    );

  const labels = data.classes.map((c, i) => ({ ...c, index: i, total: rowTotals[i] ?? 0 }));
  // Column labels are slanted only when the longest would not fit over its column (about 6 px a character).
  const rotate = labels.some((c) => Math.min(c.label.length, 16) * 6.2 > cellSize - 4);
  grid
    .selectAll<SVGGElement, (typeof labels)[number]>('g.column-label')
    .data(labels, (d) => d.name)
    .join((enter) => {
      const g = enter.append('g').attr('class', 'column-label');
      g.append('rect').attr('class', 'swatch');
      g.append('text');
      return g;
    })
    .attr('transform', (d) => `translate(${d.index * cellSize + cellSize / 2},-6)`)
    .call((g) =>
      g
        .select('rect.swatch')
        .attr('x', -cellSize / 2 + gap)
        .attr('y', 0)
        .attr('width', Math.max(0, cellSize - 2 * gap))
        .attr('height', 3)
        .attr('fill', (d) => d.colour),
    )
    .call((g) =>
      g
        .select('text')
        .attr('y', -4)
        .attr('text-anchor', rotate ? 'start' : 'middle')
        .attr('transform', rotate ? 'rotate(-35)' : null)
        .attr('fill', INK)
        .text((d) => truncate(d.label, rotate ? 12 : 16)),
    );
  singleton(grid, 'text', 'column-title')
    .attr('x', side / 2)
    .attr('y', -MARGIN.top + 10)
    .attr('text-anchor', 'middle')
    .attr('fill', MUTED_INK)
    .text('Predicted class');

  grid
    .selectAll<SVGGElement, (typeof labels)[number]>('g.row-label')
    .data(labels, (d) => d.name)
    .join((enter) => {
      const g = enter.append('g').attr('class', 'row-label');
      g.append('rect').attr('class', 'swatch');
      g.append('text').attr('class', 'name');
      g.append('text').attr('class', 'total');
      return g;
    })
    .attr('transform', (d) => `translate(-6,${d.index * cellSize + cellSize / 2})`)
    .call((g) =>
      g
        .select('rect.swatch')
        .attr('x', -3)
        .attr('y', -cellSize / 2 + gap)
        .attr('width', 3)
        .attr('height', Math.max(0, cellSize - 2 * gap))
        .attr('fill', (d) => d.colour),
    )
    .call((g) =>
      g
        .select('text.name')
        .attr('x', -8)
        .attr('dy', cellSize >= 30 ? '-0.2em' : '0.35em')
        .attr('text-anchor', 'end')
        .attr('fill', INK)
        .text((d) => truncate(d.label, 14)),
    )
    .call((g) =>
      g
        .select('text.total')
        .attr('x', -8)
        .attr('dy', '1.1em')
        .attr('text-anchor', 'end')
        .attr('fill', MUTED_INK)
        .text((d) => (cellSize >= 30 ? `n = ${d.total}` : '')),
    );
  singleton(grid, 'text', 'row-title')
    .attr('transform', `translate(${-MARGIN.left + 12},${side / 2}) rotate(-90)`)
    .attr('text-anchor', 'middle')
    .attr('fill', MUTED_INK)
    .text('True class');

  drawPlaceholder(frame, n === 0 ? 'No classes' : null);
  return frame;
}

/** White on the dark (low) end of viridis, ink on the light end. */
function textColour(rate: number, shaded: boolean): string {
  if (!shaded) return INK;
  const { r, g, b } = rgb(interpolateViridis(rate));
  return 0.299 * r + 0.587 * g + 0.114 * b < 140 ? '#ffffff' : INK;
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
