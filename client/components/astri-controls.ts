// The run settings: dataset, energy bin (for datasets with energies), events per class, sample images,
// model, and Predict!/Cancel. Properties in; `settings-change`, `predict-request` and `cancel-request`
// out. Errors are shown under the control they concern.
import { css, html, LitElement, nothing, type PropertyValues } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { classMappingFor, mappingPairs, modelFits } from '../state/class-mapping.ts';
import type { ControlName } from '../state/errors.ts';
import type { DashboardSettings, DatasetSummary, EnergyBin, Limits, ModelSummary } from '../types.ts';
import { tokens } from './shared-styles.ts';

export type SettingsChangeDetail = Partial<DashboardSettings>;

/** The dashboard asks for 100 to 2000 events per class unless the server's limits say otherwise. */
export const DASHBOARD_MIN_EVENTS = 100;
export const DASHBOARD_MAX_EVENTS = 2000;
const EVENTS_STEP = 50;

@customElement('astri-controls')
export class AstriControls extends LitElement {
  static override styles = [
    tokens,
    css`
      :host {
        display: block;
      }
      form {
        display: flex;
        flex-direction: column;
        gap: 14px;
      }
      fieldset {
        border: 0;
        margin: 0;
        padding: 0;
        min-width: 0;
      }
      legend,
      .label {
        font-weight: 600;
        font-size: 12px;
        margin-bottom: 4px;
        padding: 0;
        display: block;
      }
      .hint {
        color: var(--astri-muted);
        font-size: 12px;
        margin-top: 3px;
      }
      .warn {
        color: var(--astri-warn);
        font-size: 12px;
        margin-top: 3px;
      }
      .error {
        color: var(--astri-error);
        background: var(--astri-error-bg);
        border-left: 3px solid var(--astri-error);
        padding: 4px 6px;
        font-size: 12px;
        margin-top: 4px;
      }
      .bins {
        display: flex;
        flex-direction: column;
        border: 1px solid var(--astri-line);
        border-radius: var(--astri-radius);
        overflow: hidden;
      }
      .bin {
        position: relative;
        display: grid;
        grid-template-columns: auto 1fr auto;
        align-items: center;
        gap: 8px;
        padding: 4px 8px;
        border-top: 1px solid var(--astri-line);
        cursor: pointer;
        background: var(--astri-panel);
      }
      .bin:first-child {
        border-top: 0;
      }
      .bin input {
        margin: 0;
        accent-color: var(--astri-accent);
      }
      .bin:has(input:checked) {
        background: #eaf2f8;
      }
      .bin:has(input:focus-visible) {
        outline: 2px solid var(--astri-accent);
        outline-offset: -2px;
      }
      .bin .range {
        font-variant-numeric: tabular-nums;
      }
      .bin .count {
        color: var(--astri-muted);
        font-size: 11px;
        font-variant-numeric: tabular-nums;
        text-align: right;
      }
      .bin .count.short {
        color: var(--astri-warn);
      }
      .bin.empty .range {
        color: var(--astri-faint);
      }
      .pair {
        display: flex;
        gap: 8px;
        align-items: center;
      }
      input[type='range'] {
        flex: 1;
        min-width: 0;
        accent-color: var(--astri-accent);
      }
      input[type='number'],
      select {
        font: inherit;
        padding: 3px 6px;
        border: 1px solid var(--astri-line);
        border-radius: var(--astri-radius);
        background: var(--astri-panel);
        color: inherit;
      }
      input[type='number'] {
        width: 78px;
        font-variant-numeric: tabular-nums;
      }
      select {
        width: 100%;
      }
      [aria-invalid='true'] {
        border-color: var(--astri-error);
      }
      .buttons {
        display: flex;
        gap: 8px;
      }
      .predict {
        flex: 1;
        background: var(--astri-accent);
        border-color: var(--astri-accent);
        color: var(--astri-accent-ink);
        font-weight: 600;
        padding: 7px 12px;
        font-size: 14px;
      }
      .predict:hover:not(:disabled) {
        background: #174a6d;
      }
      .cancel {
        padding: 7px 12px;
      }
      .class-mapping {
        margin-top: 6px;
      }
      .mapping-row {
        margin-top: 3px;
      }
      .mapping-name {
        flex: 1;
        font-size: 12px;
        overflow-wrap: anywhere;
      }
      .mapping-row select {
        width: auto;
        flex: 1;
      }
    `,
  ];

