import { customElement } from 'lit/decorators.js';
import { drawRocCurve, type RocCurveData } from '../plots/roc-curve.ts';
import type { PlotSize } from '../plots/theme.ts';
import { PlotElement } from './plot-element.ts';

const EMPTY: RocCurveData = { fpr: [], tpr: [], auc: null, operatingPoint: null };

/** The ROC curve with its AUC. */
@customElement('astri-roc-plot')
export class AstriRocPlot extends PlotElement<RocCurveData> {
  protected override drawPlot(container: HTMLElement, data: RocCurveData | null, size: PlotSize): void {
    drawRocCurve(container, data ?? EMPTY, size);
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'astri-roc-plot': AstriRocPlot;
  }
}
