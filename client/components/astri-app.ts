// The dashboard page: settings on the left, the run's progress, figures of merit, the four plots and the
// sample events on the right. It owns the settings (mirrored in the URL) and the run; its children only
// draw what it passes them and report what the user did.
import { css, html, LitElement, nothing, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { CatalogController } from '../controllers/catalog-controller.ts';
import { PredictionRunController } from '../controllers/prediction-run-controller.ts';
import { downloadBlob, predictionsCsv } from '../export/files.ts';
import { groupErrors, type DashboardError } from '../state/errors.ts';
import { computeFigures, type DashboardFigures } from '../state/metrics.ts';
import type { DashboardSource } from '../state/source.ts';
import { DEFAULT_SETTINGS, readUrlState, writeUrlState } from '../state/url-state.ts';
import type { Catalog, DashboardSettings } from '../types.ts';
import './astri-confusion-plot.ts';
import './astri-controls.ts';
import type { SettingsChangeDetail } from './astri-controls.ts';
import './astri-metrics-summary.ts';
import './astri-plot-card.ts';
import './astri-pr-plot.ts';
import { shortRunId } from './astri-progress.ts';
import './astri-roc-plot.ts';
import './astri-samples.ts';
import './astri-separation-plot.ts';
import './astri-threshold.ts';
import type { ThresholdChangeDetail } from './astri-threshold.ts';
import { tokens } from './shared-styles.ts';

@customElement('astri-app')
export class AstriApp extends LitElement {
  static override styles = [
    tokens,
    css`
      :host {
        display: block;
        min-height: 100vh;
        background: var(--astri-page);
      }
      .topbar {
        display: flex;
        align-items: baseline;
        gap: 14px;
        padding: 10px 20px;
        background: #17232f;
        color: #e4e7eb;
        flex-wrap: wrap;
      }
      h1 {
        font-size: 15px;
        font-weight: 600;
        margin: 0;
        color: #ffffff;
        letter-spacing: 0.01em;
      }
      .subtitle {
        font-size: 12px;
        color: #9aa5b1;
      }
      .server {
        margin-left: auto;
        font-size: 12px;
        color: #9aa5b1;
        font-variant-numeric: tabular-nums;
      }
      .badge {
        font-size: 11px;
        font-weight: 600;
        padding: 1px 6px;
        border-radius: 3px;
        background: #f0b429;
        color: #17232f;
      }
      .layout {
        display: grid;
        grid-template-columns: 288px minmax(0, 1fr);
        gap: 16px;
        padding: 16px 20px 28px;
        max-width: 2200px;
        margin: 0 auto;
        align-items: start;
      }
      aside {
        position: sticky;
        top: 12px;
        background: var(--astri-panel);
        border: 1px solid var(--astri-line);
        border-radius: var(--astri-radius);
        padding: 12px;
      }
      .results {
        display: flex;
        flex-direction: column;
        gap: 12px;
        min-width: 0;
      }
      .panel {
        background: var(--astri-panel);
        border: 1px solid var(--astri-line);
        border-radius: var(--astri-radius);
        padding: 10px 12px;
      }
      .toolbar {
        display: flex;
        gap: 8px;
        align-items: center;
        flex-wrap: wrap;
      }
      .toolbar .spacer {
        flex: 1;
      }
      .toolbar .meta {
        color: var(--astri-muted);
        font-size: 12px;
      }
      .plots {
        display: grid;
        grid-template-columns: repeat(2, minmax(0, 1fr));
        gap: 12px;
      }
      .banner {
        border-left: 3px solid var(--astri-error);
        background: var(--astri-error-bg);
        color: var(--astri-error);
        padding: 8px 12px;
        border-radius: var(--astri-radius);
        display: flex;
        gap: 12px;
        align-items: center;
      }
      .banner button {
        margin-left: auto;
      }
      .intro {
        color: var(--astri-muted);
        font-size: 13px;
        margin: 0;
      }
      @media (min-width: 1800px) {
        .plots {
          grid-template-columns: repeat(4, minmax(0, 1fr));
        }
      }
      @media (max-width: 900px) {
        .layout {
          grid-template-columns: minmax(0, 1fr);
          padding: 12px;
        }
        aside {
          position: static;
        }
        .plots {
          grid-template-columns: minmax(0, 1fr);
        }
      }
    `,
  ];

  /** Where the data comes from; set by main.ts (the GraphQL API, or the demo's recorded predictions). */
  @property({ attribute: false }) source!: DashboardSource;

  @state() private settings: DashboardSettings = { ...DEFAULT_SETTINGS };
  @state() private thresholdTouched = false;

  private catalogController!: CatalogController;
  private run!: PredictionRunController;
  private figures: DashboardFigures | null = null;
  private figuresKey = '';
  private demo: string | null = null;
  private initialRunId: string | null = null;
  private eventsFromUrl = false;

  override connectedCallback(): void {
    if (!this.catalogController) {
      const fromUrl = readUrlState(window.location.search);
      this.settings = { ...DEFAULT_SETTINGS, ...fromUrl.settings };
      this.thresholdTouched = fromUrl.settings.threshold !== undefined;
      this.eventsFromUrl = fromUrl.settings.eventsPerClass !== undefined;
      this.demo = fromUrl.demo;
      this.initialRunId = fromUrl.runId;
      this.catalogController = new CatalogController(this, this.source, (catalog) => this.onCatalog(catalog));
      this.run = new PredictionRunController(this, this.source);
    }
    super.connectedCallback();
  }

  private onCatalog(catalog: Catalog): void {
    const next = { ...this.settings };
    const bins = catalog.bins;
    if (next.energyBin === null || !bins.some((bin) => bin.index === next.energyBin)) {
      // The first bin that can hold the requested run, else the first bin.
      next.energyBin =
        bins.find((bin) => Math.min(bin.gammaCount, bin.protonCount) >= next.eventsPerClass)?.index ?? bins[0]?.index ?? null;
    }
    const chosen = bins.find((bin) => bin.index === next.energyBin);
    const available = chosen ? Math.min(chosen.gammaCount, chosen.protonCount) : 0;
    if (!this.eventsFromUrl && available > 0 && available < next.eventsPerClass) {
      // A small bin (or the demo's data): offer what it holds rather than a run that would be refused.
      next.eventsPerClass = Math.max(Math.min(100, available), Math.floor(available / 50) * 50);
    }
    if (next.modelId !== null && !catalog.models.some((model) => model.id === next.modelId)) next.modelId = null;
    if (!this.thresholdTouched) next.threshold = catalog.server.defaultThreshold;
    next.samples = Math.min(next.samples, catalog.server.limits.maxSamples);
    this.settings = next;
    if (this.initialRunId) {
      const runId = this.initialRunId;
      this.initialRunId = null;
      void this.run.show(runId).then((result) => {
        if (result) this.settings = { ...this.settings, ...result.request, modelId: result.request.modelId ?? this.settings.modelId };
      });
    }
  }

  protected override willUpdate(changed: PropertyValues): void {
    super.willUpdate(changed);
    // Recompute only when new scores arrived or the cut moved; everything else is a plain re-render.
    const key = `${this.run.version}|${this.settings.threshold}`;
    if (key !== this.figuresKey) {
      this.figuresKey = key;
      this.figures = computeFigures(this.run.scores.scores(), this.settings.threshold);
    }
  }

  protected override updated(changed: PropertyValues): void {
    super.updated(changed);
    const query = writeUrlState(
      { settings: this.settings, runId: this.run.finished ? this.run.runId : null, demo: this.demo },
      window.location.search,
    );
    if (query !== window.location.search) {
      window.history.replaceState(null, '', `${window.location.pathname}${query}${window.location.hash}`);
    }
  }

  protected override render() {
    const catalog = this.catalogController.catalog;
    const catalogError = this.catalogController.error;
    const errors = groupErrors([catalogError, this.run.error].filter((e): e is DashboardError => e !== null));
    const figures = this.figures;
    const threshold = this.settings.threshold;
    const stem = this.fileStem();
    return html`
      <header class="topbar">
        <h1>ASTRI gamma/hadron separation</h1>
        <span class="subtitle">CNN inference on Cherenkov camera images</span>
        ${this.source.kind === 'demo'
          ? html`<span class="badge" title="Recorded predictions from data/sample_predictions.json; no server">demo data</span>`
          : nothing}
        <span class="server">${this.renderServer(catalog)}</span>
      </header>
      <div class="layout">
        <aside aria-label="Run settings">
          <astri-controls
            .bins=${catalog?.bins ?? []}
            .models=${catalog?.models ?? []}
            .limits=${catalog?.server.limits ?? null}
            .settings=${this.settings}
            .errors=${errors.controls}
            ?running=${this.run.running}
            ?starting=${this.run.starting}
            ?unavailable=${!catalog}
            @settings-change=${this.onSettingsChange}
            @predict-request=${this.onPredict}
            @cancel-request=${this.onCancel}
          ></astri-controls>
        </aside>
        <main class="results">
          ${errors.general.map(
            (message) => html`<div class="banner" role="alert">
              <span>${message}</span>
              ${catalogError ? html`<button type="button" @click=${() => this.catalogController.load()}>Retry</button>` : nothing}
            </div>`,
          )}
          ${this.catalogController.loading ? html`<div class="panel intro" role="status">Loading energy bins and models…</div>` : nothing}
          ${this.run.progress
            ? html`<div class="panel">
                <astri-progress .progress=${this.run.progress}></astri-progress>
              </div>`
            : html`<div class="panel intro">
                Choose an energy bin and the number of events per class, then press <strong>Predict!</strong>. The
                plots update after every batch; move the gammaness cut at any time.
              </div>`}
          <div class="toolbar">
            <astri-metrics-summary
              style="flex:1;min-width:0"
              .figures=${figures}
              .serverMetrics=${this.run.finished ? this.run.serverMetrics : null}
            ></astri-metrics-summary>
          </div>
          <div class="toolbar">
            <span class="meta">${this.run.scores.size} predictions${this.run.runId ? ` · run ${shortRunId(this.run.runId)}` : ''}</span>
            <span class="spacer"></span>
            <button type="button" ?disabled=${this.run.scores.size === 0} @click=${this.exportCsv}
              title="Download every prediction of this run as CSV">Predictions CSV</button>
          </div>
          <div class="plots">
            <astri-plot-card
              heading="Gamma/hadron separation"
              caption="Gammaness of each class, counts per bin of 0.02 on a log scale."
              file-stem="${stem}-separation"
            >
              <astri-separation-plot .data=${figures?.histogram ?? null}></astri-separation-plot>
            </astri-plot-card>
            <astri-plot-card
              heading="Confusion matrix"
              caption="Predicted gamma when gammaness ≥ the cut; shading = fraction of the true class."
              file-stem="${stem}-confusion"
            >
              <astri-threshold
                slot="controls"
                .threshold=${threshold}
                .error=${errors.controls.threshold ?? ''}
                @threshold-change=${this.onThresholdChange}
              ></astri-threshold>
              <astri-confusion-plot .data=${figures?.confusion ?? null}></astri-confusion-plot>
            </astri-plot-card>
            <astri-plot-card
              heading="ROC curve"
              caption="γ efficiency against proton acceptance as the cut sweeps from 1 to 0; ○ marks the current cut."
              file-stem="${stem}-roc"
            >
              <astri-roc-plot .data=${figures?.roc ?? null}></astri-roc-plot>
            </astri-plot-card>
            <astri-plot-card
              heading="Precision / recall"
              caption="γ purity against γ efficiency; dashed: a classifier without skill."
              file-stem="${stem}-precision-recall"
            >
              <astri-pr-plot .data=${figures?.precisionRecall ?? null}></astri-pr-plot>
            </astri-plot-card>
          </div>
          <astri-samples
            .samples=${this.run.samples}
            .threshold=${threshold}
            .note=${this.samplesNote()}
          ></astri-samples>
        </main>
      </div>
    `;
  }

  private renderServer(catalog: Catalog | null) {
    if (!catalog) return nothing;
    const s = catalog.server;
    if (this.source.kind === 'demo') return html`recorded predictions · no server`;
    return html`server ${s.version} · ${s.backendName}${s.device ? ` (${s.device})` : ''} · batch ${s.batchSize}`;
  }

  private samplesNote(): string {
    if (this.run.running) return 'Sample images appear when the run has finished.';
    if (this.run.loadingResult) return 'Loading sample images…';
    if (this.run.finished && (this.run.request?.samples ?? 0) === 0) return 'This run asked for no sample images.';
    return 'Sample images of the next run appear here.';
  }

  private fileStem(): string {
    const bin = this.run.request?.energyBin ?? this.settings.energyBin;
    const run = this.run.runId ? `-run${shortRunId(this.run.runId)}` : '';
    return `astri-bin${bin ?? 'x'}${run}`;
  }

  private onSettingsChange = (event: CustomEvent<SettingsChangeDetail>): void => {
    // An API error about a control is settled once the user changes that control.
    const control = this.run.error?.control;
    if (control && control in event.detail) this.run.clearError();
    this.settings = { ...this.settings, ...event.detail };
  };

  private onThresholdChange = (event: CustomEvent<ThresholdChangeDetail>): void => {
    this.thresholdTouched = true;
    this.settings = { ...this.settings, threshold: event.detail.threshold };
  };

  private onPredict = (): void => {
    const { energyBin, eventsPerClass, samples, modelId } = this.settings;
    if (energyBin === null) return;
    void this.run.start({ energyBin, eventsPerClass, samples, modelId });
  };

  private onCancel = (): void => {
    void this.run.cancel();
  };

  private exportCsv = (): void => {
    const csv = predictionsCsv(this.run.scores.events);
    downloadBlob(new Blob([csv], { type: 'text/csv' }), `${this.fileStem()}-predictions.csv`);
  };
}

declare global {
  interface HTMLElementTagNameMap {
    'astri-app': AstriApp;
  }
}
