import { customElement } from 'lit/decorators.js';
import { drawClassCurves, type ClassCurvesData } from '../plots/class-curves.ts';
import type { PlotSize } from '../plots/theme.ts';
import { PlotElement } from './plot-element.ts';

const EMPTY: ClassCurvesData = { kind: 'roc', curves: [] };

/** One-vs-rest ROC or precision/recall curves, one per class. */
@customElement('astri-class-curves-plot')
export class AstriClassCurvesPlot extends PlotElement<ClassCurvesData> {
  protected override drawPlot(container: HTMLElement, data: ClassCurvesData | null, size: PlotSize): void {
    drawClassCurves(container, data ?? EMPTY, size);
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'astri-class-curves-plot': AstriClassCurvesPlot;
  }
}