  @property({ attribute: false }) datasets: DatasetSummary[] = [];
  @property({ attribute: false }) models: ModelSummary[] = [];
  @property({ attribute: false }) limits: Limits | null = null;
  @property({ attribute: false }) settings: DashboardSettings = {
    datasetId: null,
    energyBin: null,
    eventsPerClass: 500,
    samples: 4,
    modelId: null,
    threshold: 0.9,
  };
  /** Errors by control (from the API or from loading the catalog). */
  @property({ attribute: false }) errors: Partial<Record<ControlName, string>> = {};
  /** A run is going: Predict! is disabled, Cancel shown. */
  @property({ type: Boolean }) running = false;
  /** The predict request is on its way. */
  @property({ type: Boolean }) starting = false;
  /** The catalog is still loading (or failed): nothing can be chosen yet. */
  @property({ type: Boolean }) unavailable = false;

  private get eventsRange(): { min: number; max: number } {
    // A small dataset (or bin) may hold fewer events per class than the dashboard's lower end: then any
    // number predict accepts can be chosen.
    const available = this.available;
    const dashboardMin = this.limits?.dashboardMinEventsPerClass ?? DASHBOARD_MIN_EVENTS;
    const small = available !== null && available > 0 && available < dashboardMin;
    const min = small ? Math.max(1, this.limits?.minEventsPerClass ?? 1) : Math.max(dashboardMin, this.limits?.minEventsPerClass ?? 0);
    const max = this.limits?.dashboardMaxEventsPerClass ?? DASHBOARD_MAX_EVENTS;
    return { min: Math.min(min, max), max };
  }

  /** The chosen dataset (the first one until one is chosen). */
  get chosenDataset(): DatasetSummary | undefined {
    return this.datasets.find((d) => d.id === this.settings.datasetId) ?? this.datasets[0];
  }

  private get bins(): EnergyBin[] {
    return this.chosenDataset?.energyBins ?? [];
  }

  /** Datasets without energies are drawn over all events: no bin to pick. */
  private get usesBins(): boolean {
    return this.chosenDataset?.hasEnergies ?? true;
  }

  private get selectedBin(): EnergyBin | undefined {
    return this.usesBins ? this.bins.find((bin) => bin.index === this.settings.energyBin) : undefined;
  }

  /** Events per class available: the chosen bin's smallest class (of every bin for all bins), or the dataset's smallest class. */
  private get available(): number | null {
    if (this.usesBins && this.settings.allBins) return this.bins.length ? Math.min(...this.bins.map((bin) => smallestCount(bin.counts.map((c) => c.count)))) : null;
    if (this.usesBins) return this.selectedBin ? smallestCount(this.selectedBin.counts.map((c) => c.count)) : null;
    const dataset = this.chosenDataset;
    return dataset ? smallestCount(dataset.classes.map((c) => c.eventCount)) : null;
  }

  private get astri(): boolean {
    const names = this.chosenDataset?.classes.map((c) => c.name) ?? ['gamma', 'proton'];
    return names.length === 2 && names.includes('gamma') && names.includes('proton');
  }

