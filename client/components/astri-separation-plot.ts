import { customElement } from 'lit/decorators.js';
import { drawSeparationHistogram, type SeparationHistogramData } from '../plots/separation-histogram.ts';
import type { PlotSize } from '../plots/theme.ts';
import { PlotElement } from './plot-element.ts';

const EMPTY: SeparationHistogramData = { edges: [], gamma: [], proton: [], threshold: null };

/** Gammaness histograms of both classes, log-scale counts. */
@customElement('astri-separation-plot')
export class AstriSeparationPlot extends PlotElement<SeparationHistogramData> {
  protected override drawPlot(container: HTMLElement, data: SeparationHistogramData | null, size: PlotSize): void {
    drawSeparationHistogram(container, data ?? EMPTY, size);
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'astri-separation-plot': AstriSeparationPlot;
  }
}
