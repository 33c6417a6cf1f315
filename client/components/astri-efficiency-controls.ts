// The fixed efficiencies of the plots against energy: the gamma efficiency whose gammaness cut and surviving
// hadrons are drawn, and the hadron efficiency whose gamma efficiency is drawn. Emits `efficiency-change` on
// every move, so the plots redraw while dragging; nothing is requested from the server.
import { css, html, LitElement } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { sliderRow, tokens } from './shared-styles.ts';

export interface EfficiencyChangeDetail {
  gammaEfficiency?: number;
  hadronEfficiency?: number;
}

@customElement('astri-efficiency-controls')
export class AstriEfficiencyControls extends LitElement {
  static override styles = [
    tokens,
    sliderRow,
    css`
      :host {
        display: flex;
        gap: 20px;
        flex-wrap: wrap;
      }
      .row {
        flex: 1;
        min-width: 260px;
      }
    `,
  ];

  @property({ type: Number, attribute: 'gamma-efficiency' }) gammaEfficiency = 0.7;
  @property({ type: Number, attribute: 'hadron-efficiency' }) hadronEfficiency = 0.1;

  protected override render() {
    return html`
      ${this.renderRow('gamma', 'Fixed γ efficiency ε_γ', this.gammaEfficiency, 0.05, 0.99, 0.01)}
      ${this.renderRow('hadron', 'Fixed hadron efficiency ε_h', this.hadronEfficiency, 0.001, 0.5, 0.001)}
    `;
  }

  private renderRow(kind: 'gamma' | 'hadron', text: string, value: number, min: number, max: number, step: number) {
    const emit = (event: Event) => {
      const number = Number((event.target as HTMLInputElement).value);
      if (!Number.isFinite(number)) return;
      const clamped = Math.min(max, Math.max(min, number));
      const detail: EfficiencyChangeDetail = kind === 'gamma' ? { gammaEfficiency: clamped } : { hadronEfficiency: clamped };
      this.dispatchEvent(new CustomEvent<EfficiencyChangeDetail>('efficiency-change', { detail, bubbles: true, composed: true }));
    };
    return html`<div class="row">
      <label for="${kind}-slider">${text}</label>
      <input id="${kind}-slider" type="range" min=${min} max=${max} step=${step} .value=${String(value)} aria-valuetext="${text} ${value}" @input=${emit} />
      <input id="${kind}-number" type="number" min=${min} max=${max} step=${step} .value=${String(value)} aria-label="${text} (number)" @change=${emit} />
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'astri-efficiency-controls': AstriEfficiencyControls;
  }
}
