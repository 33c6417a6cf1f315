import { customElement } from 'lit/decorators.js';
import { drawEnergyCurve, type EnergyCurveData } from '../plots/energy-curve.ts';
import type { PlotSize } from '../plots/theme.ts';
import { PlotElement } from './plot-element.ts';

const EMPTY: EnergyCurveData = { title: 'Against energy', yTitle: '', series: [] };

/** One figure of merit against true energy (log axis), with error bars and one series per model. */
@customElement('astri-energy-plot')
export class AstriEnergyPlot extends PlotElement<EnergyCurveData> {
  protected override drawPlot(container: HTMLElement, data: EnergyCurveData | null, size: PlotSize): void {
    drawEnergyCurve(container, data ?? EMPTY, size);
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'astri-energy-plot': AstriEnergyPlot;
  }
}
