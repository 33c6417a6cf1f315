// A real server on a loopback port, on a fresh temporary data folder with a small demo dataset.
import path from 'node:path';
import { loadConfig, type Config } from '../../server/config.ts';
import { startServer, type RunningServer } from '../../server/serve.ts';
import { temporaryDir } from './temp-dir.ts';

export interface TestServer extends RunningServer {
  config: Config;
  dir: string;
  /** POSTs a GraphQL operation over HTTP and returns the parsed body. */
  graphql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>): Promise<{ data?: T; errors?: Array<{ message: string; extensions?: { code?: string; field?: string } }> }>;
}

export async function startTestServer(overrides: Record<string, unknown> = {}, dir = temporaryDir('astri-api-')): Promise<TestServer> {
  const config = loadConfig({
    env: {},
    overrides: deepMerge(
      {
        server: { host: '127.0.0.1', port: 0 },
        data: { dir, database: path.join(dir, 'astri.db'), inferenceDir: path.join(dir, 'inference'), pixelStore: path.join(dir, 'pixels') },
        demo: { eventsPerBin: 60, seed: 7, multiclassEventsPerClass: 0 },
        inference: { batchSize: 32 },
        log: { level: 'silent' },
      },
      overrides,
    ),
  });
  const server = await startServer(config);
  await server.ready;
  return {
    ...server,
    config,
    dir,
    graphql: async (query, variables) => {
      const response = await server.app.yoga.fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
        body: JSON.stringify({ query, variables }),
      });
      return response.json() as never;
    },
  };
}

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] =
      value && typeof value === 'object' && !Array.isArray(value) && current && typeof current === 'object'
        ? deepMerge(current as Record<string, unknown>, value as Record<string, unknown>)
        : value;
  }
  return out;
}
