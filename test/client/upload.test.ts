// @vitest-environment happy-dom
// Uploads: the GraphQL multipart request sent through a fake XMLHttpRequest (its form, its upload
// progress, the server's error message), the controller following an ingest on a fake source, and the
// panel that shows the bytes sent, the ingest's progress, the refused files and errors next to the control.
import { afterEach, describe, expect, it } from 'vitest';
import '../../client/components/astri-upload-panel.ts';
import type { UploadRequestDetail } from '../../client/components/astri-upload-panel.ts';
import { IDLE_UPLOAD, UploadController, type UploadView } from '../../client/controllers/upload-controller.ts';
import { GraphQLSource } from '../../client/graphql/graphql-source.ts';
import { sendMultipart, type UploadXhr } from '../../client/graphql/multipart-upload.ts';
import { DashboardError } from '../../client/state/errors.ts';
import type { DashboardSource, StreamObserver } from '../../client/state/source.ts';
import type { DatasetDetail, IngestProgress } from '../../client/types.ts';

afterEach(() => {
  document.body.innerHTML = '';
});

/** Records what is sent; the test drives progress and the answer. */
class FakeXhr implements UploadXhr {
  static last: FakeXhr | null = null;
  method = '';
  url = '';
  headers: Record<string, string> = {};
  body: FormData | null = null;
  aborted = false;
  status = 0;
  responseText = '';
  upload: UploadXhr['upload'] = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;

  constructor() {
    FakeXhr.last = this;
  }
  open(method: string, url: string): void {
    this.method = method;
    this.url = url;
  }
  setRequestHeader(name: string, value: string): void {
    this.headers[name.toLowerCase()] = value;
  }
  send(body: FormData): void {
    this.body = body;
  }
  abort(): void {
    this.aborted = true;
    this.onabort?.();
  }
  progress(loaded: number, total: number): void {
    this.upload.onprogress?.({ loaded, total, lengthComputable: true });
  }
  respond(status: number, body: unknown): void {
    this.status = status;
    this.responseText = JSON.stringify(body);
    this.onload?.();
  }
}

const DATASET: DatasetDetail = {
  id: '9',
  name: 'flowers',
  source: 'upload',
  state: 'INGESTING',
  classes: [],
  signalClass: null,
  hasEnergies: false,
  energyBins: [],
  imageWidth: null,
  imageHeight: null,
  channels: null,
  rejectedFiles: [],
  error: null,
  ingest: { datasetId: '9', state: 'INGESTING', phase: 'unpacking', filesDone: 0, filesTotal: null, bytesDone: 0, rejectedSoFar: 0, error: null },
};

