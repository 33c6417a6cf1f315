import { customElement } from 'lit/decorators.js';
import { drawMulticlassConfusion, type MulticlassConfusionData } from '../plots/multiclass-confusion.ts';
import type { PlotSize } from '../plots/theme.ts';
import { PlotElement } from './plot-element.ts';

const EMPTY: MulticlassConfusionData = { classes: [], counts: [], rates: [] };

/** The N x N confusion matrix (argmax predictions) as a heat map. */
@customElement('astri-multiclass-confusion-plot')
export class AstriMulticlassConfusionPlot extends PlotElement<MulticlassConfusionData> {
  constructor() {
    super();
    this.aspect = 0.9;
  }

  protected override drawPlot(container: HTMLElement, data: MulticlassConfusionData | null, size: PlotSize): void {
    drawMulticlassConfusion(container, data ?? EMPTY, size);
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'astri-multiclass-confusion-plot': AstriMulticlassConfusionPlot;
  }
}
