// The gammaness cut: a slider and a number field kept in step. Emits `threshold-change` on every move,
// so the plots redraw while dragging; nothing is requested from the server.
import { css, html, LitElement } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { sliderRow, tokens } from './shared-styles.ts';

export interface ThresholdChangeDetail {
  threshold: number;
}

@customElement('astri-threshold')
export class AstriThreshold extends LitElement {
  static override styles = [
    tokens,
    sliderRow,
    css`
      :host {
        display: block;
      }
      .error {
        color: var(--astri-error);
        font-size: 12px;
      }
    `,
  ];

  @property({ type: Number }) threshold = 0.9;
  /** An error about the threshold (from the API), shown under the control. */
  @property() error = '';

  protected override render() {
    const value = this.threshold.toFixed(2);
    return html`
      <div class="row">
        <label for="slider">Gammaness cut</label>
        <input
          id="slider"
          type="range"
          min="0"
          max="1"
          step="0.01"
          .value=${value}
          aria-describedby=${this.error ? 'error' : ''}
          aria-valuetext="gammaness ≥ ${value}"
          @input=${this.onInput}
        />
        <input
          id="number"
          type="number"
          min="0"
          max="1"
          step="0.01"
          .value=${value}
          aria-label="Gammaness cut (number)"
          @change=${this.onInput}
        />
      </div>
      ${this.error ? html`<div id="error" class="error" role="alert">${this.error}</div>` : null}
    `;
  }

  private onInput = (event: Event): void => {
    const input = event.target as HTMLInputElement;
    const threshold = Number(input.value);
    if (!Number.isFinite(threshold)) return;
    const clamped = Math.min(1, Math.max(0, threshold));
    this.dispatchEvent(
      new CustomEvent<ThresholdChangeDetail>('threshold-change', { detail: { threshold: clamped }, bubbles: true, composed: true }),
    );
  };
}

declare global {
  interface HTMLElementTagNameMap {
    'astri-threshold': AstriThreshold;
  }
}
