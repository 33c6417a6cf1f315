// One sample event: its camera image in a perceptual colour map, scaled up with crisp pixels, and its
// true class, energy and gammaness. The PNG is decoded once; changing the colour map only re-maps it.
import { css, html, LitElement, nothing, type PropertyValues } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { drawCameraImage, grayscaleOf, peakOf, type ColourMapName, type IntensityScale } from '../plots/camera-image.ts';
import type { SampleEvent } from '../types.ts';
import { tokens } from './shared-styles.ts';

interface DecodedImage {
  gray: Uint8ClampedArray;
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
    `,
  ];

  @property({ attribute: false }) sample: SampleEvent | null = null;
  @property({ attribute: 'colour-map' }) colourMap: ColourMapName = 'viridis';
  @property({ attribute: 'intensity-scale' }) intensityScale: IntensityScale = 'image';
  /** The cut, to say how the event is classified. */
  @property({ type: Number }) threshold = 0.9;

  @state() private loadState: 'idle' | 'loading' | 'loaded' | 'error' = 'idle';
  @query('canvas') private canvas!: HTMLCanvasElement;
  private decoded: DecodedImage | null = null;
  private loadedUrl = '';

  protected override render() {
    const s = this.sample;
    if (!s) return nothing;
    const gamma = s.particle === 'GAMMA';
    const colour = gamma ? 'var(--astri-gamma)' : 'var(--astri-proton)';
    const predictedGamma = s.gammaness !== null && s.gammaness >= this.threshold;
    const correct = s.gammaness === null ? null : predictedGamma === gamma;
    return html`
      <figure style="--class-colour:${colour}">
        <div class="frame">
          <canvas
            role="img"
            aria-label="Camera image of ${gamma ? 'gamma' : 'proton'} event ${s.eventId}, ${s.energyTeV.toFixed(2)} TeV"
          ></canvas>
          ${this.loadState === 'loading' ? html`<div class="state">loading…</div>` : nothing}
          ${this.loadState === 'error' ? html`<div class="state">image unavailable</div>` : nothing}
        </div>
        <figcaption>
          <div class="row">
            <span class="class">${gamma ? 'γ gamma' : 'p proton'}</span>
            <span class="muted">${s.energyTeV.toFixed(2)} TeV</span>
          </div>
          <div class="row">
            <span>gammaness</span>
            <strong class="gammaness">${s.gammaness === null ? '–' : s.gammaness.toFixed(3)}</strong>
          </div>
          <div class="row">
            <span class="muted">event ${s.eventId}</span>
            ${this.decoded ? html`<span class="muted" title="Brightest pixel (8-bit)">peak ${peakOf(this.decoded.gray)}</span>` : nothing}
          </div>
          <div class="row">
            <span class="muted">at cut ${this.threshold.toFixed(2)}</span>
            ${correct === null
              ? nothing
              : html`<span class=${correct ? 'muted' : 'wrong'} title="Classified at the cut ${this.threshold.toFixed(2)}"
                  >${predictedGamma ? 'γ-like' : 'hadron-like'}</span
                >`}
          </div>
        </figcaption>
      </figure>
    `;
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
      this.decoded = { gray: grayscaleOf(rgba), width: scratch.width, height: scratch.height };
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
    drawCameraImage(this.canvas, this.decoded, this.colourMap, this.intensityScale);
    this.dataset.state = 'loaded';
    this.dispatchEvent(new CustomEvent('sample-loaded', { bubbles: true, composed: true, detail: { eventId: this.sample?.eventId } }));
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'astri-sample-image': AstriSampleImage;
  }
}
