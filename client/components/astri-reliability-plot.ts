import { customElement } from 'lit/decorators.js';
import { drawReliabilityDiagram, type ReliabilityData } from '../plots/reliability-diagram.ts';
import type { PlotSize } from '../plots/theme.ts';
import { PlotElement } from './plot-element.ts';

const EMPTY: ReliabilityData = { bins: [], brierScore: null };

/** The reliability diagram of a binary run, with its Brier score. */
@customElement('astri-reliability-plot')
export class AstriReliabilityPlot extends PlotElement<ReliabilityData> {
  protected override drawPlot(container: HTMLElement, data: ReliabilityData | null, size: PlotSize): void {
    drawReliabilityDiagram(container, data ?? EMPTY, size);
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'astri-reliability-plot': AstriReliabilityPlot;
  }
}
