// Model comparison: pick another model to run on the same events (same seed, bins and events per class), and
// the server's paired comparison once both runs are done: each bin's AUCs and the AUC difference with its
// paired bootstrap interval. Presentational: the page starts the run and fetches the comparison.
import { css, html, LitElement, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { ModelSummary, RunComparisonSummary } from '../types.ts';
import { tokens } from './shared-styles.ts';

export interface CompareRequestDetail {
  modelId: string;
}

@customElement('astri-comparison')
export class AstriComparison extends LitElement {
  static override styles = [
    tokens,
    css`
      :host {
        display: block;
      }
      .row {
        display: flex;
        gap: 8px;
        align-items: center;
        flex-wrap: wrap;
      }
      h2 {
        font-size: 13px;
        margin: 0;
      }
      select {
        font: inherit;
      }
      .note {
        color: var(--astri-muted);
        font-size: 12px;
      }
      table {
        border-collapse: collapse;
        font-size: 12px;
        margin-top: 6px;
      }
      th,
      td {
        padding: 2px 8px;
        border-top: 1px solid var(--astri-line);
        text-align: right;
        white-space: nowrap;
      }
      th:first-child,
      td:first-child {
        text-align: left;
      }
      .better {
        color: var(--astri-ok);
      }
      .worse {
        color: var(--astri-error);
      }
    `,
  ];

  /** Models that can score the run's dataset, other than the run's own. */
  @property({ attribute: false }) models: ModelSummary[] = [];
  @property({ attribute: false }) comparison: RunComparisonSummary | null = null;
  /** What the comparison is doing ("running model X…"), or an error. */
  @property() status = '';
  @property({ type: Boolean }) disabled = false;

  @state() private chosen: string | null = null;

  protected override render() {
    const chosen = this.chosen ?? this.models[0]?.id ?? null;
    return html`
      <div class="row">
        <h2>Compare models</h2>
        <label class="note" for="compare-model">Run on the same events:</label>
        <select id="compare-model" ?disabled=${this.disabled || this.models.length === 0} @change=${(e: Event) => (this.chosen = (e.target as HTMLSelectElement).value)}>
          ${this.models.length === 0 ? html`<option value="">no other model fits this dataset</option>` : nothing}
          ${this.models.map((m) => html`<option value=${m.id} ?selected=${m.id === chosen}>${m.name} ${m.version}</option>`)}
        </select>
        <button type="button" id="compare" ?disabled=${this.disabled || chosen === null} @click=${() => chosen && this.request(chosen)}>Compare</button>
        ${this.status ? html`<span class="note" role="status">${this.status}</span>` : nothing}
      </div>
      ${this.comparison ? this.renderTable(this.comparison) : nothing}
    `;
  }

  private renderTable(comparison: RunComparisonSummary) {
    const [first, ...others] = comparison.runs;
    const level = comparison.bins[0]?.differences[0]?.level ?? 0.68;
    return html`<table aria-label="AUC per energy bin and paired differences">
      <thead>
        <tr>
          <th>Energy bin</th>
          ${comparison.runs.map((run) => html`<th>AUC ${run.modelName}</th>`)}
          ${others.map((run) => html`<th>ΔAUC ${run.modelName} − ${first.modelName} (${Math.round(level * 100)}% paired bootstrap)</th>`)}
        </tr>
      </thead>
      <tbody>
        ${comparison.bins.map(
          (bin) => html`<tr>
            <td>${bin.label ?? 'all energies'}</td>
            ${bin.aucs.map((auc) => html`<td class="num">${auc === null ? '–' : auc.toFixed(4)}</td>`)}
            ${bin.differences.map(
              (d) => html`<td class="num ${d.lower > 0 ? 'better' : d.upper < 0 ? 'worse' : ''}">${signed(d.difference)} [${signed(d.lower)}, ${signed(d.upper)}]</td>`,
            )}
          </tr>`,
        )}
      </tbody>
    </table>`;
  }

  private request(modelId: string): void {
    this.dispatchEvent(new CustomEvent<CompareRequestDetail>('compare-request', { detail: { modelId }, bubbles: true, composed: true }));
  }
}

function signed(value: number): string {
  return `${value >= 0 ? '+' : '−'}${Math.abs(value).toFixed(4)}`;
}

declare global {
  interface HTMLElementTagNameMap {
    'astri-comparison': AstriComparison;
  }
}
