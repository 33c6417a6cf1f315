// A titled panel around one plot, with its caption and SVG/PNG export (and CSV of its numbers when given). The plot is the slotted child
// that exposes `svgElement` (every PlotElement does); extra controls go in the "controls" slot.
import { css, html, LitElement } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { downloadBlob, svgDocument, svgToPng } from '../export/files.ts';
import { tokens } from './shared-styles.ts';

interface Exportable extends Element {
  svgElement: SVGSVGElement | null;
}

@customElement('astri-plot-card')
export class AstriPlotCard extends LitElement {
  static override styles = [
    tokens,
    css`
      :host {
        display: flex;
        flex-direction: column;
        background: var(--astri-panel);
        border: 1px solid var(--astri-line);
        border-radius: var(--astri-radius);
        min-width: 0;
      }
      header {
        display: flex;
        align-items: baseline;
        gap: 8px;
        padding: 8px 12px 4px;
        flex-wrap: wrap;
      }
      h2 {
        font-size: 13px;
        font-weight: 600;
        margin: 0;
      }
      .actions {
        margin-left: auto;
        display: flex;
        gap: 4px;
      }
      .actions button {
        font-size: 11px;
        padding: 1px 7px;
        color: var(--astri-muted);
      }
      .caption {
        color: var(--astri-muted);
        font-size: 12px;
        margin: 0;
        padding: 0 12px;
      }
      .controls {
        padding: 2px 12px 0;
      }
      .body {
        padding: 4px 8px 8px;
        flex: 1;
        min-width: 0;
      }
      .export-error {
        color: var(--astri-error);
        font-size: 12px;
        padding: 0 12px 6px;
      }
    `,
  ];

  @property() heading = '';
  @property() caption = '';
  /** File names of the exports: `${fileStem}.svg` and `${fileStem}.png`. */
  @property({ attribute: 'file-stem' }) fileStem = 'astri-plot';
  /** The plotted numbers as CSV (`${fileStem}.csv`); no CSV button when null. */
  @property({ attribute: false }) csv: (() => string) | null = null;

  @state() private exportError = '';

  protected override render() {
    return html`
      <header>
        <h2 id="heading">${this.heading}</h2>
        <div class="actions" role="group" aria-label="Export ${this.heading}">
          <button type="button" @click=${this.exportSvg} title="Download this plot as a vector SVG file">SVG</button>
          <button type="button" @click=${this.exportPng} title="Download this plot as a PNG image (2× resolution)">PNG</button>
          ${this.csv ? html`<button type="button" class="csv" @click=${this.exportCsv} title="Download the plotted numbers as CSV">CSV</button>` : null}
        </div>
      </header>
      ${this.caption ? html`<p class="caption">${this.caption}</p>` : null}
      <div class="controls"><slot name="controls"></slot></div>
      <figure class="body" aria-labelledby="heading" style="margin:0"><slot></slot></figure>
      ${this.exportError ? html`<div class="export-error" role="alert">${this.exportError}</div>` : null}
    `;
  }

  private plotSvg(): SVGSVGElement | null {
    const plot = Array.from(this.children).find((child): child is Exportable => 'svgElement' in child);
    return plot?.svgElement ?? null;
  }

  private exportSvg = (): void => {
    const svg = this.plotSvg();
    if (!svg) return this.fail('nothing to export yet');
    this.exportError = '';
    downloadBlob(new Blob([svgDocument(svg)], { type: 'image/svg+xml' }), `${this.fileStem}.svg`);
  };

  private exportPng = async (): Promise<void> => {
    const svg = this.plotSvg();
    if (!svg) return this.fail('nothing to export yet');
    try {
      this.exportError = '';
      downloadBlob(await svgToPng(svg, 2), `${this.fileStem}.png`);
    } catch (error) {
      this.fail(error instanceof Error ? error.message : String(error));
    }
  };

  private exportCsv = (): void => {
    if (!this.csv) return;
    this.exportError = '';
    downloadBlob(new Blob([this.csv()], { type: 'text/csv' }), `${this.fileStem}.csv`);
  };

  private fail(message: string): void {
    this.exportError = `Export failed: ${message}`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'astri-plot-card': AstriPlotCard;
  }
}
