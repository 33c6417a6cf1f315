// Upload of a dataset archive or a model file: the form (with, for models, class names or a labels.txt,
// colour mode and scale), the bytes sent, the ingest's progress, the files it refused and the server's
// message when something fails, next to the control. Properties in (`view`); `upload-request` and
// `upload-cancel` out.
import { css, html, LitElement, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { IDLE_UPLOAD, type UploadView } from '../controllers/upload-controller.ts';
import type { ColorMode, DatasetUploadOptions, ModelUploadOptions } from '../types.ts';
import { tokens } from './shared-styles.ts';

export interface UploadRequestDetail {
  kind: 'dataset' | 'model';
  file: File;
  dataset?: DatasetUploadOptions;
  model?: ModelUploadOptions;
}

const PHASE_TEXT: Record<UploadView['phase'], string> = {
  idle: '',
  sending: 'sending',
  ingesting: 'ingesting',
  done: 'ready',
  failed: 'failed',
  cancelled: 'cancelled',
};

@customElement('astri-upload-panel')
export class AstriUploadPanel extends LitElement {
  static override styles = [
    tokens,
    css`
      :host {
        display: block;
        border: 1px solid var(--astri-line);
        border-radius: var(--astri-radius);
        background: var(--astri-panel);
      }
      summary {
        cursor: pointer;
        font-weight: 600;
        font-size: 12px;
        padding: 6px 8px;
      }
      form {
        display: flex;
        flex-direction: column;
        gap: 8px;
        padding: 0 8px 8px;
      }
      label {
        font-size: 12px;
        font-weight: 600;
        display: block;
        margin-bottom: 2px;
      }
      input[type='text'],
      input[type='number'],
      select {
        font: inherit;
        width: 100%;
        padding: 3px 6px;
        border: 1px solid var(--astri-line);
        border-radius: var(--astri-radius);
        background: var(--astri-panel);
        color: inherit;
      }
      input[type='file'] {
        font-size: 12px;
        max-width: 100%;
      }
      .pair {
        display: grid;
        grid-template-columns: 1fr 1fr;
        gap: 8px;
      }
      .hint {
        color: var(--astri-muted);
        font-size: 11px;
        margin-top: 2px;
      }
      .error {
        color: var(--astri-error);
        background: var(--astri-error-bg);
        border-left: 3px solid var(--astri-error);
        padding: 4px 6px;
        font-size: 12px;
        margin-top: 4px;
        overflow-wrap: anywhere;
      }
      .buttons {
        display: flex;
        gap: 8px;
      }
      .status {
        font-size: 12px;
      }
      .bar {
        height: 8px;
        background: #eef1f4;
        border-radius: 2px;
        overflow: hidden;
        margin: 3px 0;
      }
      .fill {
        height: 100%;
        background: var(--astri-accent);
        transition: width 120ms linear;
      }
      .bar.indeterminate .fill {
        width: 30%;
        opacity: 0.5;
      }
      .meta {
        color: var(--astri-muted);
        font-size: 11px;
        font-variant-numeric: tabular-nums;
      }
      .ok {
        color: var(--astri-ok);
        font-size: 12px;
      }
      .rejected {
        margin: 4px 0 0;
        padding-left: 16px;
        font-size: 11px;
        max-height: 160px;
        overflow-y: auto;
      }
      .rejected code {
        font-family: var(--astri-mono);
        overflow-wrap: anywhere;
      }
    `,
  ];

  @property({ reflect: true }) kind: 'dataset' | 'model' = 'dataset';
  @property({ attribute: false }) view: UploadView = IDLE_UPLOAD;
  @property({ type: Boolean }) open = false;

  /** A problem with the form itself, found before anything is sent. */
  @state() private formError = '';

  protected override render() {
    const dataset = this.kind === 'dataset';
    const id = (name: string) => `${this.kind}-${name}`;
    const busy = this.view.phase === 'sending' || this.view.phase === 'ingesting';
    const error = this.formError || this.view.error;
    return html`
      <details ?open=${this.open || this.view.phase !== 'idle'}>
        <summary>${dataset ? 'Upload a dataset' : 'Upload a model'}</summary>
        <form @submit=${this.onSubmit} aria-label=${dataset ? 'Dataset upload' : 'Model upload'}>
          <div>
            <label for=${id('file')}>${dataset ? 'Archive (.zip, .tar.gz, .tar)' : 'Model file (.h5, .keras, .onnx)'}</label>
            <input
              id=${id('file')}
              name="file"
              type="file"
              accept=${dataset ? '.zip,.tar,.tar.gz,.tgz' : '.h5,.keras,.onnx'}
              ?disabled=${busy}
              aria-invalid=${error ? 'true' : 'false'}
              aria-describedby="${id('file-hint')} ${id('error')}"
              @change=${() => (this.formError = '')}
            />
            <div class="hint" id=${id('file-hint')}>
              ${dataset
                ? 'One folder per class (Keras layout), optionally manifest.csv (file,label[,energy_tev]).'
                : 'Keras .h5/.keras or ONNX; class names from the fields below, a labels.txt, or the file.'}
            </div>
            ${error ? html`<div class="error" id=${id('error')} role="alert">${error}</div>` : html`<span id=${id('error')}></span>`}
          </div>
          <div>
            <label for=${id('name')}>Name</label>
            <input id=${id('name')} name="name" type="text" placeholder="the file name" ?disabled=${busy} />
          </div>
          ${dataset ? this.renderDatasetFields(busy) : this.renderModelFields(busy)}
          <div class="buttons">
            <button type="submit" class="upload" ?disabled=${busy}>Upload</button>
            ${busy ? html`<button type="button" class="cancel" @click=${this.onCancel}>Cancel</button>` : nothing}
          </div>
          ${this.renderProgress()}
        </form>
      </details>
    `;
  }

  private renderDatasetFields(busy: boolean) {
    return html`
      <div class="pair">
        <div>
          <label for="dataset-width">Resize: width</label>
          <input id="dataset-width" name="width" type="number" min="1" step="1" placeholder="as is" ?disabled=${busy} aria-describedby="dataset-size-hint" />
        </div>
        <div>
          <label for="dataset-height">height</label>
          <input id="dataset-height" name="height" type="number" min="1" step="1" placeholder="as is" ?disabled=${busy} aria-describedby="dataset-size-hint" />
        </div>
      </div>
      <div class="hint" id="dataset-size-hint">Pixels; leave both empty to keep the images' size.</div>
    `;
  }

  private renderModelFields(busy: boolean) {
    return html`
      <div>
        <label for="model-class-names">Class names</label>
        <input
          id="model-class-names"
          name="classNames"
          type="text"
          placeholder="e.g. gamma, proton"
          ?disabled=${busy}
          aria-describedby="model-class-names-hint"
        />
        <div class="hint" id="model-class-names-hint">In the model's output order, separated by commas.</div>
      </div>
      <div>
        <label for="model-labels">…or labels.txt</label>
        <input id="model-labels" name="labels" type="file" accept=".txt,text/plain" ?disabled=${busy} />
      </div>
      <div class="pair">
        <div>
          <label for="model-color-mode">Colour mode</label>
          <select id="model-color-mode" name="colorMode" ?disabled=${busy}>
            <option value="">auto</option>
            <option value="GRAYSCALE">gray</option>
            <option value="RGB">RGB</option>
          </select>
        </div>
        <div>
          <label for="model-scale">Scale</label>
          <input id="model-scale" name="scale" type="number" step="any" placeholder="1/255" ?disabled=${busy} aria-describedby="model-scale-hint" />
        </div>
      </div>
      <div class="hint" id="model-scale-hint">input = pixel × scale, e.g. 0.00392 for 1/255.</div>
    `;
  }

  private renderProgress() {
    const v = this.view;
    if (v.phase === 'idle') return nothing;
    const transfer = v.transfer;
    const sentFraction = transfer && transfer.totalBytes ? Math.min(1, transfer.sentBytes / transfer.totalBytes) : null;
    const ingest = v.ingest;
    const ingestFraction = ingest && ingest.filesTotal ? Math.min(1, ingest.filesDone / ingest.filesTotal) : null;
    return html`
      <div class="status" role="status" aria-live="polite">
        <strong class="phase">${PHASE_TEXT[v.phase]}</strong> ${v.fileName}
      </div>
      ${transfer
        ? html`<div>
            <div
              class="bar ${sentFraction === null ? 'indeterminate' : ''}"
              role="progressbar"
              aria-label="Bytes sent"
              aria-valuemin="0"
              aria-valuemax="100"
              aria-valuenow=${sentFraction === null ? nothing : Math.round(sentFraction * 100)}
              data-progress="transfer"
            >
              <div class="fill" style="width:${((sentFraction ?? 0.3) * 100).toFixed(1)}%"></div>
            </div>
            <div class="meta transfer">${formatBytes(transfer.sentBytes)}${transfer.totalBytes ? ` of ${formatBytes(transfer.totalBytes)}` : ''} sent</div>
          </div>`
        : nothing}
      ${ingest
        ? html`<div>
            <div
              class="bar ${ingestFraction === null ? 'indeterminate' : ''}"
              role="progressbar"
              aria-label="Files ingested"
              aria-valuemin="0"
              aria-valuemax=${ingest.filesTotal ?? nothing}
              aria-valuenow=${ingest.filesDone}
              data-progress="ingest"
            >
              <div class="fill" style="width:${((ingestFraction ?? 0.3) * 100).toFixed(1)}%"></div>
            </div>
            <div class="meta ingest">
              ${ingest.phase}: ${ingest.filesDone}${ingest.filesTotal !== null ? ` / ${ingest.filesTotal}` : ''} files${ingest.rejectedSoFar
                ? `, ${ingest.rejectedSoFar} refused${ingest.state === 'INGESTING' ? ' so far' : ''}`
                : ''}
            </div>
          </div>`
        : nothing}
      ${v.result ? html`<div class="ok result">${v.result}</div>` : nothing}
      ${v.rejected.length
        ? html`<div>
            <div class="meta">${v.rejected.length} ${v.rejected.length === 1 ? 'file' : 'files'} refused:</div>
            <ul class="rejected" aria-label="Refused files">
              ${v.rejected.map((r) => html`<li><code>${r.file}</code>: ${r.reason}</li>`)}
            </ul>
          </div>`
        : nothing}
    `;
  }

  private onSubmit = (event: Event): void => {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const input = (name: string) => form.querySelector<HTMLInputElement>(`[name="${name}"]`);
    const file = input('file')?.files?.[0];
    if (!file) {
      this.formError = `choose a ${this.kind === 'dataset' ? 'dataset archive' : 'model file'} first`;
      return;
    }
    const name = input('name')?.value.trim() || undefined;
    const detail: UploadRequestDetail = { kind: this.kind, file };
    if (this.kind === 'dataset') {
      const width = input('width')?.value.trim() ?? '';
      const height = input('height')?.value.trim() ?? '';
      if ((width === '') !== (height === '')) {
        this.formError = 'give both the width and the height to resize to, or neither';
        return;
      }
      const size = { width: Number(width), height: Number(height) };
      if (width !== '' && !(Number.isInteger(size.width) && Number.isInteger(size.height) && size.width > 0 && size.height > 0)) {
        this.formError = `the size to resize to must be whole pixels above 0 (got ${width} × ${height})`;
        return;
      }
      detail.dataset = { name, ...(width !== '' ? { resizeTo: size } : {}) };
    } else {
      const classNames = (input('classNames')?.value ?? '')
        .split(/[,\n]/)
        .map((n) => n.trim())
        .filter(Boolean);
      const labels = input('labels')?.files?.[0];
      if (classNames.length && labels) {
        this.formError = 'give the class names or a labels.txt, not both';
        return;
      }
      if (new Set(classNames).size !== classNames.length) {
        this.formError = 'class names must differ from each other';
        return;
      }
      const colorMode = (form.querySelector<HTMLSelectElement>('[name="colorMode"]')?.value || undefined) as ColorMode | undefined;
      const rawScale = input('scale')?.value.trim() ?? '';
      const scale = rawScale === '' ? undefined : Number(rawScale);
      if (scale !== undefined && !(Number.isFinite(scale) && scale > 0)) {
        this.formError = `scale must be a positive number (got "${rawScale}")`;
        return;
      }
      detail.model = {
        name,
        ...(classNames.length ? { classNames } : {}),
        ...(labels ? { labels } : {}),
        ...(colorMode ? { colorMode } : {}),
        ...(scale !== undefined ? { scale } : {}),
      };
    }
    this.formError = '';
    this.dispatchEvent(new CustomEvent<UploadRequestDetail>('upload-request', { detail, bubbles: true, composed: true }));
  };

  private onCancel = (): void => {
    this.dispatchEvent(new CustomEvent('upload-cancel', { bubbles: true, composed: true }));
  };
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}

declare global {
  interface HTMLElementTagNameMap {
    'astri-upload-panel': AstriUploadPanel;
  }
}
