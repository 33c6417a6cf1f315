// The base of the plot elements: takes data as a property, measures its width, and lets its D3 plot
// function update the same <svg> on every change. Presentational only: it never fetches.
import { css, html, LitElement, type PropertyValues } from 'lit';
import { property, state } from 'lit/decorators.js';
import type { PlotSize } from '../plots/theme.ts';

const FALLBACK_WIDTH_PX = 480;

export abstract class PlotElement<D> extends LitElement {
  static override styles = css`
    :host {
      display: block;
      min-width: 0;
    }
    .plot {
      width: 100%;
      line-height: 0;
    }
    svg {
      display: block;
      max-width: 100%;
      height: auto;
    }
  `;

  /** What to draw; null draws the empty plot with its axes. */
  @property({ attribute: false }) data: D | null = null;
  /** Height over width of the plot. */
  @property({ type: Number }) aspect = 0.7;

  @state() protected measuredWidth = 0;
  private resizeObserver: ResizeObserver | null = null;

  protected abstract drawPlot(container: HTMLElement, data: D | null, size: PlotSize): void;

  override connectedCallback(): void {
    super.connectedCallback();
    if (typeof ResizeObserver !== 'undefined') {
      this.resizeObserver = new ResizeObserver((entries) => {
        const width = Math.floor(entries[0]?.contentRect.width ?? 0);
        // Ignore sub-pixel jitter so a resize does not redraw in a loop.
        if (width > 0 && Math.abs(width - this.measuredWidth) >= 2) this.measuredWidth = width;
      });
      this.resizeObserver.observe(this);
    }
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.resizeObserver?.disconnect();
    this.resizeObserver = null;
  }

  protected override render() {
    return html`<div class="plot"></div>`;
  }

  protected override updated(changed: PropertyValues): void {
    super.updated(changed);
    const container = this.renderRoot.querySelector<HTMLElement>('.plot');
    if (!container) return;
    const width = this.measuredWidth || this.clientWidth || FALLBACK_WIDTH_PX;
    const height = Math.round(Math.min(Math.max(width * this.aspect, 220), 460));
    this.drawPlot(container, this.data, { width, height });
  }

  /** The drawn plot, for export. */
  get svgElement(): SVGSVGElement | null {
    return this.renderRoot.querySelector('svg.astri-plot');
  }
}
