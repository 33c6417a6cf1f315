// What any HTTP response carries and refuses: security headers and the dashboard's content security policy,
// CORS (same origin by default), per-route body limits, upload content sniffing, no server paths or stacks.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, CLIENT_DIST, type App } from '../../server/app.ts';
import { loadConfig, PROJECT_ROOT } from '../../server/config.ts';
import { buildClient } from '../e2e/harness.ts';
import { temporaryDir } from '../helpers/temp-dir.ts';

async function appWith(overrides: Record<string, unknown> = {}): Promise<App> {
  const dir = temporaryDir('astri-http-');
  return buildApp(loadConfig({ env: {}, overrides: { data: { dir, database: path.join(dir, 'astri.db') }, log: { level: 'silent' }, ...overrides } }));
}

const LEAKS = /\/work\/|\/home\/|\/tmp\/|node_modules|\.ts:\d+|\n\s+at /;

describe('HTTP hygiene', () => {
  let app: App;
  beforeAll(async () => {
    if (!existsSync(path.join(CLIENT_DIST, 'index.html'))) await buildClient();
    app = await appWith();
  }, 300_000);
  afterAll(() => app?.close());

  const fetchApp = (pathname: string, init: RequestInit = {}) => app.yoga.fetch(`http://localhost${pathname}`, init);

  it('sends nosniff, no referrer and same-origin isolation on every response', async () => {
    for (const pathname of ['/healthz', '/graphql?query=%7B__typename%7D', '/']) {
      const response = await fetchApp(pathname);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      expect(response.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    }
  });

  it("puts the dashboard under a policy that runs only the server's own scripts, and the page has no inline script", async () => {
    const response = await fetchApp('/');
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = response.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp.split(';').find((d) => d.trim().startsWith('script-src'))).not.toContain('unsafe');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    const page = await response.text();
    const scripts = [...page.matchAll(/<script\b[^>]*>/g)].map((match) => match[0]);
    expect(scripts.length).toBeGreaterThan(0);
    for (const tag of scripts) expect(tag).toMatch(/\bsrc=/);
  });

  it('answers no cross-origin request by default (same origin only)', async () => {
    const preflight = await fetchApp('/graphql', { method: 'OPTIONS', headers: { origin: 'https://elsewhere.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    const post = await fetchApp('/graphql', { method: 'POST', headers: { origin: 'https://elsewhere.example', 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' });
    expect(post.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('allows exactly the origins server.corsOrigins names', async () => {
    const open = await appWith({ server: { corsOrigins: ['https://portal.example'] } });
    try {
      const ask = (origin: string) =>
        open.yoga.fetch('http://localhost/graphql', { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,authorization' } });
      const allowed = await ask('https://portal.example');
      expect(allowed.headers.get('access-control-allow-origin')).toBe('https://portal.example');
      expect(allowed.headers.get('access-control-allow-headers')).toContain('authorization');
      const other = await ask('https://elsewhere.example');
      expect(other.headers.get('access-control-allow-origin')).not.toBe('https://elsewhere.example');
    } finally {
      await open.close();
    }
  });

  it('limits a request that is not an upload to server.maxRequestBytes, and an upload to server.maxUploadBytes', async () => {
    const { maxRequestBytes, maxUploadBytes } = app.services.config.server;
    const json = await fetchApp('/graphql', { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(maxRequestBytes + 1) }, body: 'x'.repeat(maxRequestBytes + 1) });
    expect(json.status).toBe(413);
    expect(((await json.json()) as { errors: Array<{ message: string }> }).errors[0].message).toBe(
      `request body of ${maxRequestBytes + 1} bytes exceeds the limit of a request that is not an upload, ${maxRequestBytes} bytes (server.maxRequestBytes)`,
    );
    const upload = await fetchApp('/graphql', { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=x', 'content-length': String(maxUploadBytes + 1) }, body: '--x--' });
    expect(upload.status).toBe(413);
    expect(await upload.text()).toContain('server.maxUploadBytes');
  });

  it('decides what an uploaded model is by its content, not its name', async () => {
    const upload = async (bytes: Uint8Array<ArrayBuffer>, name: string) => {
      const form = new FormData();
      form.append('operations', JSON.stringify({ query: 'mutation($f: File!) { uploadModel(file: $f, classNames: ["a", "b"], activate: false) { id } }', variables: { f: null } }));
      form.append('map', JSON.stringify({ 0: ['variables.f'] }));
      form.append('0', new Blob([bytes]), name);
      const response = await fetchApp('/graphql', { method: 'POST', headers: { 'graphql-require-preflight': '1' }, body: form });
      return (await response.json()) as { errors?: Array<{ message: string; extensions: { code: string } }> };
    };
    const fakeOnnx = await upload(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]), 'model.onnx');
    expect(fakeOnnx.errors![0]).toMatchObject({ message: '"model.onnx" is neither a Keras HDF5 file (.h5) nor an ONNX model (.onnx) nor a Keras archive (.keras)', extensions: { code: 'BAD_USER_INPUT' } });
    const fakeH5 = await upload(new TextEncoder().encode('print("not a model")'), 'model.h5');
    expect(fakeH5.errors![0].extensions.code).toBe('BAD_USER_INPUT');
  });

  it('answers broken requests with messages that name no server path and carry no stack', async () => {
    const bodies = [
      '{"query": "{ predictionRun(id: \\"nope\\") { id } }"}',
      '{"query": "{ dataset(id: 99999) { id } }"}',
      '{"query": "mutation { predict(input: { eventsPerClass: -1 }) { id } }"}',
      '{"query": "{ nosuchfield }"}',
      '{"query": ',
      '{"query": "{ events(first: 1) { edges { node { id } } } }", "variables": [1, 2]}',
    ];
    for (const body of bodies) {
      const response = await fetchApp('/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      const text = await response.text();
      expect(text).not.toMatch(LEAKS);
      expect(text).not.toContain(PROJECT_ROOT);
    }
    for (const pathname of ['/images/99999.png', '/images/../../etc/passwd', '/metrics/x']) {
      const text = await (await fetchApp(pathname)).text();
      expect(text).not.toMatch(LEAKS);
    }
  });
});