describe('GraphQL multipart request', () => {
  it('sends operations, map and the file parts, reports the bytes sent and resolves with data', async () => {
    const file = new File(['PK\u0003\u0004 archive'], 'flowers.zip', { type: 'application/zip' });
    const progress: { sentBytes: number; totalBytes: number | null }[] = [];
    const promise = sendMultipart<{ uploadDataset: { id: string } }>({
      endpoint: 'http://astri.test/graphql',
      query: 'mutation ($file: File!) { uploadDataset(file: $file) { id } }',
      variables: { name: 'flowers' },
      files: { file },
      onProgress: (p) => progress.push(p),
      createXhr: () => new FakeXhr(),
      doing: 'uploading the dataset',
    });
    const xhr = FakeXhr.last!;
    expect([xhr.method, xhr.url]).toEqual(['POST', 'http://astri.test/graphql']);
    expect(xhr.headers['x-graphql-yoga-csrf']).toBeTruthy();
    const form = xhr.body!;
    expect(Array.from(form.keys())).toEqual(['operations', 'map', '0']);
    expect(JSON.parse(String(form.get('operations')))).toMatchObject({ variables: { name: 'flowers', file: null } });
    expect(JSON.parse(String(form.get('map')))).toEqual({ 0: ['variables.file'] });
    expect((form.get('0') as File).name).toBe('flowers.zip');
    xhr.progress(10, 40);
    xhr.progress(40, 40);
    xhr.respond(200, { data: { uploadDataset: { id: '9' } } });
    await expect(promise).resolves.toEqual({ uploadDataset: { id: '9' } });
    expect(progress).toEqual([
      { sentBytes: 10, totalBytes: 40 },
      { sentBytes: 40, totalBytes: 40 },
    ]);
  });

  it('rejects with the server’s message and code', async () => {
    const promise = sendMultipart({
      endpoint: '/graphql',
      query: 'mutation { x }',
      variables: {},
      files: { file: new File(['x'], 'm.h5') },
      createXhr: () => new FakeXhr(),
      doing: 'uploading the model',
    });
    FakeXhr.last!.respond(200, {
      errors: [{ message: 'UnsupportedLayerError: layer "lambda_1" (Lambda) cannot be loaded', extensions: { code: 'BAD_USER_INPUT' } }],
    });
    await expect(promise).rejects.toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringContaining('lambda_1') });
  });

  it('rejects with a message a user can act on when the server is unreachable or refuses the size', async () => {
    const request = { endpoint: '/graphql', query: 'mutation { x }', variables: {}, files: { file: new File(['x'], 'a.zip') }, createXhr: () => new FakeXhr(), doing: 'uploading the dataset' };
    const unreachable = sendMultipart(request);
    FakeXhr.last!.onerror?.();
    await expect(unreachable).rejects.toMatchObject({ code: 'NETWORK' });
    const tooLarge = sendMultipart(request);
    FakeXhr.last!.status = 413;
    FakeXhr.last!.responseText = '<html>too large</html>';
    FakeXhr.last!.onload?.();
    await expect(tooLarge).rejects.toThrow(/larger than the server accepts/);
  });

  it('GraphQLSource maps model fields to uploadModel’s variables, with labels.txt as a second file', async () => {
    const source = new GraphQLSource('http://astri.test/graphql', () => new FakeXhr());
    const labels = new File(['cat\ndog\n'], 'labels.txt');
    const promise = source.uploadModel(new File(['h5'], 'pets.h5'), { labels, colorMode: 'RGB', scale: 1 / 255 }, () => {});
    const form = FakeXhr.last!.body!;
    const operations = JSON.parse(String(form.get('operations')));
    expect(operations.query).toContain('uploadModel(');
    expect(operations.variables).toMatchObject({ file: null, labels: null, classNames: null, preprocessing: { colorMode: 'RGB', scale: 1 / 255 } });
    expect(JSON.parse(String(form.get('map')))).toEqual({ 0: ['variables.file'], 1: ['variables.labels'] });
    FakeXhr.last!.respond(200, { data: { uploadModel: { id: '4', name: 'pets', version: 'abc', format: 'keras-h5', active: true, classNames: ['cat', 'dog'] } } });
    await expect(promise).resolves.toMatchObject({ id: '4', classNames: ['cat', 'dog'] });
    source.dispose();
  });
});

/** A source whose uploads and ingest the test drives. */
function fakeSource(final: DatasetDetail) {
  let observer: StreamObserver<IngestProgress> | null = null;
  let resolveUpload: ((dataset: DatasetDetail) => void) | null = null;
  let rejectUpload: ((error: unknown) => void) | null = null;
  let onProgress: ((p: { sentBytes: number; totalBytes: number | null }) => void) | null = null;
  const cancelled: string[] = [];
  const source = {
    kind: 'api',
    uploadDataset: (_file: File, _options: unknown, progress: typeof onProgress) => {
      onProgress = progress;
      return new Promise<DatasetDetail>((resolve, reject) => {
        resolveUpload = resolve;
        rejectUpload = reject;
      });
    },
    watchIngest: (_id: string, o: StreamObserver<IngestProgress>) => {
      observer = o;
      return () => (observer = null);
    },
    loadDataset: async () => final,
    cancelDatasetUpload: async (id: string) => void cancelled.push(id),
  } as unknown as DashboardSource;
  return {
    source,
    cancelled,
    sent: (sentBytes: number, totalBytes: number) => onProgress!({ sentBytes, totalBytes }),
    accept: (dataset: DatasetDetail) => resolveUpload!(dataset),
    refuse: (error: unknown) => rejectUpload!(error),
    ingest: (progress: Partial<IngestProgress>) => observer!.next({ ...DATASET.ingest!, ...progress }),
    complete: () => observer!.complete(),
  };
}

