// The run's sample events, one row per class (in the dataset's order), with the colour map's scale and a
// choice of colour map for grayscale images; RGB images are shown in their own colours.
import { css, html, LitElement, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { colourLookupTable, type ColourMapName, type IntensityScale } from '../plots/camera-image.ts';
import { classViews, type BinaryVocabulary, type ClassView } from '../plots/theme.ts';
import type { SampleEvent } from '../types.ts';
import './astri-sample-image.ts';
import { tokens } from './shared-styles.ts';

@customElement('astri-samples')
export class AstriSamples extends LitElement {
  static override styles = [
    tokens,
    css`
      :host {
        display: block;
        background: var(--astri-panel);
        border: 1px solid var(--astri-line);
        border-radius: var(--astri-radius);
        padding: 8px 12px 12px;
      }
      header {
        display: flex;
        align-items: center;
        gap: 12px;
        flex-wrap: wrap;
        margin-bottom: 6px;
      }
      h2 {
        font-size: 13px;
        font-weight: 600;
        margin: 0;
      }
      .scale {
        display: flex;
        align-items: center;
        gap: 6px;
        margin-left: auto;
        font-size: 11px;
        color: var(--astri-muted);
      }
      .bar {
        width: 120px;
        height: 8px;
        border-radius: 1px;
      }
      select {
        font: inherit;
        font-size: 12px;
        padding: 1px 4px;
        border: 1px solid var(--astri-line);
        border-radius: var(--astri-radius);
        background: var(--astri-panel);
      }
      h3 {
        font-size: 12px;
        font-weight: 600;
        margin: 8px 0 4px;
      }
      h3 .swatch {
        display: inline-block;
        width: 9px;
        height: 9px;
        border-radius: 2px;
        margin-right: 5px;
      }
      .grid {
        display: grid;
        grid-template-columns: repeat(auto-fill, minmax(128px, 1fr));
        gap: 8px;
      }
      .note {
        color: var(--astri-muted);
        font-size: 12px;
      }
      /* Many classes: the classes' groups side by side, each as wide as its images. */
      .groups.compact {
        display: flex;
        flex-wrap: wrap;
        gap: 4px 16px;
      }
      .groups.compact .group {
        width: calc(var(--columns) * 136px - 8px);
        max-width: 100%;
      }
    `,
  ];

  @property({ attribute: false }) samples: SampleEvent[] = [];
  @property({ type: Number }) threshold = 0.9;
  /** Shown when there are no samples (e.g. "Images appear when the run has finished"). */
  @property() note = '';
  /** The run's classes, in order; by default the classes the samples have, in order of appearance. */
  @property({ attribute: false }) classes: ClassView[] | null = null;
  /** Binary runs: the classes' vocabulary (gammaness at the cut); null: N-class, top-3 predictions. */
  @property({ attribute: false }) vocabulary: BinaryVocabulary | null = null;

  @state() private colourMap: ColourMapName = 'viridis';
  @state() private intensityScale: IntensityScale = 'image';

  protected override render() {
    const classes = this.classes ?? classViews([...new Set(this.samples.map((sample) => sample.label))].map((name) => ({ name })));
    const rows = classes.map((c) => ({ view: c, samples: this.samples.filter((sample) => sample.label === c.name) }));
    const colours = Object.fromEntries(classes.map((c) => [c.name, c.colour]));
    const gray = this.samples.length === 0 || this.samples.some((sample) => sample.channels !== 3);
    const counts = rows.filter((r) => r.samples.length).map((r) => `${r.samples.length} ${r.view.short}`).join(' and ');
    return html`
      <header>
        <h2>Sample events</h2>
        <span class="note">${gray ? 'camera images, 8-bit intensity' : 'RGB images'}, ${this.samples.length ? counts : 'none yet'}</span>
        ${gray ? this.renderScale() : nothing}
      </header>
      ${this.samples.length === 0 ? html`<p class="note">${this.note || 'No sample images requested.'}</p>` : nothing}
      <div class="groups ${classes.length > 2 ? 'compact' : ''}">${rows.map((row) => this.renderRow(row.view, row.samples, colours))}</div>
    `;
  }

  private renderScale() {
    return html`<div class="scale">
      <span>0</span>
      <div
        class="bar"
        style="background:${this.gradient()}"
        role="img"
        aria-label="Colour scale from 0 to ${this.intensityScale === 'image' ? "each image's peak" : '255'}"
      ></div>
      <span>${this.intensityScale === 'image' ? 'peak' : '255'}</span>
      <label for="intensity-scale">scale</label>
      <select
        id="intensity-scale"
        @change=${(e: Event) => (this.intensityScale = (e.target as HTMLSelectElement).value as IntensityScale)}
      >
        <option value="image" ?selected=${this.intensityScale === 'image'}>per image</option>
        <option value="absolute" ?selected=${this.intensityScale === 'absolute'}>0–255</option>
      </select>
      <label for="colour-map">colour map</label>
      <select id="colour-map" @change=${(e: Event) => (this.colourMap = (e.target as HTMLSelectElement).value as ColourMapName)}>
        <option value="viridis" ?selected=${this.colourMap === 'viridis'}>viridis</option>
        <option value="inferno" ?selected=${this.colourMap === 'inferno'}>inferno</option>
      </select>
    </div>`;
  }

  private renderRow(view: ClassView, samples: SampleEvent[], colours: Record<string, string>) {
    if (samples.length === 0) return nothing;
    const title = view.short === view.name ? `${view.name} events` : `${view.short} ${view.name} events`;
    return html`<section class="group" style="--columns:${samples.length}">
      <h3><span class="swatch" style="background:${view.colour}"></span>${title}</h3>
      <div class="grid" data-class=${view.name}>
        ${samples.map(
          (sample) => html`<astri-sample-image
            .sample=${sample}
            .threshold=${this.threshold}
            .classView=${view}
            .vocabulary=${this.vocabulary}
            .classColours=${colours}
            colour-map=${this.colourMap}
            intensity-scale=${this.intensityScale}
          ></astri-sample-image>`,
        )}
      </div>
    </section>`;
  }

  private gradient(): string {
    const lut = colourLookupTable(this.colourMap);
    const stops = [0, 32, 64, 96, 128, 160, 192, 224, 255].map(
      (v) => `rgb(${lut[3 * v]},${lut[3 * v + 1]},${lut[3 * v + 2]}) ${((v / 255) * 100).toFixed(0)}%`,
    );
    return `linear-gradient(to right, ${stops.join(', ')})`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'astri-samples': AstriSamples;
  }
}
