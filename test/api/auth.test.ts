// Tokens and roles over HTTP, SSE and graphql-ws; the open loopback mode; the refusal to bind openly.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { PROJECT_ROOT } from '../../server/config.ts';
import { runCli } from '../helpers/cli.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { temporaryDir } from '../helpers/temp-dir.ts';

interface GraphQLBody {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

const PREDICT = 'mutation($e: Int!) { predict(input: { energyBin: 0, eventsPerClass: $e, seed: 3 }) { id } }';

describe('API tokens and roles', () => {
  let server: TestServer;
  const secrets: Record<'reader' | 'runner' | 'admin' | 'runner2', string> = { reader: '', runner: '', admin: '', runner2: '' };
  const sockets: Client[] = [];

  const post = async (query: string, variables: Record<string, unknown> = {}, token?: string) => {
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, body: (await response.json()) as GraphQLBody };
  };
  const codeOf = (body: GraphQLBody) => body.errors?.[0]?.extensions?.code;

  const socket = (connectionParams?: Record<string, unknown>) => {
    const client = createClient({ url: `${server.url.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, lazy: true, retryAttempts: 0, connectionParams });
    sockets.push(client);
    return client;
  };
  /** Every result of one operation over a socket (errors as results, not thrown). */
  const overSocket = (client: Client, query: string, variables: Record<string, unknown> = {}) =>
    new Promise<GraphQLBody[]>((resolve, reject) => {
      const results: GraphQLBody[] = [];
      client.subscribe<Record<string, unknown>>(
        { query, variables },
        {
          next: (result) => results.push(result as GraphQLBody),
          error: (error) => (Array.isArray(error) ? resolve([{ errors: error as GraphQLBody['errors'] }]) : reject(error)),
          complete: () => resolve(results),
        },
      );
    });

  const createToken = async (role: string, name: string) => {
    const result = await runCli(['token', 'create', '--role', role, '--name', name, '--json'], { env: { ASTRI_DATA__DATABASE: server.config.data.database } });
    expect(result.stderr).toContain(`(${role}) created`);
    return (JSON.parse(result.stdout) as { secret: string }).secret;
  };

  beforeAll(async () => {
    server = await startTestServer({ inference: { batchSize: 8 } });
  }, 300_000);
  afterAll(async () => {
    await Promise.all(sockets.map((client) => client.dispose()));
    await server?.stop();
  });

  it('is open to everybody, as admin, on loopback while no token exists', async () => {
    const { status, body } = await post('mutation { activateModel(id: 1) { id active } }');
    expect(status).toBe(200);
    expect(body.data).toEqual({ activateModel: { id: '1', active: true } });
  });

  it('creates tokens with the astri CLI, stored hashed (the secret is nowhere in the database)', async () => {
    secrets.reader = await createToken('reader', 'rita');
    secrets.runner = await createToken('runner', 'rob');
    secrets.runner2 = await createToken('runner', 'ruth');
    secrets.admin = await createToken('admin', 'ada');
    for (const secret of Object.values(secrets)) expect(secret).toMatch(/^astri_[\w-]{40,}$/);
    const database = readFileSync(server.config.data.database);
    for (const secret of Object.values(secrets)) expect(database.includes(Buffer.from(secret))).toBe(false);
    const list = await runCli(['token', 'list', '--json'], { env: { ASTRI_DATA__DATABASE: server.config.data.database } });
    expect((JSON.parse(list.stdout) as Array<{ name: string; role: string }>).map(({ name, role }) => `${name}:${role}`)).toEqual(['rita:reader', 'rob:runner', 'ruth:runner', 'ada:admin']);
    expect(list.stdout).not.toContain(secrets.admin);
  });

  it('then refuses a request without a token, over HTTP, with UNAUTHENTICATED and 401', async () => {
    const { status, body } = await post('{ models { id } }');
    expect(status).toBe(401);
    expect(codeOf(body)).toBe('UNAUTHENTICATED');
    expect(body.errors![0].message).toMatch(/requires an API token/);
    expect(body.data ?? null).toBeNull();
  });

  it('refuses an unknown token and a malformed header', async () => {
    expect(codeOf((await post('{ models { id } }', {}, 'astri_notarealtoken0000000000000000000000000')).body)).toBe('UNAUTHENTICATED');
    const response = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Basic YTpi' }, body: '{"query":"{ models { id } }"}' });
    expect(codeOf((await response.json()) as GraphQLBody)).toBe('UNAUTHENTICATED');
  });

  it('lets a reader query but not predict, upload or activate (FORBIDDEN)', async () => {
    const models = await post('{ models { id } }', {}, secrets.reader);
    expect(models.status).toBe(200);
    expect((models.body.data!.models as unknown[]).length).toBeGreaterThan(0);
    const predict = await post(PREDICT, { e: 4 }, secrets.reader);
    expect(codeOf(predict.body)).toBe('FORBIDDEN');
    expect(predict.body.errors![0].message).toBe('the reader role may not start or cancel prediction runs');
    expect(codeOf((await post('mutation { activateModel(id: 1) { id } }', {}, secrets.reader)).body)).toBe('FORBIDDEN');
  });

  it('lets a runner predict and cancel its own run, not another runner\'s, and not manage models', async () => {
    const own = await post(PREDICT, { e: 40 }, secrets.runner);
    const runId = (own.body.data!.predict as { id: string }).id;
    expect(codeOf((await post('mutation($id: ID!) { cancelPrediction(runId: $id) { id } }', { id: runId }, secrets.runner2)).body)).toBe('FORBIDDEN');
    const cancelled = await post('mutation($id: ID!) { cancelPrediction(runId: $id) { id status } }', { id: runId }, secrets.runner);
    expect(cancelled.body.errors).toBeUndefined();
    expect(codeOf((await post('mutation { activateModel(id: 1) { id } }', {}, secrets.runner)).body)).toBe('FORBIDDEN');
    const upload = new FormData();
    upload.append('operations', JSON.stringify({ query: 'mutation($f: File!) { uploadModel(file: $f) { id } }', variables: { f: null } }));
    upload.append('map', JSON.stringify({ 0: ['variables.f'] }));
    upload.append('0', new Blob([readFileSync(path.join(PROJECT_ROOT, 'data/models/astri-demo-cnn.h5'))]), 'model.h5');
    const response = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { authorization: `Bearer ${secrets.runner}`, 'graphql-require-preflight': '1' }, body: upload });
    expect(codeOf((await response.json()) as GraphQLBody)).toBe('FORBIDDEN');
  });

  it("lets an admin manage models and cancel anybody's run", async () => {
    expect((await post('mutation { activateModel(id: 1) { id active } }', {}, secrets.admin)).body.data).toEqual({ activateModel: { id: '1', active: true } });
    const run = await post(PREDICT, { e: 40 }, secrets.runner);
    const runId = (run.body.data!.predict as { id: string }).id;
    const cancelled = await post('mutation($id: ID!) { cancelPrediction(runId: $id) { id } }', { id: runId }, secrets.admin);
    expect(cancelled.body.errors).toBeUndefined();
  });

  it('takes the token in graphql-ws connectionParams: subscriptions and mutations by role, UNAUTHENTICATED without', async () => {
    const run = await post(PREDICT, { e: 8 }, secrets.runner);
    const runId = (run.body.data!.predict as { id: string }).id;
    const subscription = 'subscription($id: ID!) { predictionProgress(runId: $id) { kind } }';

    const anonymous = await overSocket(socket(), subscription, { id: runId });
    expect(codeOf(anonymous[0])).toBe('UNAUTHENTICATED');
    const forged = await overSocket(socket({ authorization: 'Bearer astri_forged' }), subscription, { id: runId });
    expect(codeOf(forged[0])).toBe('UNAUTHENTICATED');

    const reader = socket({ authorization: `Bearer ${secrets.reader}` });
    const messages = await overSocket(reader, subscription, { id: runId });
    expect(messages.at(-1)!.data).toEqual({ predictionProgress: { kind: 'FINISHED' } });
    expect(codeOf((await overSocket(reader, PREDICT, { e: 4 }))[0])).toBe('FORBIDDEN');

    const runner = socket({ token: secrets.runner });
    const started = await overSocket(runner, PREDICT, { e: 4 });
    expect(started[0].errors).toBeUndefined();
    expect(codeOf((await overSocket(runner, 'mutation { activateModel(id: 1) { id } }'))[0])).toBe('FORBIDDEN');
  });

  it('takes the bearer token on SSE subscriptions', async () => {
    const run = await post(PREDICT, { e: 8 }, secrets.runner);
    const runId = (run.body.data!.predict as { id: string }).id;
    const sse = (token?: string) =>
      fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query: 'subscription($id: ID!) { predictionProgress(runId: $id) { kind } }', variables: { id: runId } }),
      }).then((response) => response.text());
    const events = (text: string) => text.split('\n').filter((line) => line.startsWith('data: ') && line.length > 6).map((line) => JSON.parse(line.slice(6)) as GraphQLBody);
    expect(events(await sse(secrets.reader)).at(-1)!.data).toEqual({ predictionProgress: { kind: 'FINISHED' } });
    expect(codeOf(events(await sse()).at(-1)!)).toBe('UNAUTHENTICATED');
  });

  it('serves event images and metrics only with a token (the dashboard sends its cookie for images)', async () => {
    const image = `${server.url}/images/1.png`;
    expect((await fetch(image)).status).toBe(401);
    expect((await fetch(image, { headers: { authorization: `Bearer ${secrets.reader}` } })).status).toBe(200);
    expect((await fetch(image, { headers: { cookie: `astri_token=${encodeURIComponent(secrets.reader)}` } })).status).toBe(200);
    expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('refuses a revoked token at once', async () => {
    const revoke = await runCli(['token', 'revoke', 'rita'], { env: { ASTRI_DATA__DATABASE: server.config.data.database } });
    expect(revoke.stdout).toContain('revoked token 1 "rita" (reader)');
    const { body } = await post('{ models { id } }', {}, secrets.reader);
    expect(codeOf(body)).toBe('UNAUTHENTICATED');
    expect(body.errors![0].message).toBe('the API token is unknown or revoked');
  });

  it('never answers with a stack or a server path', async () => {
    const { body } = await post('{ predictionRun(id: "nope") { id } }', {}, secrets.admin);
    expect(JSON.stringify(body)).not.toMatch(/ at |\/work\/|node_modules|\.ts:/);
  });
});

describe('binding to a non-loopback address', () => {
  it('refuses to start without tokens, saying what to do', async () => {
    await expect(startTestServer({ server: { host: '0.0.0.0' } })).rejects.toThrow(/refusing to listen on 0\.0\.0\.0: no API token exists.*astri token create.*auth\.anonymous/);
  });

  it('refuses from the astri command too, with a message and no stack', async () => {
    const dir = temporaryDir('astri-bind-');
    const env = { ASTRI_DATA__DIR: dir, ASTRI_DATA__DATABASE: path.join(dir, 'astri.db'), ASTRI_DATA__INFERENCE_DIR: path.join(dir, 'inference'), ASTRI_DATA__PIXEL_STORE: path.join(dir, 'pixels'), ASTRI_LOG__LEVEL: 'silent' };
    const result = await runCli(['serve', '--host', '0.0.0.0', '--port', '0'], { env, timeoutMs: 60_000 });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^astri: OpenBindError: refusing to listen on 0\.0\.0\.0/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('starts when auth.anonymous says what anonymous users may do, and holds them to it', async () => {
    const server = await startTestServer({ server: { host: '0.0.0.0' }, auth: { anonymous: 'reader' } });
    try {
      const query = await server.graphql<{ models: unknown[] }>('{ models { id } }');
      expect(query.data!.models.length).toBeGreaterThan(0);
      const predict = await server.graphql(PREDICT, { e: 4 });
      expect(predict.errors![0].extensions!.code).toBe('FORBIDDEN');
    } finally {
      await server.stop();
    }
  });
});
