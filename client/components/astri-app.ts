// The dashboard page: dataset, model and run settings (plus uploads) on the left; the run's progress, the
// figures of merit, the plots and the sample events on the right. Binary datasets get the four
// gamma/hadron plots; datasets of more than two classes get the N-class view (heat map, one-vs-rest
// curves, a class-against-the-rest histogram, the classification report). It owns the settings (mirrored
// in the URL) and the run; its children only draw what it passes them and report what the user did. A run over
// several energy bins adds the five plots against energy with their fixed-efficiency controls; a finished binary
// run can be compared with another model on the same events; the run history lists past runs to reopen.
import { css, html, LitElement, nothing, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { CatalogController } from '../controllers/catalog-controller.ts';
import { PredictionRunController } from '../controllers/prediction-run-controller.ts';
import { UploadController } from '../controllers/upload-controller.ts';
import { downloadBlob, predictionsCsv } from '../export/files.ts';
import { calibrationCurve, type ConfidenceInterval, type EnergyBinFigures } from '../../server/metrics/index.ts';
import type { ReliabilityData } from '../plots/reliability-diagram.ts';
import { binaryVocabulary, classViews, OKABE_ITO, type BinaryVocabulary, type ClassView } from '../plots/theme.ts';
import {
  classEnergyPlots,
  DEFAULT_LEVEL,
  DEFAULT_RESAMPLES,
  energyCsv,
  energyFigures,
  energyPlots,
  type ClassEnergyPlots,
  type EnergyPlots,
  type EnergySeriesInput,
} from '../state/energy.ts';
import { classMappingFor, mappingPairs, modelFits } from '../state/class-mapping.ts';
import { classScoreHistogram, computeClassification, multiclassFigures, type MulticlassFigures } from '../state/classification.ts';
import { groupErrors, type DashboardError } from '../state/errors.ts';
import { computeFigures, type DashboardFigures } from '../state/metrics.ts';
import type { DashboardSource } from '../state/source.ts';
import { DEFAULT_GAMMA_EFFICIENCY, DEFAULT_HADRON_EFFICIENCY, DEFAULT_SETTINGS, readUrlState, writeUrlState } from '../state/url-state.ts';
import type { Catalog, ClassificationSummary, ClassMappingPair, DashboardSettings, DatasetSummary, ModelSummary, RunClass, RunComparisonSummary, RunListItem } from '../types.ts';
import './astri-comparison.ts';
import type { CompareRequestDetail } from './astri-comparison.ts';
import './astri-efficiency-controls.ts';
import type { EfficiencyChangeDetail } from './astri-efficiency-controls.ts';
import './astri-energy-plot.ts';
import './astri-history.ts';
import './astri-reliability-plot.ts';
import type { RunActionDetail } from './astri-history.ts';
import './astri-class-curves-plot.ts';
import './astri-classification-report.ts';
import './astri-confusion-plot.ts';
import './astri-controls.ts';
import type { SettingsChangeDetail } from './astri-controls.ts';
import './astri-metrics-summary.ts';
import './astri-multiclass-confusion-plot.ts';
import './astri-plot-card.ts';
import './astri-pr-plot.ts';
import { shortRunId } from './astri-progress.ts';
import './astri-roc-plot.ts';
import './astri-samples.ts';
import './astri-separation-plot.ts';
import './astri-threshold.ts';
import type { ThresholdChangeDetail } from './astri-threshold.ts';
import './astri-upload-panel.ts';
import type { UploadRequestDetail } from './astri-upload-panel.ts';
import './astri-token-prompt.ts';
import type { TokenSubmitDetail } from './astri-token-prompt.ts';
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
      .class-picker {
        display: flex;
        gap: 6px;
        align-items: center;
        font-size: 12px;
        color: var(--astri-muted);
      }
      .class-picker select {
        font: inherit;
        padding: 1px 4px;
        border: 1px solid var(--astri-line);
        border-radius: var(--astri-radius);
        background: var(--astri-panel);
        color: var(--astri-ink);
      }
      .uploads {
        margin-top: 12px;
        display: flex;
        flex-direction: column;
        gap: 8px;
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
  /** The class of the N-class score histogram (against the rest); the first class until one is chosen. */
  @state() private histogramClass: string | null = null;
  @state() private history: RunListItem[] = [];
  @state() private comparison: RunComparisonSummary | null = null;
  @state() private comparisonStatus = '';

  private catalogController!: CatalogController;
  private run!: PredictionRunController;
  /** Another model's run on the main run's events (model comparison); replaced with every new main run. */
  private compareRun!: PredictionRunController;
  private energy: EnergyPlots | null = null;
  private classEnergy: ClassEnergyPlots | null = null;
  private reliability: ReliabilityData | null = null;
  private energyInputs: EnergySeriesInput[] = [];
  private energyKey = '';
  /** AUC intervals per series, recomputed only when the scores change (not when an efficiency moves). */
  private aucIntervals = new Map<string, { key: string; intervals: Array<ConfidenceInterval | null> }>();
  private historyFor: string | null | undefined = undefined;
  private comparisonFor: string | null = null;
  private datasetUpload!: UploadController;
  private modelUpload!: UploadController;
  private figures: DashboardFigures | null = null;
  private multiclass: MulticlassFigures | null = null;
  private classification: ClassificationSummary | null = null;
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
      this.compareRun = new PredictionRunController(this, this.source);
      this.datasetUpload = new UploadController(this, this.source, 'dataset', (id) => this.onUploaded('dataset', id));
      this.modelUpload = new UploadController(this, this.source, 'model', (id) => this.onUploaded('model', id));
    }
    super.connectedCallback();
  }

  private onCatalog(catalog: Catalog): void {
    let next = { ...this.settings };
    const ready = catalog.datasets.filter((d) => d.state === 'READY');
    if (!ready.some((d) => d.id === next.datasetId)) next.datasetId = defaultDataset(ready)?.id ?? null;
    if (next.modelId !== null && !catalog.models.some((model) => model.id === next.modelId)) next.modelId = null;
    next = this.withDatasetDefaults(next, catalog, false);
    if (!this.thresholdTouched) next.threshold = catalog.server.defaultThreshold;
    next.samples = Math.min(next.samples, catalog.server.limits.maxSamples);
    this.settings = next;
    if (this.initialRunId) {
      const runId = this.initialRunId;
      this.initialRunId = null;
      void this.run.show(runId).then((result) => {
        if (result) {
          this.settings = {
            ...this.settings,
            ...result.request,
            allBins: (result.bins?.length ?? 0) > 1,
            datasetId: result.request.datasetId ?? this.settings.datasetId,
            modelId: result.request.modelId ?? this.settings.modelId,
          };
        }
      });
    }
  }

  /**
   * The bin (first one holding the requested run), the events per class the dataset can give, and a
   * model whose classes are the dataset's when the chosen one's are not (the active one first).
   */
  private withDatasetDefaults(settings: DashboardSettings, catalog: Catalog, datasetChanged: boolean): DashboardSettings {
    const next = { ...settings };
    const dataset = catalog.datasets.find((d) => d.id === next.datasetId);
    if (!dataset) return next;
    let available: number;
    if (dataset.hasEnergies) {
      const bins = dataset.energyBins;
      const smallest = (index: number | null) => {
        const bin = bins.find((b) => b.index === index);
        return bin && bin.counts.length ? Math.min(...bin.counts.map((c) => c.count)) : 0;
      };
      if (next.energyBin === null || !bins.some((bin) => bin.index === next.energyBin)) {
        next.energyBin = bins.find((bin) => smallest(bin.index) >= next.eventsPerClass)?.index ?? bins[0]?.index ?? null;
      }
      available = smallest(next.energyBin);
    } else {
      next.energyBin = null;
      available = dataset.classes.length ? Math.min(...dataset.classes.map((c) => c.eventCount)) : 0;
    }
    if ((datasetChanged || !this.eventsFromUrl) && available > 0 && available < next.eventsPerClass) {
      // A small bin (or the demo's data): offer what it holds rather than a run that would be refused.
      next.eventsPerClass = Math.max(Math.min(100, available), Math.floor(available / 50) * 50);
    }
    const names = dataset.classes.map((c) => c.name);
    const current = catalog.models.find((m) => m.id === next.modelId) ?? catalog.models.find((m) => m.active) ?? catalog.models[0];
    if (current && !fits(current, names)) {
      const fitting = catalog.models.filter((m) => fits(m, names));
      const pick = fitting.find((m) => m.active) ?? fitting[0];
      if (pick) next.modelId = pick.id;
    }
    return next;
  }

  private onUploaded(kind: 'dataset' | 'model', id: string): void {
    void this.catalogController.load().then(() => {
      const catalog = this.catalogController.catalog;
      if (!catalog) return;
      if (kind === 'dataset' && catalog.datasets.some((d) => d.id === id && d.state === 'READY')) {
        this.settings = this.withDatasetDefaults({ ...this.settings, datasetId: id, energyBin: null }, catalog, true);
      } else if (kind === 'model' && catalog.models.some((m) => m.id === id)) {
        this.settings = { ...this.settings, modelId: id, classMapping: undefined };
      }
    });
  }

  /** The chosen dataset. */
  private get chosenDataset(): DatasetSummary | null {
    const catalog = this.catalogController.catalog;
    return catalog?.datasets.find((d) => d.id === this.settings.datasetId) ?? null;
  }

  /** The classes shown: the run's while there is one, else the chosen dataset's. */
  private get classes(): RunClass[] {
    return this.run.classes.length ? this.run.classes : (this.chosenDataset?.classes ?? []);
  }

  /** The dataset of the run shown (for a shared run), else the chosen one. */
  private get shownDataset(): DatasetSummary | null {
    const id = this.run.request?.datasetId;
    return (id && this.catalogController.catalog?.datasets.find((d) => d.id === id)) || this.chosenDataset;
  }

  private get isMulticlass(): boolean {
    return this.classes.length > 2;
  }

  /** Binary runs: the signal class (the dataset's; gamma for ASTRI; else the second class, sklearn's pos_label=1). */
  private vocabulary(views: ClassView[]): BinaryVocabulary | null {
    if (views.length !== 2) return null;
    const declared = this.run.signalClass ?? this.shownDataset?.signalClass;
    const signalName =
      (declared && views.some((v) => v.name === declared) ? declared : null) ??
      (views.some((v) => v.name === 'gamma') ? 'gamma' : views[1].name);
    const signal = views.find((v) => v.name === signalName)!;
    const background = views.find((v) => v.name !== signalName)!;
    return binaryVocabulary(signal, background);
  }

  /**
   * The classes in the order the page lists them (progress bars, sample rows): the run's order, except
   * that a binary run lists its signal class first, as the gamma/hadron page always has.
   */
  private displayViews(): ClassView[] {
    const views = classViews(this.classes);
    const vocabulary = this.vocabulary(views);
    return vocabulary ? [vocabulary.signal, vocabulary.background] : views;
  }

  protected override willUpdate(changed: PropertyValues): void {
    super.willUpdate(changed);
    const classes = this.classes;
    const names = classes.map((c) => c.name);
    const views = classViews(classes.length ? classes : [{ name: 'gamma' }, { name: 'proton' }]);
    // Recompute only when new scores arrived, the cut or the classes changed; everything else is a plain re-render.
    this.updateEnergy(views.length === 2 ? this.vocabulary(views) : null, names);
    const key = [this.run.version, this.compareRun.version, this.compareRun.modelName, this.run.modelName, this.settings.threshold, names.join('\u0000'), this.histogramClass, this.run.serverClassification ? 1 : 0, this.shownDataset?.id, this.run.signalClass].join('|');
    if (key === this.figuresKey) return;
    this.figuresKey = key;
    if (views.length > 2) {
      const input = this.run.scores.classScores(names);
      this.classification = this.run.serverClassification ?? computeClassification(input, names);
      const chosen = views.find((v) => v.name === this.histogramClass) ?? views[0];
      const histogram = classScoreHistogram(input, views.indexOf(chosen));
      this.multiclass = multiclassFigures(this.classification, views, chosen, histogram);
      this.figures = null;
    } else {
      const vocabulary = this.vocabulary(views)!;
      const binary = this.run.scores.binaryScores(views.map((v) => v.name), vocabulary.signal.name);
      this.figures = computeFigures(binary, this.settings.threshold, vocabulary);
      const calibration = calibrationCurve(
        [...Array.from(binary.gamma, () => 1), ...Array.from(binary.proton, () => 0)],
        [...Array.from(binary.gamma), ...Array.from(binary.proton)],
        RELIABILITY_BINS,
      );
      this.reliability = { bins: calibration?.bins ?? [], brierScore: calibration?.brierScore ?? null, vocabulary };
      if (this.compareRun.runId && this.compareRun.scores.size > 0) {
        const other = computeFigures(this.compareRun.scores.binaryScores(views.map((v) => v.name), vocabulary.signal.name), this.settings.threshold, vocabulary);
        this.figures = {
          ...this.figures,
          roc: {
            ...this.figures.roc,
            label: this.run.modelName ?? 'this run',
            others: [{ key: 'compare', label: this.compareRun.modelName ?? 'compared model', colour: OKABE_ITO[2], fpr: other.roc.fpr, tpr: other.roc.tpr, auc: other.roc.auc }],
          },
        };
      }
      this.multiclass = null;
      this.classification = null;
    }
  }

  /** The figures against energy of the run (and of the compared run), redrawn when scores or efficiencies change. */
  private updateEnergy(vocabulary: BinaryVocabulary | null, names: string[]): void {
    const bins = this.run.bins;
    const gammaEfficiency = this.settings.gammaEfficiency ?? DEFAULT_GAMMA_EFFICIENCY;
    const hadronEfficiency = this.settings.hadronEfficiency ?? DEFAULT_HADRON_EFFICIENCY;
    const key = [this.run.version, this.compareRun.version, gammaEfficiency, hadronEfficiency, bins.length, this.run.finished, this.compareRun.finished, this.run.seed, vocabulary?.signal.name, this.run.modelName, this.compareRun.modelName].join('|');
    if (key === this.energyKey) return;
    this.energyKey = key;
    this.classEnergy = null;
    if (bins.length < 2) {
      this.energy = null;
      this.energyInputs = [];
      return;
    }
    if (!vocabulary) {
      // N-class runs: accuracy and macro AUC per bin, no cut to choose.
      const figures = energyFigures(this.run.scores.events, names, null, bins, { gammaEfficiency, hadronEfficiency, resamples: 0, level: DEFAULT_LEVEL, seed: 0 });
      this.energy = null;
      this.energyInputs = [{ key: 'main', label: this.run.modelName ?? 'this run', colour: OKABE_ITO[0], figures }];
      this.classEnergy = classEnergyPlots(this.energyInputs);
      return;
    }
    const options = { gammaEfficiency, hadronEfficiency, level: DEFAULT_LEVEL };
    const seriesOf = (key: string, controller: PredictionRunController, label: string, colour: string): EnergySeriesInput => {
      const base = { ...options, resamples: 0, seed: controller.seed ?? 0 };
      const figures = energyFigures(controller.scores.events, names, vocabulary.signal.name, bins, base);
      // The bootstrap (as the API draws it) once the run's scores are all in; the cuts redraw live without it.
      const scoresKey = `${controller.runId}|${controller.version}|${controller.seed}`;
      let cached = this.aucIntervals.get(key);
      if (controller.finished && controller.seed !== null && cached?.key !== scoresKey) {
        const full = energyFigures(controller.scores.events, names, vocabulary.signal.name, bins, { ...base, resamples: DEFAULT_RESAMPLES });
        cached = { key: scoresKey, intervals: full.map((f) => f.separation?.aucInterval ?? null) };
        this.aucIntervals.set(key, cached);
      }
      const intervals = cached?.key === scoresKey ? cached.intervals : [];
      return { key, label, colour, figures: figures.map((f, k): EnergyBinFigures => (f.separation ? { ...f, separation: { ...f.separation, aucInterval: intervals[k] ?? null } } : f)) };
    };
    const inputs = [seriesOf('main', this.run, this.run.modelName ?? 'this run', vocabulary.signal.colour)];
    if (this.compareRun.runId && this.compareRun.scores.size > 0) inputs.push(seriesOf('compare', this.compareRun, this.compareRun.modelName ?? 'compared model', OKABE_ITO[2]));
    this.energyInputs = inputs;
    this.energy = energyPlots(inputs, options);
  }

  protected override updated(changed: PropertyValues): void {
    super.updated(changed);
    // The history follows the runs: reload when a run finished (or was opened) and once the page is up.
    const historyKey = this.run.finished ? `${this.run.runId}|${this.compareRun.finished ? this.compareRun.runId : ''}` : null;
    if (this.source.listRuns && this.catalogController.catalog && historyKey !== this.historyFor) {
      this.historyFor = historyKey;
      void this.loadHistory();
    }
    if (this.compareRun.finished && this.run.finished && this.compareRun.runId && this.comparisonFor !== this.compareRun.runId) {
      this.comparisonFor = this.compareRun.runId;
      void this.loadComparison(this.run.runId!, this.compareRun.runId);
    }
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
    const views = this.displayViews();
    const dataset = this.chosenDataset;
    return html`
      <header class="topbar">
        <h1>${this.isMulticlass ? 'ASTRI inference' : 'ASTRI gamma/hadron separation'}</h1>
        <span class="subtitle">${dataset ? `${dataset.name} · ` : ''}CNN inference on ${dataset?.channels === 3 ? 'RGB images' : 'Cherenkov camera images'}</span>
        ${this.source.kind === 'demo'
          ? html`<span class="badge" title="Recorded and synthetic predictions; no server">demo data</span>`
          : nothing}
        <span class="server">${this.renderServer(catalog)}</span>
      </header>
      <div class="layout">
        <aside aria-label="Run settings">
          <astri-controls
            .datasets=${catalog?.datasets ?? []}
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
          <div class="uploads">
            <astri-upload-panel kind="dataset" .view=${this.datasetUpload.view} @upload-request=${this.onUpload} @upload-cancel=${this.onUploadCancel}></astri-upload-panel>
            <astri-upload-panel kind="model" .view=${this.modelUpload.view} @upload-request=${this.onUpload} @upload-cancel=${this.onUploadCancel}></astri-upload-panel>
          </div>
        </aside>
        <main class="results">
          ${this.renderTokenPrompt(catalogError)}
          ${errors.general.map(
            (message) => html`<div class="banner" role="alert">
              <span>${message}</span>
              ${catalogError ? html`<button type="button" @click=${() => this.catalogController.load()}>Retry</button>` : nothing}
            </div>`,
          )}
          ${this.catalogController.loading ? html`<div class="panel intro" role="status">Loading datasets and models…</div>` : nothing}
          ${this.run.progress
            ? html`<div class="panel">
                <astri-progress .progress=${this.run.progress} .classes=${views}></astri-progress>
              </div>`
            : html`<div class="panel intro">
                ${this.isMulticlass
                  ? html`Choose a dataset, a model and the number of events per class, then press <strong>Predict!</strong>. The
                      plots update after every batch.`
                  : html`Choose an energy bin and the number of events per class, then press <strong>Predict!</strong>. The
                      plots update after every batch; move the gammaness cut at any time.`}
              </div>`}
          ${this.isMulticlass ? this.renderMulticlass(views) : this.renderBinary()}
          <astri-samples
            .samples=${this.run.samples}
            .threshold=${this.settings.threshold}
            .classes=${views}
            .vocabulary=${this.isMulticlass ? null : (this.figures?.vocabulary ?? null)}
            .note=${this.samplesNote()}
          ></astri-samples>
          ${this.source.listRuns
            ? html`<div class="panel">
                <astri-history
                  .runs=${this.history}
                  current-run=${this.run.runId ?? ''}
                  @run-open=${this.onRunOpen}
                  @run-delete=${this.onRunDelete}
                  @history-refresh=${() => void this.loadHistory()}
                ></astri-history>
              </div>`
            : nothing}
        </main>
      </div>
    `;
  }

  /** The server wants a token (none sent, or one it does not know): ask for it. */
  private renderTokenPrompt(catalogError: DashboardError | null) {
    const unauthenticated = [catalogError, this.run.error].find((error) => error?.code === 'UNAUTHENTICATED');
    if (!unauthenticated || !this.source.setToken) return nothing;
    return html`<astri-token-prompt .message=${unauthenticated.message} @token-submit=${this.onTokenSubmit}></astri-token-prompt>`;
  }

  private onTokenSubmit = (event: CustomEvent<TokenSubmitDetail>): void => {
    this.source.setToken?.(event.detail.token);
    void this.catalogController.load();
  };

  private renderToolbar() {
    return html`<div class="toolbar">
      <span class="meta">${this.run.scores.size} predictions${this.run.runId ? ` · run ${shortRunId(this.run.runId)}` : ''}</span>
      <span class="spacer"></span>
      <button type="button" ?disabled=${this.run.scores.size === 0} @click=${this.exportCsv}
        title="Download every prediction of this run as CSV">Predictions CSV</button>
    </div>`;
  }

  private renderBinary() {
    const figures = this.figures;
    const threshold = this.settings.threshold;
    const errors = groupErrors([this.run.error].filter((e): e is DashboardError => e !== null));
    const stem = this.fileStem();
    const v = figures?.vocabulary;
    const astri = !v || v.score === 'Gammaness';
    const signal = v?.signal.short ?? 'γ';
    return html`
      <div class="toolbar">
        <astri-metrics-summary
          style="flex:1;min-width:0"
          .figures=${figures}
          .serverMetrics=${this.run.finished ? this.run.serverMetrics : null}
        ></astri-metrics-summary>
      </div>
      ${this.renderToolbar()}
      <div class="plots">
        <astri-plot-card
          heading=${astri ? 'Gamma/hadron separation' : `${v.signal.name}/${v.background.name} separation`}
          caption=${`${astri ? 'Gammaness' : v.score} of each class, counts per bin of 0.02 on a log scale.`}
          file-stem="${stem}-separation"
        >
          <astri-separation-plot .data=${figures?.histogram ?? null}></astri-separation-plot>
        </astri-plot-card>
        <astri-plot-card
          heading="Confusion matrix"
          caption=${astri
            ? 'Predicted gamma when gammaness ≥ the cut; shading = fraction of the true class.'
            : `Predicted ${v.signal.name} when its score ≥ the cut; shading = fraction of the true class.`}
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
          caption=${astri
            ? 'γ efficiency against proton acceptance as the cut sweeps from 1 to 0; ○ marks the current cut.'
            : `${v.signalEfficiency} against ${v.backgroundAcceptance} as the cut sweeps from 1 to 0; ○ marks the current cut.`}
          file-stem="${stem}-roc"
        >
          <astri-roc-plot .data=${figures?.roc ?? null}></astri-roc-plot>
        </astri-plot-card>
        <astri-plot-card
          heading="Precision / recall"
          caption=${astri ? 'γ purity against γ efficiency; dashed: a classifier without skill.' : `${signal} precision against recall; dashed: a classifier without skill.`}
          file-stem="${stem}-precision-recall"
        >
          <astri-pr-plot .data=${figures?.precisionRecall ?? null}></astri-pr-plot>
        </astri-plot-card>
        <astri-plot-card
          heading="Reliability diagram"
          caption=${`Fraction of ${v?.signal.name ?? 'gamma'} events against the mean ${astri ? 'gammaness' : 'score'} in ${RELIABILITY_BINS} equal bins (marker area: events); on the diagonal the score is a calibrated probability. Brier score: mean squared error of the score.`}
          file-stem="${stem}-reliability"
        >
          <astri-reliability-plot .data=${this.reliability}></astri-reliability-plot>
        </astri-plot-card>
      </div>
      ${this.renderComparison()} ${this.renderEnergy(stem)}
    `;
  }

  /** Another model on the same events, for a finished binary run of the API. */
  private renderComparison() {
    if (!this.source.compareRuns || !this.run.finished || this.run.seed === null || this.run.progress?.status !== 'COMPLETED') return nothing;
    const catalog = this.catalogController.catalog;
    const names = this.classes.map((c) => c.name);
    const models = (catalog?.models ?? []).filter((m) => m.id !== this.run.request?.modelId && fits(m, names));
    return html`<div class="panel">
      <astri-comparison
        .models=${models}
        .comparison=${this.comparison}
        status=${this.comparisonStatus}
        ?disabled=${this.compareRun.running || this.compareRun.starting}
        @compare-request=${this.onCompareRequest}
      ></astri-comparison>
    </div>`;
  }

  /** The five plots against energy of a run over several bins, with the fixed efficiencies that redraw them live. */
  private renderEnergy(stem: string) {
    const plots = this.energy;
    if (!plots) return nothing;
    const options = { gammaEfficiency: this.settings.gammaEfficiency ?? DEFAULT_GAMMA_EFFICIENCY, hadronEfficiency: this.settings.hadronEfficiency ?? DEFAULT_HADRON_EFFICIENCY, level: DEFAULT_LEVEL };
    const inputs = this.energyInputs;
    const csv = () => energyCsv(inputs, options);
    const card = (id: string, heading: string, caption: string, data: EnergyPlots[keyof EnergyPlots]) => html`<astri-plot-card heading=${heading} caption=${caption} file-stem="${stem}-${id}" .csv=${csv}>
      <astri-energy-plot class=${id} .data=${data}></astri-energy-plot>
    </astri-plot-card>`;
    return html`
      <section class="panel energy" aria-label="Separation against energy">
        <astri-efficiency-controls
          gamma-efficiency=${options.gammaEfficiency}
          hadron-efficiency=${options.hadronEfficiency}
          @efficiency-change=${this.onEfficiencyChange}
        ></astri-efficiency-controls>
      </section>
      <div class="plots energy-plots">
        ${card('auc-energy', 'ROC AUC against energy', `Per energy bin; bars: ${Math.round(DEFAULT_LEVEL * 100)}% percentile bootstrap (${DEFAULT_RESAMPLES} resamples, seeded with the run's seed), shown once the run has finished.`, plots.auc)}
        ${card('hadron-efficiency-energy', 'Hadron efficiency at fixed γ efficiency', 'Protons surviving the gammaness cut that keeps the fixed fraction of gammas in each bin (pyirf percentile cut).', plots.hadronAtGamma)}
        ${card('gamma-efficiency-energy', 'γ efficiency at fixed hadron efficiency', 'Gammas kept by the cut that lets the fixed fraction of protons through in each bin.', plots.gammaAtHadron)}
        ${card('cut-energy', 'Gammaness cut against energy', 'The cut per bin that keeps the fixed γ efficiency: the (1 − ε_γ) quantile of the gammas\' gammaness.', plots.cut)}
        ${card('q-energy', 'Best quality factor against energy', 'Best Q = ε_γ / √ε_h over all cuts of each bin (cuts no proton passes left out).', plots.qualityFactor)}
      </div>
    `;
  }

  /** An N-class run over several bins: accuracy and macro AUC against energy. */
  private renderClassEnergy(stem: string) {
    const plots = this.classEnergy;
    if (!plots) return nothing;
    const inputs = this.energyInputs;
    const options = { gammaEfficiency: this.settings.gammaEfficiency ?? DEFAULT_GAMMA_EFFICIENCY, hadronEfficiency: this.settings.hadronEfficiency ?? DEFAULT_HADRON_EFFICIENCY, level: DEFAULT_LEVEL };
    const csv = () => energyCsv(inputs, options);
    return html`<div class="plots energy-plots">
      <astri-plot-card heading="Accuracy against energy" caption="Fraction of each bin's events whose best-scored class is the true one." file-stem="${stem}-accuracy-energy" .csv=${csv}>
        <astri-energy-plot class="accuracy-energy" .data=${plots.accuracy}></astri-energy-plot>
      </astri-plot-card>
      <astri-plot-card heading="Macro AUC against energy" caption="Mean over classes of the one-vs-rest ROC AUC in each bin." file-stem="${stem}-macro-auc-energy" .csv=${csv}>
        <astri-energy-plot class="macro-auc-energy" .data=${plots.macroAuc}></astri-energy-plot>
      </astri-plot-card>
    </div>`;
  }

  private async loadHistory(): Promise<void> {
    if (!this.source.listRuns) return;
    try {
      this.history = await this.source.listRuns(20);
    } catch {
      // The history is a convenience: a failure leaves the last list and the page usable.
    }
  }

  private async loadComparison(first: string, second: string): Promise<void> {
    if (!this.source.compareRuns) return;
    this.comparisonStatus = 'comparing…';
    try {
      this.comparison = await this.source.compareRuns([first, second]);
      this.comparisonStatus = '';
    } catch (error) {
      this.comparison = null;
      this.comparisonStatus = error instanceof Error ? error.message : String(error);
    }
  }

  private onEfficiencyChange = (event: CustomEvent<EfficiencyChangeDetail>): void => {
    this.settings = { ...this.settings, ...event.detail };
  };

  private onCompareRequest = (event: CustomEvent<CompareRequestDetail>): void => {
    const request = this.run.request;
    if (!request || this.run.seed === null || !this.run.finished) return;
    this.comparison = null;
    this.comparisonStatus = 'running the other model on the same events…';
    this.comparisonFor = null;
    void this.compareRun.start({ ...request, modelId: event.detail.modelId, samples: 0, seed: this.run.seed, classMapping: undefined }, this.run.classes, this.run.bins);
  };

  /** A new main run (started or opened): the comparison belonged to the previous one. */
  private resetComparison(): void {
    this.compareRun.hostDisconnected();
    this.removeController(this.compareRun);
    this.compareRun = new PredictionRunController(this, this.source);
    this.comparison = null;
    this.comparisonStatus = '';
    this.comparisonFor = null;
    this.aucIntervals.delete('compare');
  }

  private onRunOpen = (event: CustomEvent<RunActionDetail>): void => {
    this.resetComparison();
    void this.run.show(event.detail.runId).then((result) => {
      if (result) this.settings = { ...this.settings, ...result.request, allBins: (result.bins?.length ?? 0) > 1, datasetId: result.request.datasetId ?? this.settings.datasetId, modelId: result.request.modelId ?? this.settings.modelId };
    });
  };

  private onRunDelete = (event: CustomEvent<RunActionDetail>): void => {
    const runId = event.detail.runId;
    if (!this.source.deleteRun || !window.confirm(`Delete run ${shortRunId(runId)} and its predictions?`)) return;
    void this.source.deleteRun(runId).then(
      () => this.loadHistory(),
      (error: unknown) => window.alert(error instanceof Error ? error.message : String(error)),
    );
  };

  private renderMulticlass(views: ClassView[]) {
    const figures = this.multiclass;
    const stem = this.fileStem();
    const chosen = views.find((v) => v.name === this.histogramClass) ?? views[0];
    return html`
      <astri-classification-report
        .summary=${this.classification}
        .classes=${views}
        origin=${this.run.serverClassification ? 'server' : 'browser'}
      ></astri-classification-report>
      ${this.renderToolbar()}
      <div class="plots">
        <astri-plot-card
          heading="Confusion matrix"
          caption="Rows: true class, columns: predicted (highest score); count and share of the true class, shaded by that share (viridis)."
          file-stem="${stem}-confusion"
        >
          <astri-multiclass-confusion-plot .data=${figures?.confusion ?? null}></astri-multiclass-confusion-plot>
        </astri-plot-card>
        <astri-plot-card
          heading="ROC curves (one-vs-rest)"
          caption="Each class's score ranking its events against all others; AUC per class in the legend."
          file-stem="${stem}-roc"
        >
          <astri-class-curves-plot class="roc" .data=${figures?.roc ?? null}></astri-class-curves-plot>
        </astri-plot-card>
        <astri-plot-card
          heading="Precision / recall per class"
          caption="One-vs-rest precision against recall; average precision (AP) per class in the legend."
          file-stem="${stem}-precision-recall"
        >
          <astri-class-curves-plot class="precision-recall" .data=${figures?.precisionRecall ?? null}></astri-class-curves-plot>
        </astri-plot-card>
        <astri-plot-card
          heading="Score of one class against the rest"
          caption="The chosen class's score for its own events and for all other events; counts per bin of 0.02 on a log scale."
          file-stem="${stem}-score-${chosen?.name ?? 'class'}"
        >
          <label slot="controls" class="class-picker">
            Class
            <select id="histogram-class" @change=${this.onHistogramClassChange}>
              ${views.map((v) => html`<option value=${v.name} ?selected=${v.name === chosen?.name}>${v.name}</option>`)}
            </select>
          </label>
          <astri-separation-plot class="class-score" .data=${figures?.histogram ?? null}></astri-separation-plot>
        </astri-plot-card>
      </div>
      ${this.renderClassEnergy(stem)}
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
    const request = this.run.request;
    const bin = request ? request.energyBin : this.settings.energyBin;
    const datasetId = request?.datasetId ?? this.settings.datasetId;
    const run = this.run.runId ? `-run${shortRunId(this.run.runId)}` : '';
    const several = (request ? (request.energyBins?.length ?? 0) > 1 : this.settings.allBins) ?? false;
    const where = several ? 'allbins' : bin !== null && bin !== undefined ? `bin${bin}` : `dataset${datasetId ?? 'x'}`;
    return `astri-${where}${run}`;
  }

  private onSettingsChange = (event: CustomEvent<SettingsChangeDetail>): void => {
    // An API error about a control is settled once the user changes that control.
    const control = this.run.error?.control;
    if (control && control in event.detail) this.run.clearError();
    let next = { ...this.settings, ...event.detail };
    // A mapping belongs to one dataset and one model.
    if (('datasetId' in event.detail || 'modelId' in event.detail) && !('classMapping' in event.detail)) delete next.classMapping;
    const catalog = this.catalogController.catalog;
    if ('datasetId' in event.detail && event.detail.datasetId !== this.settings.datasetId && catalog) {
      next = this.withDatasetDefaults({ ...next, energyBin: null }, catalog, true);
      this.histogramClass = null;
    }
    this.settings = next;
  };

  private onThresholdChange = (event: CustomEvent<ThresholdChangeDetail>): void => {
    this.thresholdTouched = true;
    this.settings = { ...this.settings, threshold: event.detail.threshold };
  };

  private onHistogramClassChange = (event: Event): void => {
    this.histogramClass = (event.target as HTMLSelectElement).value;
  };

  private onPredict = (): void => {
    const { datasetId, energyBin, eventsPerClass, samples, modelId } = this.settings;
    const dataset = this.chosenDataset;
    const allBins = Boolean(this.settings.allBins) && dataset?.hasEnergies !== false && (dataset?.energyBins.length ?? 0) > 0;
    if (dataset?.hasEnergies !== false && energyBin === null && !allBins) return;
    const classMapping = this.requestMapping();
    this.resetComparison();
    const bins = allBins ? dataset!.energyBins.map(({ index, minTeV, maxTeV, label }) => ({ index, minTeV, maxTeV, label })) : [];
    void this.run.start(
      {
        datasetId,
        energyBin: dataset?.hasEnergies === false || allBins ? null : energyBin,
        ...(allBins ? { energyBins: bins.map((bin) => bin.index) } : {}),
        eventsPerClass,
        samples,
        modelId,
        ...(classMapping ? { classMapping } : {}),
      },
      dataset?.classes ?? [],
      bins,
    );
  };

  /** For a model whose class names are not the dataset's: which output scores each dataset class. */
  private requestMapping(): ClassMappingPair[] | undefined {
    const catalog = this.catalogController.catalog;
    const dataset = this.chosenDataset;
    const model = catalog?.models.find((m) => m.id === this.settings.modelId) ?? catalog?.models.find((m) => m.active) ?? catalog?.models[0];
    if (!dataset || !model) return undefined;
    const names = dataset.classes.map((c) => c.name);
    if (fits(model, names)) return undefined;
    return mappingPairs(classMappingFor(model.classNames, names, this.settings.classMapping));
  }

  private onCancel = (): void => {
    void this.run.cancel();
  };

  private onUpload = (event: CustomEvent<UploadRequestDetail>): void => {
    const detail = event.detail;
    if (detail.kind === 'dataset') void this.datasetUpload.uploadDataset(detail.file, detail.dataset ?? {});
    else void this.modelUpload.uploadModel(detail.file, detail.model ?? {});
  };

  private onUploadCancel = (event: Event): void => {
    const kind = (event.target as HTMLElement).getAttribute('kind');
    (kind === 'model' ? this.modelUpload : this.datasetUpload).cancel();
  };

  private exportCsv = (): void => {
    const csv = predictionsCsv(this.run.scores.events, this.classes.map((c) => c.name));
    downloadBlob(new Blob([csv], { type: 'text/csv' }), `${this.fileStem()}-predictions.csv`);
  };
}

/** Bins of the reliability diagram, as PredictionRun.calibration defaults them. */
const RELIABILITY_BINS = 10;

/** ASTRI's demo dataset when there is one (the default of the page), else the first binary, else the first. */
function defaultDataset(datasets: readonly DatasetSummary[]): DatasetSummary | undefined {
  return (
    datasets.find((d) => d.source === 'demo' && d.signalClass === 'gamma') ??
    datasets.find((d) => d.signalClass === 'gamma') ??
    datasets[0]
  );
}

function fits(model: ModelSummary, classes: readonly string[]): boolean {
  return modelFits(model.classNames, classes);
}

declare global {
  interface HTMLElementTagNameMap {
    'astri-app': AstriApp;
  }
}