  protected override render() {
    const { min, max } = this.eventsRange;
    const available = this.available;
    const where = this.usesBins ? (this.settings.allBins ? 'the smallest bin' : 'this bin') : 'this dataset';
    const maxSamples = this.limits?.maxSamples ?? 10;
    const locked = this.running || this.starting || this.unavailable;
    const dataset = this.chosenDataset;
    return html`
      <form @submit=${this.onSubmit} aria-label="Prediction settings">
        <div>
          <label class="label" for="dataset">Dataset</label>
          <select
            id="dataset"
            ?disabled=${locked || this.datasets.length === 0}
            aria-invalid=${this.errors.datasetId ? 'true' : 'false'}
            aria-describedby="dataset-hint dataset-error"
            @change=${this.onDatasetChange}
          >
            ${this.datasets.length === 0 ? html`<option value="">no dataset registered</option>` : nothing}
            ${this.datasets.map(
              (d) => html`<option value=${d.id} ?selected=${d.id === dataset?.id} ?disabled=${d.state !== 'READY'}>
                ${d.name}${d.state === 'READY' ? '' : ` (${d.state.toLowerCase()})`}
              </option>`,
            )}
          </select>
          ${dataset
            ? html`<div class="hint" id="dataset-hint">
                ${dataset.classes.length} classes: ${dataset.classes.map((c) => c.name).join(', ')}${dataset.channels === 3 ? ' · RGB' : ''}${dataset.hasEnergies ? '' : ' · no energies'}
              </div>`
            : html`<span id="dataset-hint"></span>`}
          ${this.renderError('datasetId', 'dataset-error')}
        </div>

        ${this.usesBins
          ? html`<fieldset ?disabled=${locked} aria-describedby="bin-error" class="energy-bins">
              <legend>Energy bin</legend>
              ${this.bins.length
                ? html`<div class="bins" role="radiogroup" aria-label="Energy bin">${this.bins.map((b) => this.renderBin(b))}${this.bins.length > 1 ? this.renderAllBins() : nothing}</div>`
                : nothing}
              ${this.bins.length === 0 && !this.unavailable ? html`<div class="hint">No energy bins configured.</div>` : nothing}
              ${this.renderError('energyBin', 'bin-error')}
            </fieldset>`
          : nothing}

        <div>
          <label class="label" for="events">Events per class</label>
          <div class="pair">
            <input
              id="events-slider"
              type="range"
              min=${min}
              max=${max}
              step=${EVENTS_STEP}
              .value=${String(this.settings.eventsPerClass)}
              ?disabled=${locked}
              aria-label="Events per class (slider)"
              @input=${(e: Event) => this.emitNumber(e, 'eventsPerClass', min, max)}
            />
            <input
              id="events"
              type="number"
              min=${min}
              max=${max}
              step="1"
              .value=${String(this.settings.eventsPerClass)}
              ?disabled=${locked}
              aria-invalid=${this.errors.eventsPerClass ? 'true' : 'false'}
              aria-describedby="events-hint events-error"
              @change=${(e: Event) => this.emitNumber(e, 'eventsPerClass', min, max)}
            />
          </div>
          <div class="hint" id="events-hint">
            ${min}–${max} ${this.astri ? 'gamma events and as many protons' : 'events of each class'}${available !== null ? html`; ${where} holds ${available} per class` : nothing}
          </div>
          ${available !== null && this.settings.eventsPerClass > available
            ? html`<div class="warn" role="status">More than ${where} holds: the server will refuse the run.</div>`
            : nothing}
          ${this.renderError('eventsPerClass', 'events-error')}
        </div>

        <div>
          <label class="label" for="samples">Sample images per class</label>
          <div class="pair">
            <input
              id="samples-slider"
              type="range"
              min="0"
              max=${maxSamples}
              step="1"
              .value=${String(this.settings.samples)}
              ?disabled=${locked}
              aria-label="Sample images per class (slider)"
              @input=${(e: Event) => this.emitNumber(e, 'samples', 0, maxSamples)}
            />
            <input
              id="samples"
              type="number"
              min="0"
              max=${maxSamples}
              step="1"
              .value=${String(this.settings.samples)}
              ?disabled=${locked}
              aria-invalid=${this.errors.samples ? 'true' : 'false'}
              aria-describedby="samples-error"
              @change=${(e: Event) => this.emitNumber(e, 'samples', 0, maxSamples)}
            />
          </div>
          ${this.renderError('samples', 'samples-error')}
        </div>

        <div>
          <label class="label" for="model">Model</label>
          <select
            id="model"
            ?disabled=${locked || this.models.length === 0}
            aria-invalid=${this.errors.modelId ? 'true' : 'false'}
            aria-describedby="model-hint model-error"
            @change=${this.onModelChange}
          >
            ${this.models.length === 0 ? html`<option value="">no model registered</option>` : nothing}
            ${this.models.map(
              (model) => html`<option value=${model.id} ?selected=${model.id === this.effectiveModelId}>
                ${model.name} ${model.version}${model.active ? ' (active)' : ''}${this.fits(model) ? '' : ' (other classes)'}
              </option>`,
            )}
          </select>
          ${this.renderModelHint()}
          ${this.renderError('modelId', 'model-error')}
        </div>

        <div class="buttons">
          <button class="predict" type="submit" ?disabled=${locked || !this.ready}>
            ${this.starting ? 'Starting…' : 'Predict!'}
          </button>
          ${this.running
            ? html`<button class="cancel" type="button" @click=${this.onCancel}>Cancel</button>`
            : nothing}
        </div>
      </form>
    `;
  }

