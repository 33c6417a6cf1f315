import { customElement } from 'lit/decorators.js';
import { drawConfusionMatrix, type ConfusionMatrixData } from '../plots/confusion-matrix.ts';
import type { PlotSize } from '../plots/theme.ts';
import { PlotElement } from './plot-element.ts';

const EMPTY: ConfusionMatrixData = { threshold: 0.9, truePositive: 0, falsePositive: 0, trueNegative: 0, falseNegative: 0 };

/** The confusion matrix at the current threshold. */
@customElement('astri-confusion-plot')
export class AstriConfusionPlot extends PlotElement<ConfusionMatrixData> {
  protected override drawPlot(container: HTMLElement, data: ConfusionMatrixData | null, size: PlotSize): void {
    drawConfusionMatrix(container, data ?? EMPTY, size);
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'astri-confusion-plot': AstriConfusionPlot;
  }
}
