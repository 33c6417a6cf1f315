// Progress of the current run: one bar per class (in the class's colour) with its throughput, the run's
// status and elapsed time.
import { css, html, LitElement, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { classViews, type ClassView } from '../plots/theme.ts';
import type { ClassCount, RunStatus } from '../types.ts';
import { tokens } from './shared-styles.ts';

export interface ProgressView {
  runId: string;
  status: RunStatus;
  /** Per class, in the run's class order. */
  done: ClassCount[];
  total: ClassCount[];
  failed: ClassCount[];
  elapsedMs: number;
  imagesPerSecond: number;
  error: string | null;
}

const STATUS_TEXT: Record<RunStatus, string> = {
  QUEUED: 'queued',
  RUNNING: 'running',
  COMPLETED: 'completed',
  FAILED: 'failed',
  CANCELLED: 'cancelled',
};

@customElement('astri-progress')
export class AstriProgress extends LitElement {
  static override styles = [
    tokens,
    css`
      :host {
        display: block;
      }
      .head {
        display: flex;
        gap: 10px;
        align-items: baseline;
        flex-wrap: wrap;
        margin-bottom: 6px;
      }
      .status {
        font-size: 11px;
        font-weight: 600;
        text-transform: uppercase;
        letter-spacing: 0.04em;
        padding: 1px 6px;
        border-radius: 3px;
        background: #e4e7eb;
        color: var(--astri-muted);
      }
      .status.RUNNING,
      .status.QUEUED {
        background: #e1effa;
        color: var(--astri-accent);
      }
      .status.COMPLETED {
        background: #e3f4ea;
        color: var(--astri-ok);
      }
      .status.FAILED {
        background: var(--astri-error-bg);
        color: var(--astri-error);
      }
      .meta {
        color: var(--astri-muted);
        font-size: 12px;
        font-variant-numeric: tabular-nums;
      }
      .rows {
        display: grid;
        grid-template-columns: minmax(88px, max-content) 1fr auto auto;
        gap: 4px 10px;
        align-items: center;
      }
      .name {
        font-size: 12px;
      }
      .swatch {
        display: inline-block;
        width: 9px;
        height: 9px;
        border-radius: 2px;
        margin-right: 5px;
        vertical-align: -1px;
      }
      .track {
        height: 10px;
        background: #eef1f4;
        border-radius: 2px;
        overflow: hidden;
      }
      .fill {
        height: 100%;
        transition: width 120ms linear;
      }
      .count,
      .rate {
        font-size: 12px;
        font-variant-numeric: tabular-nums;
        text-align: right;
        white-space: nowrap;
      }
      .rate {
        color: var(--astri-muted);
        min-width: 80px;
      }
      .error {
        margin-top: 6px;
        color: var(--astri-error);
        font-size: 12px;
      }
    `,
  ];

  @property({ attribute: false }) progress: ProgressView | null = null;
  /** Names, labels and colours of the run's classes; by default the classes of the counts. */
  @property({ attribute: false }) classes: ClassView[] | null = null;

  protected override render() {
    const p = this.progress;
    if (!p) return nothing;
    const seconds = p.elapsedMs / 1000;
    const failed = p.failed.reduce((sum, f) => sum + f.count, 0);
    const classes = this.classes ?? classViews(p.total.map((t) => ({ name: t.className })));
    return html`
      <div class="head">
        <span class="status ${p.status}" role="status" aria-live="polite">${STATUS_TEXT[p.status]}</span>
        <span class="meta" title="run ${p.runId}">run ${shortRunId(p.runId)}</span>
        <span class="meta">${seconds.toFixed(1)} s</span>
        <span class="meta">${formatRate(p.imagesPerSecond)} images/s overall</span>
        ${failed > 0 ? html`<span class="meta">${failed} unreadable images skipped</span>` : nothing}
      </div>
      <div class="rows">
        ${classes.map((c) => this.renderRow(c, p, seconds))}
      </div>
      ${p.error ? html`<div class="error" role="alert">${p.error}</div>` : nothing}
    `;
  }

  private renderRow(c: ClassView, p: ProgressView, seconds: number) {
    const done = countOf(p.done, c.name);
    const total = countOf(p.total, c.name);
    const label = c.short === c.name ? c.name : `${c.short} ${c.name}`;
    const colour = c.colour;
    const key = c.name;
    const fraction = total > 0 ? Math.min(1, done / total) : 0;
    const rate = seconds > 0 ? done / seconds : 0;
    return html`
      <span class="name"><span class="swatch" style="background:${colour}"></span>${label}</span>
      <div
        class="track"
        role="progressbar"
        aria-label="${label} events scored"
        aria-valuemin="0"
        aria-valuemax=${total}
        aria-valuenow=${done}
        data-class=${key}
      >
        <div class="fill" style="width:${(fraction * 100).toFixed(1)}%;background:${colour}"></div>
      </div>
      <span class="count">${done} / ${total}</span>
      <span class="rate">${formatRate(rate)} img/s</span>
    `;
  }
}

function countOf(counts: readonly ClassCount[], className: string): number {
  return counts.find((c) => c.className === className)?.count ?? 0;
}

/** UUIDs are long; their first 8 characters tell runs apart on one screen (the full id is in the URL). */
export function shortRunId(runId: string): string {
  return runId.length > 12 ? runId.slice(0, 8) : runId;
}

function formatRate(rate: number): string {
  if (!Number.isFinite(rate) || rate <= 0) return '–';
  return rate >= 100 ? Math.round(rate).toLocaleString('en-US') : rate.toFixed(1);
}

declare global {
  interface HTMLElementTagNameMap {
    'astri-progress': AstriProgress;
  }
}