  /** Every bin in one run (offered where there are several): the page then plots the figures against energy. */
  private renderAllBins() {
    const available = this.bins.length ? Math.min(...this.bins.map((bin) => smallestCount(bin.counts.map((c) => c.count)))) : 0;
    return html`
      <label class="bin all-bins" title="Draw the events per class in every bin, in one run, and plot the figures against energy">
        <input type="radio" name="energy-bin" value="all" .checked=${this.settings.allBins ?? false} @change=${() => this.emit({ allBins: true })} />
        <span class="range">All ${this.bins.length} bins (against energy)</span>
        <span class="count ${available < this.settings.eventsPerClass ? 'short' : ''}">≥ ${available} per class</span>
      </label>
    `;
  }

  private renderBin(bin: EnergyBin) {
    const available = smallestCount(bin.counts.map((c) => c.count));
    const short = available < this.settings.eventsPerClass;
    const counts = this.astri
      ? ['gamma', 'proton'].map((name) => `${countOf(bin, name)} ${name === 'gamma' ? 'γ' : 'p'}`).join(' · ')
      : bin.counts.length <= 3
        ? bin.counts.map((c) => `${c.count} ${c.className}`).join(' · ')
        : `≥ ${available} per class`;
    return html`
      <label class="bin ${available === 0 ? 'empty' : ''}" title=${bin.counts.map((c) => `${c.count} ${c.className}`).join(', ')}>
        <input
          type="radio"
          name="energy-bin"
          value=${String(bin.index)}
          .checked=${!this.settings.allBins && bin.index === this.settings.energyBin}
          @change=${() => this.emit({ energyBin: bin.index, allBins: false })}
        />
        <span class="range">${bin.label}</span>
        <span class="count ${short ? 'short' : ''}">${counts}</span>
      </label>
    `;
  }

