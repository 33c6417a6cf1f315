// One sample event: its image scaled up with crisp pixels (a grayscale camera image through a perceptual
// colour map, an RGB image in its own colours), its true class and energy, and either its gammaness at
// the cut (binary runs) or its top-3 predictions (N-class runs). The PNG is decoded once; changing the
// colour map only re-maps it.
import { css, html, LitElement, nothing, type PropertyValues } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { drawCameraImage, drawRgbImage, grayscaleOf, peakOf, type ColourMapName, type IntensityScale } from '../plots/camera-image.ts';
import type { BinaryVocabulary, ClassView } from '../plots/theme.ts';
import type { SampleEvent } from '../types.ts';
import { tokens } from './shared-styles.ts';

interface DecodedImage {
  gray: Uint8ClampedArray;
  /** The decoded pixels, kept for RGB images. */
  rgba: Uint8ClampedArray | null;
  width: number;
  height: number;
}

@customElement('astri-sample-image')
export class AstriSampleImage extends LitElement {
  static override styles = [
    tokens,
    css`
      :host {
        display: block;
      }
      figure {
        margin: 0;
        border: 1px solid var(--astri-line);
        border-radius: var(--astri-radius);
        background: var(--astri-panel);
        overflow: hidden;
      }
      .frame {
        position: relative;
        aspect-ratio: 1;
        background: #0d0887;
        border-top: 3px solid var(--class-colour);
      }
      canvas {
        display: block;
        width: 100%;
        height: 100%;
        image-rendering: pixelated;
        image-rendering: crisp-edges;
      }
      .state {
        position: absolute;
        inset: 0;
        display: grid;
        place-items: center;
        color: #ffffffcc;
        font-size: 11px;
        padding: 6px;
        text-align: center;
      }
      figcaption {
        padding: 4px 6px 5px;
        font-size: 11px;
        line-height: 1.35;
        font-variant-numeric: tabular-nums;
      }
      .class {
        font-weight: 600;
        color: var(--class-colour);
      }
      .row {
        display: flex;
        justify-content: space-between;
        gap: 4px;
        white-space: nowrap;
      }
      .muted {
        color: var(--astri-muted);
      }
      .wrong {
        color: var(--astri-error);
      }
      .top {
        list-style: none;
        margin: 2px 0;
        padding: 0;
      }
      .top .swatch {
        display: inline-block;
        width: 7px;
        height: 7px;
        border-radius: 1px;
        margin-right: 4px;
      }
      .top li.right {
        font-weight: 600;
      }
      .top li.wrong {
        font-weight: 600;
        color: var(--astri-error);
      }
    `,
  ];

  @property({ attribute: false }) sample: SampleEvent | null = null;
  @property({ attribute: 'colour-map' }) colourMap: ColourMapName = 'viridis';
  @property({ attribute: 'intensity-scale' }) intensityScale: IntensityScale = 'image';
  /** The cut, to say how the event is classified (binary runs). */
  @property({ type: Number }) threshold = 0.9;
  /** The sample's true class as the page shows it (colour, label). */
  @property({ attribute: false }) classView: ClassView | null = null;
  /** Binary runs: what the classes are called; null for N-class runs, which show the top predictions. */
  @property({ attribute: false }) vocabulary: BinaryVocabulary | null = null;
  /** Colours of the predicted classes in the top-3 list, by name. */
  @property({ attribute: false }) classColours: Record<string, string> = {};

  @state() private loadState: 'idle' | 'loading' | 'loaded' | 'error' = 'idle';
  @query('canvas') private canvas!: HTMLCanvasElement;
  private decoded: DecodedImage | null = null;
  private loadedUrl = '';

  protected override render() {
    const s = this.sample;
    if (!s) return nothing;
    const colour = this.classView?.colour ?? 'var(--astri-accent)';
    const label = this.classView ? (this.classView.short === s.label ? s.label : `${this.classView.short} ${s.label}`) : s.label;
    const energy = s.trueEnergyTeV === null ? '' : `, ${s.trueEnergyTeV.toFixed(2)} TeV`;
    return html`
      <figure style="--class-colour:${colour}">
        <div class="frame">
          <canvas role="img" aria-label="${s.channels === 3 ? 'RGB image' : 'Camera image'} of ${s.label} event ${s.eventId}${energy}"></canvas>
          ${this.loadState === 'loading' ? html`<div class="state">loading…</div>` : nothing}
          ${this.loadState === 'error' ? html`<div class="state">image unavailable</div>` : nothing}
        </div>
        <figcaption>
          <div class="row">
            <span class="class">${label}</span>
            ${s.trueEnergyTeV === null ? nothing : html`<span class="muted">${s.trueEnergyTeV.toFixed(2)} TeV</span>`}
          </div>
          ${this.vocabulary ? this.renderBinary(s, this.vocabulary) : this.renderTop(s)}
          <div class="row">
            <span class="muted">event ${s.eventId}</span>
            ${this.decoded && s.channels !== 3
              ? html`<span class="muted" title="Brightest pixel (8-bit)">peak ${peakOf(this.decoded.gray)}</span>`
              : nothing}
          </div>
        </figcaption>
      </figure>
    `;
  }

