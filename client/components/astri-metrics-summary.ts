// The figures of merit in one row: AUC and average precision of the whole run, and the gamma efficiency,
// hadron efficiency and quality factor Q at the current cut. Once the server has sent its own AUC the
// row says whether the page's value (computed in the browser) agrees with it.
import { css, html, LitElement, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { AP_DIGITS } from '../plots/precision-recall.ts';
import { AUC_DIGITS } from '../plots/roc-curve.ts';
import type { DashboardFigures } from '../state/metrics.ts';
import type { ServerMetricsSummary } from '../types.ts';
import { metricTiles, tokens } from './shared-styles.ts';

/** Agreement tolerance: both sides run the same code on the same scores, so only float noise may differ. */
const AGREEMENT_TOLERANCE = 1e-9;

@customElement('astri-metrics-summary')
export class AstriMetricsSummary extends LitElement {
  static override styles = [
    tokens,
    metricTiles,
    css`
      :host {
        display: block;
      }
      .agree {
        color: var(--astri-ok);
      }
      .disagree {
        color: var(--astri-error);
      }
    `,
  ];

  @property({ attribute: false }) figures: DashboardFigures | null = null;
  /** The server's figures for the finished run, to confirm the page's. */
  @property({ attribute: false }) serverMetrics: ServerMetricsSummary | null = null;

  protected override render() {
    const f = this.figures;
    if (!f) return nothing;
    const t = f.confusion.threshold.toFixed(2);
    // ASTRI's vocabulary (γ, hadron, Q) for gamma/proton; the classes' names for other binary datasets.
    const v = f.vocabulary;
    const astri = v.score === 'Gammaness';
    const auc = f.roc.auc;
    const serverAuc = this.serverMetrics?.auc ?? null;
    return html`
      <dl aria-label="Figures of merit">
        <div class="tile">
          <dt>Events scored</dt>
          <dd class="num">${f.eventCounts.gamma + f.eventCounts.proton}
            <span class="sub">${f.eventCounts.gamma} ${v.signal.short} · ${f.eventCounts.proton} ${v.background.short}</span></dd>
        </div>
        <div class="tile">
          <dt>ROC AUC</dt>
          <dd class="num" id="auc" data-value=${auc === null ? '' : String(auc)}>
            ${fixed(auc, AUC_DIGITS)} ${this.renderAgreement(auc, serverAuc)}
          </dd>
        </div>
        <div class="tile">
          <dt>Average precision</dt>
          <dd class="num" id="average-precision" data-value=${f.precisionRecall.averagePrecision ?? ''}>
            ${fixed(f.precisionRecall.averagePrecision, AP_DIGITS)}<span class="sub">area under P/R</span>
          </dd>
        </div>
        <div class="tile">
          <dt>${astri ? html`γ efficiency ε<sub>γ</sub>` : `${v.signal.name} recall`}</dt>
          <dd class="num" id="gamma-efficiency">${percent(f.gammaEfficiency)}<span class="sub">${astri ? 'gammas' : v.signal.name} ≥ ${t}</span></dd>
        </div>
        <div class="tile">
          <dt>${astri ? html`Hadron efficiency ε<sub>h</sub>` : `${v.background.name} accepted`}</dt>
          <dd class="num" id="hadron-efficiency">${percent(f.hadronEfficiency)}<span class="sub">${astri ? 'protons' : v.background.name} ≥ ${t}</span></dd>
        </div>
        <div class="tile">
          <dt>Quality factor Q</dt>
          <dd class="num" id="quality-factor">
            ${fixed(f.qualityFactor, 2)}<span class="sub">${f.qualityFactor === null && f.hadronEfficiency === 0 ? `no ${v.background.name} passes` : 'ε_γ / √ε_h'}</span>
          </dd>
        </div>
      </dl>
    `;
  }

  private renderAgreement(auc: number | null, serverAuc: number | null) {
    if (auc === null || serverAuc === null) return html`<span class="sub">computed in the browser</span>`;
    return Math.abs(auc - serverAuc) <= AGREEMENT_TOLERANCE
      ? html`<span class="sub agree" title="The server computed ${serverAuc}">✓ equals the API's value</span>`
      : html`<span class="sub disagree">API: ${serverAuc.toFixed(AUC_DIGITS)}</span>`;
  }
}

function fixed(value: number | null, digits: number): string {
  return value === null || !Number.isFinite(value) ? '–' : value.toFixed(digits);
}

function percent(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return '–';
  // Hadron efficiencies of good cuts are fractions of a percent: keep two significant digits there.
  return `${(value * 100).toFixed(value > 0 && value < 0.01 ? 2 : 1)} %`;
}

declare global {
  interface HTMLElementTagNameMap {
    'astri-metrics-summary': AstriMetricsSummary;
  }
}
