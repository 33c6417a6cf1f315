// The run history: the newest runs with their model, dataset, bins and status; each opens at its own
// shareable URL (?run=<id>) and a finished one can be deleted. Presentational: the page loads the list and
// acts on `run-open` and `run-delete`.
import { css, html, LitElement, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { RunListItem } from '../types.ts';
import { tokens } from './shared-styles.ts';

export interface RunActionDetail {
  runId: string;
}

const FINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);

@customElement('astri-history')
export class AstriHistory extends LitElement {
  static override styles = [
    tokens,
    css`
      :host {
        display: block;
      }
      h2 {
        font-size: 13px;
        margin: 0 0 6px;
        display: flex;
        gap: 8px;
        align-items: baseline;
      }
      h2 button {
        margin-left: auto;
        font-size: 11px;
        padding: 1px 7px;
      }
      table {
        width: 100%;
        border-collapse: collapse;
        font-size: 12px;
      }
      th,
      td {
        text-align: left;
        padding: 3px 6px;
        border-top: 1px solid var(--astri-line);
        white-space: nowrap;
      }
      th {
        color: var(--astri-muted);
        font-weight: 500;
      }
      tr.current td {
        background: #eaf2f8;
      }
      td.actions {
        text-align: right;
      }
      td.actions button {
        font-size: 11px;
        padding: 0 6px;
      }
      .empty {
        color: var(--astri-muted);
        font-size: 12px;
      }
    `,
  ];

  @property({ attribute: false }) runs: RunListItem[] = [];
  /** The run the page shows. */
  @property({ attribute: 'current-run' }) currentRun: string | null = null;

  protected override render() {
    return html`
      <h2>Run history <button type="button" @click=${() => this.emit('history-refresh', '')}>Refresh</button></h2>
      ${this.runs.length === 0
        ? html`<div class="empty">No runs yet.</div>`
        : html`<table aria-label="Run history, newest first">
            <thead>
              <tr><th>Started (UTC)</th><th>Model</th><th>Dataset</th><th>Bins</th><th>Events/class/bin</th><th>Status</th><th></th></tr>
            </thead>
            <tbody>
              ${this.runs.map(
                (run) => html`<tr class=${run.id === this.currentRun ? 'current' : ''} data-run=${run.id}>
                  <td class="num">${run.createdAt.replace('T', ' ').slice(0, 19)}</td>
                  <td>${run.modelName}</td>
                  <td>${run.datasetName ?? '(deleted)'}</td>
                  <td>${run.bins.length === 0 ? 'all energies' : run.bins.length === 1 ? `bin ${run.bins[0]}` : `${run.bins.length} bins`}</td>
                  <td class="num">${run.eventsPerClass}</td>
                  <td>${run.status.toLowerCase()}</td>
                  <td class="actions">
                    <a href="?run=${encodeURIComponent(run.id)}" class="open" title="Open this run (a link you can share)" @click=${(event: Event) => this.open(event, run.id)}>Open</a>
                    ${FINAL.has(run.status)
                      ? html`<button type="button" class="delete" aria-label="Delete run ${run.id}" @click=${() => this.emit('run-delete', run.id)}>Delete</button>`
                      : nothing}
                  </td>
                </tr>`,
              )}
            </tbody>
          </table>`}
    `;
  }

  private open(event: Event, runId: string): void {
    // A plain click opens in place; a middle click or "copy link" keeps the URL to share.
    const mouse = event as MouseEvent;
    if (mouse.ctrlKey || mouse.metaKey || mouse.shiftKey || mouse.button === 1) return;
    event.preventDefault();
    this.emit('run-open', runId);
  }

  private emit(type: string, runId: string): void {
    this.dispatchEvent(new CustomEvent<RunActionDetail>(type, { detail: { runId }, bubbles: true, composed: true }));
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'astri-history': AstriHistory;
  }
}