  private renderBinary(s: SampleEvent, vocabulary: BinaryVocabulary) {
    const isSignal = s.label === vocabulary.signal.name;
    const predictedSignal = s.gammaness !== null && s.gammaness >= this.threshold;
    const correct = s.gammaness === null ? null : predictedSignal === isSignal;
    return html`
      <div class="row">
        <span>${vocabulary.score === 'Gammaness' ? 'gammaness' : 'score'}</span>
        <strong class="gammaness">${s.gammaness === null ? '–' : s.gammaness.toFixed(3)}</strong>
      </div>
      <div class="row">
        <span class="muted">at cut ${this.threshold.toFixed(2)}</span>
        ${correct === null
          ? nothing
          : html`<span class=${correct ? 'muted' : 'wrong'} title="Classified at the cut ${this.threshold.toFixed(2)}"
              >${predictedSignal ? vocabulary.signalLike : vocabulary.backgroundLike}</span
            >`}
      </div>
    `;
  }

  private renderTop(s: SampleEvent) {
    if (s.top.length === 0) return html`<div class="row"><span class="muted">not scored</span></div>`;
    return html`<ol class="top" aria-label="Top predictions">
      ${s.top.map(
        (t, i) => html`<li class="row ${i === 0 ? (t.className === s.label ? 'right' : 'wrong') : ''}" data-class=${t.className}>
          <span><span class="swatch" style="background:${this.classColours[t.className] ?? 'var(--astri-muted)'}"></span>${t.className}</span>
          <span class="score">${t.score.toFixed(3)}</span>
        </li>`,
      )}
    </ol>`;
  }

  protected override updated(changed: PropertyValues<this>): void {
    super.updated(changed);
    const url = this.sample?.imageUrl ?? '';
    if (url !== this.loadedUrl) {
      this.loadedUrl = url;
      this.decoded = null;
      void this.load(url);
    } else if ((changed.has('colourMap') || changed.has('intensityScale')) && this.decoded) {
      this.paint();
    }
  }

  private async load(url: string): Promise<void> {
    if (!url) {
      this.loadState = 'error';
      this.dataset.state = 'error';
      return;
    }
    this.loadState = 'loading';
    this.dataset.state = 'loading';
    try {
      const image = new Image();
      image.src = url;
      await image.decode();
      if (url !== this.loadedUrl) return; // a newer sample replaced this one meanwhile
      const scratch = document.createElement('canvas');
      scratch.width = image.naturalWidth;
      scratch.height = image.naturalHeight;
      const context = scratch.getContext('2d', { willReadFrequently: true });
      if (!context) throw new Error('no 2D canvas');
      context.drawImage(image, 0, 0);
      const rgba = context.getImageData(0, 0, scratch.width, scratch.height).data;
      this.decoded = { gray: grayscaleOf(rgba), rgba: this.sample?.channels === 3 ? rgba : null, width: scratch.width, height: scratch.height };
      this.loadState = 'loaded';
      await this.updateComplete;
      this.paint();
    } catch {
      if (url !== this.loadedUrl) return;
      this.loadState = 'error';
      this.dataset.state = 'error';
    }
  }

  private paint(): void {
    if (!this.decoded || !this.canvas) return;
    // RGB images in their own colours; grayscale ones through the colour map (viridis by default).
    if (this.decoded.rgba) drawRgbImage(this.canvas, { rgba: this.decoded.rgba, width: this.decoded.width, height: this.decoded.height });
    else drawCameraImage(this.canvas, this.decoded, this.colourMap, this.intensityScale);
    this.dataset.state = 'loaded';
    this.dispatchEvent(new CustomEvent('sample-loaded', { bubbles: true, composed: true, detail: { eventId: this.sample?.eventId } }));
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'astri-sample-image': AstriSampleImage;
  }
}
