// The N-class figures of merit: accuracy, top-k accuracy, macro AUC and log loss in one row, then
// scikit-learn's classification report (precision, recall, F1, support per class, macro and weighted
// averages). Says whether the numbers are the page's (live) or the server's (finished run).
import { css, html, LitElement, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { ClassView } from '../plots/theme.ts';
import type { AverageSummary, ClassificationSummary } from '../types.ts';
import { metricTiles, tokens } from './shared-styles.ts';

@customElement('astri-classification-report')
export class AstriClassificationReport extends LitElement {
  static override styles = [
    tokens,
    metricTiles,
    css`
      :host {
        display: block;
      }
      dl {
        margin: 0 0 10px;
      }
      .table {
        background: var(--astri-panel);
        border: 1px solid var(--astri-line);
        border-radius: var(--astri-radius);
        overflow-x: auto;
      }
      table {
        border-collapse: collapse;
        width: 100%;
        font-variant-numeric: tabular-nums;
      }
      caption {
        text-align: left;
        font-weight: 600;
        padding: 6px 10px;
      }
      th,
      td {
        padding: 3px 10px;
        text-align: right;
        border-top: 1px solid var(--astri-line);
        white-space: nowrap;
      }
      th[scope='row'] {
        text-align: left;
        font-weight: 500;
      }
      thead th {
        font-size: 11px;
        color: var(--astri-muted);
        font-weight: 600;
      }
      tr.average th,
      tr.average td {
        color: var(--astri-muted);
      }
      tr.average:first-of-type th,
      tr.average:first-of-type td {
        border-top: 2px solid var(--astri-line);
      }
      .swatch {
        display: inline-block;
        width: 9px;
        height: 9px;
        border-radius: 2px;
        margin-right: 6px;
      }
    `,
  ];

  @property({ attribute: false }) summary: ClassificationSummary | null = null;
  @property({ attribute: false }) classes: ClassView[] = [];
  /** 'server' once the finished run's metrics came from the API, else 'browser'. */
  @property() origin: 'browser' | 'server' = 'browser';

  protected override render() {
    const s = this.summary;
    const colour = new Map(this.classes.map((c) => [c.name, c.colour]));
    const originText = this.origin === 'server' ? 'from the API (finished run)' : 'computed in the browser';
    return html`
      <dl aria-label="Figures of merit">
        <div class="tile">
          <dt>Events scored</dt>
          <dd id="scored">${s ? s.scoredEvents : '–'}<span class="sub">${this.classes.length} classes</span></dd>
        </div>
        <div class="tile">
          <dt>Accuracy</dt>
          <dd id="accuracy" data-value=${s ? String(s.accuracy) : ''}>${percent(s?.accuracy)}<span class="sub">${originText}</span></dd>
        </div>
        ${(s?.topKAccuracy ?? []).filter((t) => t.k > 1).map(
          (t) => html`<div class="tile">
            <dt>Top-${t.k} accuracy</dt>
            <dd class="top-k" data-k=${t.k}>${percent(t.accuracy)}<span class="sub">class among the ${t.k} best</span></dd>
          </div>`,
        )}
        <div class="tile">
          <dt>Macro ROC AUC</dt>
          <dd id="macro-auc" data-value=${s?.macroAuc ?? ''}>
            ${fixed(s?.macroAuc, 4)}<span class="sub">one-vs-rest; weighted ${fixed(s?.weightedAuc, 4)}</span>
          </dd>
        </div>
        <div class="tile">
          <dt>Log loss</dt>
          <dd id="log-loss" data-value=${s?.logLoss ?? ''}>${fixed(s?.logLoss, 4)}<span class="sub">cross-entropy</span></dd>
        </div>
      </dl>
      <div class="table">
        <table>
          <caption>Classification report</caption>
          <thead>
            <tr>
              <th scope="col" style="text-align:left">class</th>
              <th scope="col">precision</th>
              <th scope="col">recall</th>
              <th scope="col">F1</th>
              <th scope="col">support</th>
            </tr>
          </thead>
          <tbody>
            ${s
              ? s.perClass.map(
                  (row) => html`<tr data-class=${row.className}>
                    <th scope="row"><span class="swatch" style="background:${colour.get(row.className) ?? 'transparent'}"></span>${row.className}</th>
                    <td>${fixed(row.precision, 3)}</td>
                    <td>${fixed(row.recall, 3)}</td>
                    <td>${fixed(row.f1, 3)}</td>
                    <td>${row.support}</td>
                  </tr>`,
                )
              : html`<tr><th scope="row" colspan="5" style="text-align:left">No scored events yet</th></tr>`}
            ${s ? this.renderAverage('macro avg', s.macroAvg) : nothing} ${s ? this.renderAverage('weighted avg', s.weightedAvg) : nothing}
          </tbody>
        </table>
      </div>
    `;
  }

  private renderAverage(name: string, row: AverageSummary) {
    return html`<tr class="average" data-average=${name}>
      <th scope="row">${name}</th>
      <td>${fixed(row.precision, 3)}</td>
      <td>${fixed(row.recall, 3)}</td>
      <td>${fixed(row.f1, 3)}</td>
      <td>${row.support}</td>
    </tr>`;
  }
}

function fixed(value: number | null | undefined, digits: number): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '–' : value.toFixed(digits);
}

function percent(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '–' : `${(value * 100).toFixed(1)} %`;
}

declare global {
  interface HTMLElementTagNameMap {
    'astri-classification-report': AstriClassificationReport;
  }
}
