// The confusion matrix at one gammaness threshold: rows are the true class, columns the predicted one,
// each cell shaded by the fraction of its true class so that the diagonal reads as efficiency.
import { interpolateBlues } from 'd3';
import { ensureFrame, formatFixed, layer, singleton, type Frame } from './frame.ts';
import { ASTRI_VOCABULARY, INK, MUTED_INK, type BinaryVocabulary, type PlotSize } from './theme.ts';

export interface ConfusionMatrixData {
  threshold: number;
  truePositive: number;
  falsePositive: number;
  trueNegative: number;
  falseNegative: number;
  /** Names and colours of the classes (positive = signal); ASTRI's by default. */
  vocabulary?: BinaryVocabulary;
}

interface Cell {
  key: 'truePositive' | 'falseNegative' | 'falsePositive' | 'trueNegative';
  row: 0 | 1;
  column: 0 | 1;
  count: number;
  /** The fraction of the cell's true class that landed in it. */
  rowFraction: number;
}

const MARGIN = { top: 40, right: 14, bottom: 16, left: 86 };

export function drawConfusionMatrix(element: Element, data: ConfusionMatrixData, size: PlotSize): Frame {
  const vocabulary = data.vocabulary ?? ASTRI_VOCABULARY;
  const { signal, background } = vocabulary;
  const frame = ensureFrame(element, {
    ...size,
    margin: MARGIN,
    title: `Confusion matrix at ${vocabulary.score === 'Gammaness' ? 'gammaness' : `${signal.name} score`} threshold ${formatFixed(data.threshold, 2)}`,
  });
  const { plot, innerWidth, innerHeight } = frame;
  const gammaTotal = data.truePositive + data.falseNegative;
  const protonTotal = data.falsePositive + data.trueNegative;
  const hasData = gammaTotal + protonTotal > 0;
  const fraction = (count: number, total: number) => (total > 0 ? count / total : 0);
  const cells: Cell[] = [
    { key: 'truePositive', row: 0, column: 0, count: data.truePositive, rowFraction: fraction(data.truePositive, gammaTotal) },
    { key: 'falseNegative', row: 0, column: 1, count: data.falseNegative, rowFraction: fraction(data.falseNegative, gammaTotal) },
    { key: 'falsePositive', row: 1, column: 0, count: data.falsePositive, rowFraction: fraction(data.falsePositive, protonTotal) },
    { key: 'trueNegative', row: 1, column: 1, count: data.trueNegative, rowFraction: fraction(data.trueNegative, protonTotal) },
  ];

  // Square cells, centred, as large as the area allows.
  const side = Math.min(innerWidth, innerHeight);
  const cellSize = side / 2;
  const offsetX = (innerWidth - side) / 2;
  const grid = layer(plot, 'cells').attr('transform', `translate(${offsetX},0)`);
  // The shading stops short of the darkest blue so that white text stays readable and the lightest cell stays visible.
  const shade = (f: number) => interpolateBlues(0.08 + 0.77 * f);
  const gap = 2;

  grid
    .selectAll<SVGGElement, Cell>('g.cell')
    .data(cells, (d) => d.key)
    .join((enter) => {
      const g = enter.append('g').attr('class', 'cell');
      g.append('rect');
      g.append('text').attr('class', 'count');
      g.append('text').attr('class', 'fraction');
      return g;
    })
    .attr('data-key', (d) => d.key)
    .attr('data-count', (d) => d.count)
    .attr('transform', (d) => `translate(${d.column * cellSize},${d.row * cellSize})`)
    .call((g) =>
      g
        .select('rect')
        .attr('x', gap / 2)
        .attr('y', gap / 2)
        .attr('width', cellSize - gap)
        .attr('height', cellSize - gap)
        .attr('fill', (d) => (hasData ? shade(d.rowFraction) : '#f3f5f7')),
    )
    .call((g) =>
      g
        .select('text.count')
        .attr('x', cellSize / 2)
        .attr('y', cellSize / 2 - 2)
        .attr('text-anchor', 'middle')
        .attr('font-size', Math.max(12, Math.min(22, cellSize / 6)))
        .attr('font-weight', 600)
        .attr('fill', (d) => textColour(d.rowFraction))
        .text((d) => (hasData ? String(d.count) : '–')),
    )
    .call((g) =>
      g
        .select('text.fraction')
        .attr('x', cellSize / 2)
        .attr('y', cellSize / 2 + 16)
        .attr('text-anchor', 'middle')
        .attr('fill', (d) => textColour(d.rowFraction))
        .text((d) => (hasData ? `${(100 * d.rowFraction).toFixed(1)} % of true ${d.row === 0 ? signal.short : background.short}` : '')),
    );

  const t = formatFixed(data.threshold, 2);
  const columnLabels = [
    { key: 'gamma-like', text: `${vocabulary.signalLike} (≥ ${t})`, colour: signal.colour },
    { key: 'hadron-like', text: `${vocabulary.backgroundLike} (< ${t})`, colour: background.colour },
  ];
  grid
    .selectAll<SVGTextElement, (typeof columnLabels)[number]>('text.column-label')
    .data(columnLabels, (d) => d.key)
    .join('text')
    .attr('class', 'column-label')
    .attr('x', (_, i) => i * cellSize + cellSize / 2)
    .attr('y', -8)
    .attr('text-anchor', 'middle')
    .attr('fill', INK)
    .text((d) => d.text);
  singleton(grid, 'text', 'column-title')
    .attr('x', cellSize)
    .attr('y', -26)
    .attr('text-anchor', 'middle')
    .attr('fill', MUTED_INK)
    .text('Predicted class');

  const rowLabels = [
    { key: 'gamma', text: signal.label, total: gammaTotal, colour: signal.colour },
    { key: 'proton', text: background.label, total: protonTotal, colour: background.colour },
  ];
  grid
    .selectAll<SVGGElement, (typeof rowLabels)[number]>('g.row-label')
    .data(rowLabels, (d) => d.key)
    .join((enter) => {
      const g = enter.append('g').attr('class', 'row-label');
      g.append('rect').attr('class', 'swatch');
      g.append('text').attr('class', 'name');
      g.append('text').attr('class', 'total');
      return g;
    })
    .attr('transform', (_, i) => `translate(-8,${i * cellSize + cellSize / 2})`)
    .call((g) =>
      g
        .select('rect.swatch')
        .attr('x', -3)
        .attr('y', -cellSize / 2 + gap)
        .attr('width', 3)
        .attr('height', cellSize - 2 * gap)
        .attr('fill', (d) => d.colour),
    )
    .call((g) =>
      g.select('text.name').attr('x', -8).attr('dy', '-0.2em').attr('text-anchor', 'end').attr('fill', INK).text((d) => d.text),
    )
    .call((g) =>
      g
        .select('text.total')
        .attr('x', -8)
        .attr('dy', '1.1em')
        .attr('text-anchor', 'end')
        .attr('fill', MUTED_INK)
        .text((d) => `n = ${d.total}`),
    );
  singleton(grid, 'text', 'row-title')
    .attr('transform', `translate(${-MARGIN.left + 12},${cellSize}) rotate(-90)`)
    .attr('text-anchor', 'middle')
    .attr('fill', MUTED_INK)
    .text('True class');

  return frame;
}

function textColour(rowFraction: number): string {
  return rowFraction > 0.55 ? '#ffffff' : INK;
}