  /** What the chosen model predicts and how it reads images, so a mismatch with the dataset shows before a run. */
  private renderModelHint() {
    const model = this.models.find((m) => m.id === this.effectiveModelId);
    if (!model) return html`<span id="model-hint"></span>`;
    const source = model.classNamesSource && model.classNamesSource !== 'upload' ? ` (${model.classNamesSource.replace('-', ' ')})` : '';
    const input = model.inputShape?.length ? ` · input ${model.inputShape.join('×')}` : '';
    const colour = model.preprocessing ? ` · ${model.preprocessing.colorMode === 'RGB' ? 'RGB' : 'gray'}` : '';
    return html`<div class="hint" id="model-hint">
      predicts ${model.classNames.join(', ') || 'unnamed classes'}${source}${input}${colour}
      ${this.fits(model) ? nothing : html`<div class="warn" role="status">Its classes are not this dataset's: say below which output scores each class.</div>`}
    </div>
    ${this.fits(model) ? nothing : this.renderClassMapping(model)}`;
  }

  /** One row per dataset class: the model output that scores it (same name by default). */
  private renderClassMapping(model: ModelSummary) {
    const classes = this.chosenDataset?.classes.map((c) => c.name) ?? [];
    const mapping = this.classMapping(model);
    const locked = this.running || this.starting || this.unavailable;
    return html`<fieldset class="class-mapping" ?disabled=${locked} aria-describedby="class-mapping-error">
      <legend>Class mapping (dataset ← model)</legend>
      ${classes.map(
        (name, i) => html`<div class="pair mapping-row">
          <label for="map-${i}" class="mapping-name">${name} ←</label>
          <select id="map-${i}" data-class=${name} data-value=${mapping.get(name) ?? ''} @change=${this.onMappingChange}>
            <option value="">—</option>
            ${model.classNames.map((modelClass) => html`<option value=${modelClass}>${modelClass}</option>`)}
          </select>
        </div>`,
      )}
      ${this.renderError('classMapping', 'class-mapping-error')}
    </fieldset>`;
  }

  private classMapping(model: ModelSummary): Map<string, string> {
    return classMappingFor(model.classNames, this.chosenDataset?.classes.map((c) => c.name) ?? [], this.settings.classMapping);
  }

  private onMappingChange = (event: Event): void => {
    const model = this.models.find((m) => m.id === this.effectiveModelId);
    if (!model) return;
    const select = event.target as HTMLSelectElement;
    const mapping = this.classMapping(model);
    mapping.set(select.dataset.class ?? '', select.value);
    this.emit({ classMapping: mappingPairs(mapping) });
  };

  protected override updated(changed: PropertyValues): void {
    super.updated(changed);
    // A select shows its value only once its options exist, so the mapping's choices are set after rendering.
    for (const select of this.renderRoot.querySelectorAll<HTMLSelectElement>('.class-mapping select')) {
      if (select.value !== select.dataset.value) select.value = select.dataset.value ?? '';
    }
  }

  private renderError(control: ControlName, id: string) {
    const message = this.errors[control];
    return message ? html`<div class="error" id=${id} role="alert">${message}</div>` : html`<span id=${id}></span>`;
  }

  /** A run can start: a dataset with energies needs a bin. */
  private get ready(): boolean {
    return !this.usesBins || this.settings.allBins || this.settings.energyBin !== null;
  }

  /** Whether the model's classes are the dataset's (same names); unknown classes count as fitting. */
  private fits(model: ModelSummary): boolean {
    const classes = this.chosenDataset?.classes.map((c) => c.name);
    return !classes || modelFits(model.classNames, classes);
  }

  private get effectiveModelId(): string | null {
    return this.settings.modelId ?? this.models.find((model) => model.active)?.id ?? this.models[0]?.id ?? null;
  }

  private emit(detail: SettingsChangeDetail): void {
    this.dispatchEvent(new CustomEvent<SettingsChangeDetail>('settings-change', { detail, bubbles: true, composed: true }));
  }

  private emitNumber(event: Event, key: 'eventsPerClass' | 'samples', min: number, max: number): void {
    const input = event.target as HTMLInputElement;
    const raw = Math.round(Number(input.value));
    if (!Number.isFinite(raw)) return;
    const value = Math.min(max, Math.max(min, raw));
    // Show the clamped value at once, even when the property does not change.
    if (String(value) !== input.value) input.value = String(value);
    this.emit({ [key]: value });
  }

  private onDatasetChange = (event: Event): void => {
    this.emit({ datasetId: (event.target as HTMLSelectElement).value || null });
  };

  private onModelChange = (event: Event): void => {
    this.emit({ modelId: (event.target as HTMLSelectElement).value || null });
  };

  private onSubmit = (event: Event): void => {
    event.preventDefault();
    if (this.running || this.starting || !this.ready) return;
    this.dispatchEvent(new CustomEvent('predict-request', { bubbles: true, composed: true }));
  };

  private onCancel = (): void => {
    this.dispatchEvent(new CustomEvent('cancel-request', { bubbles: true, composed: true }));
  };
}

function smallestCount(counts: readonly number[]): number {
  return counts.length ? Math.min(...counts) : 0;
}

function countOf(bin: EnergyBin, className: string): number {
  return bin.counts.find((c) => c.className === className)?.count ?? 0;
}

declare global {
  interface HTMLElementTagNameMap {
    'astri-controls': AstriControls;
  }
}