function host() {
  let updates = 0;
  return {
    addController: () => {},
    removeController: () => {},
    requestUpdate: () => void (updates += 1),
    updateComplete: Promise.resolve(true),
    get updates() {
      return updates;
    },
  };
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('UploadController', () => {
  it('goes from bytes sent to the ingest’s progress to the refused files, then hands over the new dataset', async () => {
    const ready: DatasetDetail = {
      ...DATASET,
      state: 'READY',
      classes: [
        { index: 0, name: 'daisy', color: null, eventCount: 40 },
        { index: 1, name: 'rose', color: null, eventCount: 38 },
      ],
      rejectedFiles: [{ file: 'rose/broken.jpg', reason: 'not a decodable image (truncated JPEG)' }],
      ingest: null,
    };
    const fake = fakeSource(ready);
    const done: string[] = [];
    const controller = new UploadController(host(), fake.source, 'dataset', (id) => done.push(id));
    const upload = controller.uploadDataset(new File(['zip'], 'flowers.zip'), { name: 'flowers' });
    expect(controller.view.phase).toBe('sending');
    fake.sent(512, 1024);
    expect(controller.view.transfer).toEqual({ sentBytes: 512, totalBytes: 1024 });
    fake.accept(DATASET);
    await upload;
    expect(controller.view.phase).toBe('ingesting');
    fake.ingest({ phase: 'decoding', filesDone: 30, filesTotal: 79, rejectedSoFar: 1 });
    expect(controller.view.ingest).toMatchObject({ filesDone: 30, filesTotal: 79, rejectedSoFar: 1 });
    fake.ingest({ state: 'READY', phase: 'done', filesDone: 79, filesTotal: 79, rejectedSoFar: 1 });
    fake.complete();
    await flush();
    expect(controller.view.phase).toBe('done');
    expect(controller.view.rejected).toEqual(ready.rejectedFiles);
    expect(controller.view.result).toContain('2 classes (daisy, rose), 78 events');
    expect(done).toEqual(['9']);
  });

  it('shows the server’s message when the upload is refused, and why an ingest failed', async () => {
    const fake = fakeSource({ ...DATASET, state: 'FAILED', error: 'the archive holds no class folders', ingest: null });
    const controller = new UploadController(host(), fake.source, 'dataset');
    const refused = controller.uploadDataset(new File(['x'], 'x.rar'), {});
    fake.refuse(new DashboardError('x.rar is not a .zip, .tar.gz or .tar archive', 'BAD_USER_INPUT'));
    await refused;
    expect(controller.view).toMatchObject({ phase: 'failed', error: 'x.rar is not a .zip, .tar.gz or .tar archive' });
    const failing = controller.uploadDataset(new File(['x'], 'empty.zip'), {});
    fake.accept(DATASET);
    await failing;
    fake.complete();
    await flush();
    expect(controller.view).toMatchObject({ phase: 'failed', error: 'the archive holds no class folders' });
  });

  it('asks the server to cancel an ingest', async () => {
    const fake = fakeSource({ ...DATASET, state: 'CANCELLED', ingest: null });
    const controller = new UploadController(host(), fake.source, 'dataset');
    const upload = controller.uploadDataset(new File(['x'], 'big.tar'), {});
    fake.accept(DATASET);
    await upload;
    controller.cancel();
    expect(fake.cancelled).toEqual(['9']);
    fake.complete();
    await flush();
    expect(controller.view.phase).toBe('cancelled');
  });
});

async function mountPanel(kind: 'dataset' | 'model', view: UploadView = IDLE_UPLOAD) {
  const panel = document.createElement('astri-upload-panel');
  panel.kind = kind;
  panel.view = view;
  document.body.append(panel);
  await panel.updateComplete;
  return panel;
}

function chooseFile(input: HTMLInputElement, file: File): void {
  Object.defineProperty(input, 'files', { value: [file], configurable: true });
  input.dispatchEvent(new Event('change'));
}

describe('<astri-upload-panel>', () => {
  it('draws the bytes sent, then the ingest’s files done of total and the refused count', async () => {
    const panel = await mountPanel('dataset', { ...IDLE_UPLOAD, phase: 'sending', fileName: 'flowers.zip', transfer: { sentBytes: 256 * 1024, totalBytes: 1024 * 1024 } });
    const root = panel.shadowRoot!;
    expect(root.querySelector('[data-progress="transfer"]')?.getAttribute('aria-valuenow')).toBe('25');
    expect(root.querySelector('.transfer')?.textContent).toContain('256.0 KiB of 1.0 MiB sent');
    expect(root.querySelector('button.cancel')).not.toBeNull();
    panel.view = {
      ...panel.view,
      phase: 'ingesting',
      transfer: { sentBytes: 1024 * 1024, totalBytes: 1024 * 1024 },
      ingest: { ...DATASET.ingest!, phase: 'decoding', filesDone: 30, filesTotal: 79, rejectedSoFar: 2 },
    };
    await panel.updateComplete;
    const ingest = root.querySelector('[data-progress="ingest"]')!;
    expect([ingest.getAttribute('aria-valuenow'), ingest.getAttribute('aria-valuemax')]).toEqual(['30', '79']);
    expect(root.querySelector('.ingest')?.textContent?.replace(/\s+/g, ' ').trim()).toBe('decoding: 30 / 79 files, 2 refused so far');
  });

  it('lists the refused files with their reasons once the ingest is done', async () => {
    const panel = await mountPanel('dataset', {
      ...IDLE_UPLOAD,
      phase: 'done',
      fileName: 'flowers.zip',
      result: 'dataset flowers: 2 classes',
      rejected: [
        { file: 'rose/broken.jpg', reason: 'truncated JPEG' },
        { file: 'notes.txt', reason: 'not an image' },
      ],
    });
    const items = Array.from(panel.shadowRoot!.querySelectorAll('ul.rejected li'), (li) => li.textContent?.replace(/\s+/g, ' ').trim());
    expect(items).toEqual(['rose/broken.jpg: truncated JPEG', 'notes.txt: not an image']);
    expect(panel.shadowRoot!.querySelector('.result')?.textContent).toContain('2 classes');
    expect(panel.shadowRoot!.querySelector('button.cancel')).toBeNull();
  });

  it('shows the server’s error next to the file control', async () => {
    const panel = await mountPanel('model', { ...IDLE_UPLOAD, phase: 'failed', fileName: 'm.h5', error: 'UnsupportedLayerError: layer "lambda_1"' });
    const error = panel.shadowRoot!.querySelector('#model-error')!;
    expect(error.getAttribute('role')).toBe('alert');
    expect(error.textContent).toContain('lambda_1');
    expect(panel.shadowRoot!.querySelector('#model-file')?.getAttribute('aria-describedby')).toContain('model-error');
    expect(panel.shadowRoot!.querySelector('#model-file')?.getAttribute('aria-invalid')).toBe('true');
  });

  it('asks for a model upload with class names, colour mode and scale from labelled fields', async () => {
    const panel = await mountPanel('model');
    const root = panel.shadowRoot!;
    for (const id of ['model-file', 'model-name', 'model-class-names', 'model-labels', 'model-color-mode', 'model-scale']) {
      expect(root.querySelector(`label[for="${id}"]`), id).not.toBeNull();
    }
    const requests: UploadRequestDetail[] = [];
    panel.addEventListener('upload-request', (event) => requests.push((event as CustomEvent<UploadRequestDetail>).detail));
    const form = root.querySelector('form')!;
    form.dispatchEvent(new Event('submit', { cancelable: true }));
    await panel.updateComplete;
    expect(root.querySelector('#model-error')?.textContent).toContain('choose a model file first');
    chooseFile(root.querySelector<HTMLInputElement>('#model-file')!, new File(['h5'], 'pets.h5'));
    root.querySelector<HTMLInputElement>('#model-class-names')!.value = 'cat, dog';
    root.querySelector<HTMLSelectElement>('#model-color-mode')!.value = 'RGB';
    root.querySelector<HTMLInputElement>('#model-scale')!.value = '0.00392';
    form.dispatchEvent(new Event('submit', { cancelable: true }));
    expect(requests).toHaveLength(1);
    expect(requests[0].kind).toBe('model');
    expect(requests[0].file.name).toBe('pets.h5');
    expect(requests[0].model).toEqual({ name: undefined, classNames: ['cat', 'dog'], colorMode: 'RGB', scale: 0.00392 });
  });

  it('refuses class names and a labels.txt together, and a scale that is not positive', async () => {
    const panel = await mountPanel('model');
    const root = panel.shadowRoot!;
    const form = root.querySelector('form')!;
    chooseFile(root.querySelector<HTMLInputElement>('#model-file')!, new File(['h5'], 'pets.h5'));
    chooseFile(root.querySelector<HTMLInputElement>('#model-labels')!, new File(['cat\n'], 'labels.txt'));
    root.querySelector<HTMLInputElement>('#model-class-names')!.value = 'cat';
    form.dispatchEvent(new Event('submit', { cancelable: true }));
    await panel.updateComplete;
    expect(root.querySelector('#model-error')?.textContent).toContain('not both');
    root.querySelector<HTMLInputElement>('#model-class-names')!.value = '';
    root.querySelector<HTMLInputElement>('#model-scale')!.value = '-1';
    form.dispatchEvent(new Event('submit', { cancelable: true }));
    await panel.updateComplete;
    expect(root.querySelector('#model-error')?.textContent).toContain('scale must be a positive number');
  });
});

describe('<astri-upload-panel> for datasets', () => {
  it('asks for a dataset upload with a name and an optional size to resize to, both sides or neither', async () => {
    const panel = await mountPanel('dataset');
    const root = panel.shadowRoot!;
    for (const id of ['dataset-file', 'dataset-name', 'dataset-width', 'dataset-height']) expect(root.querySelector(`label[for="${id}"]`), id).not.toBeNull();
    const requests: UploadRequestDetail[] = [];
    panel.addEventListener('upload-request', (event) => requests.push((event as CustomEvent<UploadRequestDetail>).detail));
    const form = root.querySelector('form')!;
    chooseFile(root.querySelector<HTMLInputElement>('#dataset-file')!, new File(['PK'], 'flowers.zip'));
    root.querySelector<HTMLInputElement>('#dataset-width')!.value = '64';
    form.dispatchEvent(new Event('submit', { cancelable: true }));
    await panel.updateComplete;
    expect(root.querySelector('#dataset-error')?.textContent).toContain('both the width and the height');
    root.querySelector<HTMLInputElement>('#dataset-height')!.value = '48';
    root.querySelector<HTMLInputElement>('#dataset-name')!.value = 'flowers';
    form.dispatchEvent(new Event('submit', { cancelable: true }));
    expect(requests.map((r) => r.dataset)).toEqual([{ name: 'flowers', resizeTo: { width: 64, height: 48 } }]);
  });
});
