import { customElement } from 'lit/decorators.js';
import { drawPrecisionRecall, type PrecisionRecallData } from '../plots/precision-recall.ts';
import type { PlotSize } from '../plots/theme.ts';
import { PlotElement } from './plot-element.ts';

const EMPTY: PrecisionRecallData = { precision: [], recall: [], averagePrecision: null, baseline: null, operatingPoint: null };

/** The precision/recall curve with its average precision. */
@customElement('astri-pr-plot')
export class AstriPrPlot extends PlotElement<PrecisionRecallData> {
  protected override drawPlot(container: HTMLElement, data: PrecisionRecallData | null, size: PlotSize): void {
    drawPrecisionRecall(container, data ?? EMPTY, size);
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'astri-pr-plot': AstriPrPlot;
  }
}
