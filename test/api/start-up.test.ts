import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../server/app.ts';
import { loadConfig } from '../../server/config.ts';
import { temporaryDir } from '../helpers/temp-dir.ts';

// The app before its model is loaded: what serve.ts listens with while it gets ready.
describe('during start-up', () => {
  let app: App;
  beforeAll(async () => {
    const dir = temporaryDir('astri-start-');
    const config = loadConfig({ env: {}, overrides: { data: { dir, database: path.join(dir, 'astri.db') }, log: { level: 'silent' } } });
    app = await buildApp(config);
  });
  afterAll(() => app?.close());

  it('answers predict with a retryable UNAVAILABLE, not NOT_FOUND', async () => {
    const response = await app.yoga.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'mutation { predict(input: { energyBin: 0, eventsPerClass: 100 }) { id } }' }),
    });
    const body = (await response.json()) as { errors: Array<{ message: string; extensions: { code: string } }> };
    expect(body.errors[0].extensions.code).toBe('UNAVAILABLE');
    expect(body.errors[0].message).toMatch(/starting .*retry in \d+ s/);
    expect((await app.yoga.fetch('http://localhost/readyz')).status).toBe(503);
  });
});
