// Arbitrary JSON as the variables of the API's operations: every request ends in data or errors with a code,
// an HTTP status a client expects (never 500), and no server path or stack in the answer.
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../server/app.ts';
import { loadConfig } from '../../server/config.ts';
import { ensureDemoDataset } from '../../server/data/demo/index.ts';
import { fuzzParameters, withinBound } from './fuzz.ts';
import { temporaryDir } from '../helpers/temp-dir.ts';

const OPERATIONS = [
  'query($d: ID, $b: Int, $l: String, $f: Int, $a: String) { events(datasetId: $d, energyBin: $b, label: $l, first: $f, after: $a) { edges { node { id label } } pageInfo { hasNextPage } } }',
  'query($id: ID!) { predictionRun(id: $id) { id status } }',
  'query($id: ID!) { dataset(id: $id) { id name classes { name } } }',
  'query($d: ID) { energyBins(datasetId: $d) { index label } }',
  'mutation($input: PredictInput!) { predict(input: $input) { id } }',
  'mutation($id: ID!) { cancelPrediction(runId: $id) { id } }',
  'mutation($id: ID!) { cancelDatasetUpload(id: $id) { id } }',
  'subscription($runId: ID!, $after: Int) { predictionProgress(runId: $runId, afterSequence: $after) { sequence } }',
];

/**
 * Cases that once failed, replayed first on every run: a variable of the wrong type was masked as
 * INTERNAL_SERVER_ERROR, and a missing required variable came back without a code.
 */
const REGRESSIONS: Array<[number, unknown, boolean]> = [
  [0, { a: false }, false],
  [4, {}, false],
];

const LEAKS = /\/work\/|\/home\/|\/tmp\/|node_modules|\.ts:\d+|\n\s+at /;

/** Values of the shapes the variables take, and anything else JSON can say. */
const value = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -1, 2 ** 31, 2 ** 53, 1e308, -0, 20000, 20001),
  fc.string({ maxLength: 40 }),
  fc.constantFrom('1', '0', '-1', '1e9', 'NaN', '../../etc/passwd', 'gamma', 'proton', '%00', '\u0000', 'Infinity'),
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 3 }),
);
const predictInput = fc.record(
  { eventsPerClass: value, energyBin: value, samples: value, seed: value, modelId: value, datasetId: value, classMapping: fc.oneof(value, fc.array(fc.record({ modelClass: value, datasetClass: value }), { maxLength: 3 })) },
  { requiredKeys: [] },
);
const variables = fc.oneof(
  fc.record({ d: value, b: value, l: value, f: value, a: value, id: value, runId: value, after: value, input: fc.oneof(predictInput, value) }, { requiredKeys: [] }),
  fc.jsonValue({ maxDepth: 3 }),
);

describe('fuzzing GraphQL variables', () => {
  let app: App;
  beforeAll(async () => {
    const dir = temporaryDir('astri-fuzz-gql-');
    const config = loadConfig({ env: {}, overrides: { data: { dir, database: path.join(dir, 'astri.db'), inferenceDir: path.join(dir, 'inference'), pixelStore: path.join(dir, 'pixels') }, demo: { eventsPerBin: 5, multiclassEventsPerClass: 0 }, log: { level: 'silent' } } });
    app = await buildApp(config);
    await ensureDemoDataset(config, app.services.db);
    app.markReady();
  }, 300_000);
  afterAll(() => app?.close());

  it('answers every operation with data or coded errors, never a 500, a stack or a server path', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: OPERATIONS.length - 1 }), variables, fc.boolean(), async (which, vars, sse) => {
        const response = await withinBound(
          Promise.resolve(app.yoga.fetch('http://localhost/graphql', {
            method: 'POST',
            headers: { 'content-type': 'application/json', accept: sse ? 'text/event-stream' : 'application/graphql-response+json' },
            body: JSON.stringify({ query: OPERATIONS[which], variables: vars }),
          })),
          'a fuzzed request',
        );
        const text = await withinBound(response.text(), 'reading a fuzzed answer');
        expect(response.status).toBeLessThan(500);
        expect(text).not.toMatch(LEAKS);
        const bodies = sse ? text.split('\n').filter((line) => line.startsWith('data: ') && line.length > 6).map((line) => line.slice(6)) : [text];
        for (const body of bodies) {
          const parsed = JSON.parse(body) as { data?: unknown; errors?: Array<{ message: string; extensions?: { code?: string } }> };
          for (const error of parsed.errors ?? []) {
            expect(error.message.length).toBeGreaterThan(0);
            expect(error.extensions?.code, error.message).toBeTypeOf('string');
            expect(error.extensions!.code).not.toBe('INTERNAL_SERVER_ERROR');
          }
        }
      }),
      fuzzParameters<[number, unknown, boolean]>(300, REGRESSIONS),
    );
  }, 300_000);
});
