// GraphQL multipart requests (https://github.com/jaydenseric/graphql-multipart-request-spec) over
// XMLHttpRequest, because fetch (and so urql) reports no upload progress: a dataset archive can take
// minutes to send, and the page shows the bytes sent as they go.
import { DashboardError } from '../state/errors.ts';
import type { TransferProgress } from '../types.ts';

/** The part of XMLHttpRequest this module uses; tests pass a fake. */
export interface UploadXhr {
  open(method: string, url: string): void;
  setRequestHeader(name: string, value: string): void;
  send(body: FormData): void;
  abort(): void;
  readonly status: number;
  readonly responseText: string;
  readonly upload: { onprogress: ((event: { loaded: number; total: number; lengthComputable: boolean }) => void) | null };
  onload: (() => void) | null;
  onerror: (() => void) | null;
  onabort: (() => void) | null;
}

export interface MultipartRequest {
  endpoint: string;
  query: string;
  operationName?: string;
  /** Variables without the files; each file is set to null here and mapped to its part, as the spec says. */
  variables: Record<string, unknown>;
  /** Variable name -> file, e.g. { file: archive, labels: labelsTxt }. */
  files: Record<string, Blob>;
  onProgress?: (progress: TransferProgress) => void;
  signal?: AbortSignal;
  createXhr?: () => UploadXhr;
  /** Says what was being done, in error messages ("uploading the dataset"). */
  doing: string;
  /** The API token to send, if any. */
  token?: string | null;
}

/** The form: `operations` (query and variables with null files), `map` (part -> variable path), then the files. */
function multipartBody(request: Pick<MultipartRequest, 'query' | 'operationName' | 'variables' | 'files'>): FormData {
  const names = Object.keys(request.files);
  const variables: Record<string, unknown> = { ...request.variables };
  for (const name of names) variables[name] = null;
  const form = new FormData();
  form.append('operations', JSON.stringify({ query: request.query, operationName: request.operationName, variables }));
  form.append('map', JSON.stringify(Object.fromEntries(names.map((name, i) => [String(i), [`variables.${name}`]]))));
  names.forEach((name, i) => {
    const file = request.files[name];
    form.append(String(i), file, file instanceof File ? file.name : name);
  });
  return form;
}

interface GraphQLResponse<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: unknown; field?: unknown } }[];
}

/** Sends the request; resolves with `data`, rejects with a DashboardError carrying the server's message. */
export function sendMultipart<T>(request: MultipartRequest): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const xhr = request.createXhr ? request.createXhr() : (new XMLHttpRequest() as unknown as UploadXhr);
    const onAbort = () => xhr.abort();
    request.signal?.addEventListener('abort', onAbort, { once: true });
    const done = () => request.signal?.removeEventListener('abort', onAbort);
    xhr.open('POST', request.endpoint);
    // Yoga's CSRF prevention accepts multipart only with a non-simple header.
    xhr.setRequestHeader('x-graphql-yoga-csrf', 'astri-dashboard');
    xhr.setRequestHeader('accept', 'application/graphql-response+json, application/json');
    if (request.token) xhr.setRequestHeader('authorization', `Bearer ${request.token}`);
    xhr.upload.onprogress = (event) => {
      request.onProgress?.({ sentBytes: event.loaded, totalBytes: event.lengthComputable ? event.total : null });
    };
    xhr.onerror = () => {
      done();
      reject(new DashboardError(`the ASTRI server could not be reached while ${request.doing}; is \`astri serve\` running?`, 'NETWORK'));
    };
    xhr.onabort = () => {
      done();
      reject(new DashboardError(`${request.doing} was cancelled`, 'ABORTED'));
    };
    xhr.onload = () => {
      done();
      let body: GraphQLResponse<T> | null = null;
      try {
        body = JSON.parse(xhr.responseText) as GraphQLResponse<T>;
      } catch {
        body = null;
      }
      const first = body?.errors?.[0];
      if (first) {
        const code = typeof first.extensions?.code === 'string' ? first.extensions.code : 'INTERNAL_SERVER_ERROR';
        reject(new DashboardError(first.message, code));
        return;
      }
      if (xhr.status < 200 || xhr.status >= 300 || !body?.data) {
        const status = xhr.status === 413 ? 'the file is larger than the server accepts (HTTP 413)' : `HTTP ${xhr.status}`;
        reject(new DashboardError(`${request.doing} failed: ${status}`, xhr.status === 413 ? 'PAYLOAD_TOO_LARGE' : 'INTERNAL_SERVER_ERROR'));
        return;
      }
      resolve(body.data);
    };
    xhr.send(multipartBody(request));
  });
}
