// The N-class path end to end, as another tool would use it: a stock multipart client (fetch + FormData, the
// GraphQL multipart request spec) uploads a real 10-class Keras file and a zip of labelled images made here,
// waits for the dataset, runs predict, and checks the scores against the independent PyTorch reader's and the
// metrics against scikit-learn's (scripts/n-class-reference.py computed both: test/fixtures/uploads/n-class-upload.json).
import { readFileSync } from 'node:fs';
import { decode } from 'fast-png';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeClassificationMetrics } from '../../server/metrics/index.ts';
import { N_CLASS_REFERENCE, nClassModelFile, zipOfClassFolders } from '../helpers/n-class-reference.ts';
import { needsShared } from '../helpers/shared.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const REAL = needsShared('the N-class upload test on a real 10-class Keras file');

const reference = N_CLASS_REFERENCE;

type Result<T> = { data?: T; errors?: Array<{ message: string; extensions?: { code?: string } }> };

/** One multipart request as the spec says: operations, map, then the files. */
async function multipart<T>(url: string, query: string, variables: Record<string, unknown>, files: Record<string, { bytes: Uint8Array; name: string }>): Promise<Result<T>> {
  const form = new FormData();
  form.append('operations', JSON.stringify({ query, variables }));
  form.append('map', JSON.stringify(Object.fromEntries(Object.keys(files).map((key, i) => [String(i), [`variables.${key}`]]))));
  Object.values(files).forEach((file, i) => form.append(String(i), new Blob([Uint8Array.from(file.bytes)]), file.name));
  const response = await fetch(`${url}/graphql`, { method: 'POST', body: form, headers: { 'graphql-require-preflight': '1' } });
  return (await response.json()) as Result<T>;
}

describe.skipIf(!REAL)('a 10-class model and a dataset of class folders, uploaded and run over GraphQL', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  }, 120_000);
  afterAll(() => server?.stop());

  it('scores every event as the reference reader does, with metrics equal to scikit-learn', async () => {
    const model = await multipart<{ uploadModel: { id: string; classNames: string[]; classNamesSource: string; inputShape: number[] } }>(
      server.url,
      'mutation($file: File!, $classNames: [String!]) { uploadModel(file: $file, activate: false, classNames: $classNames) { id classNames classNamesSource inputShape } }',
      { file: null, classNames: reference.classes },
      { file: { bytes: readFileSync(nClassModelFile()), name: 'digits.h5' } },
    );
    expect(model.errors).toBeUndefined();
    expect(model.data!.uploadModel).toMatchObject({ classNames: reference.classes, classNamesSource: 'upload', inputShape: [28, 28, 1] });

    const upload = await multipart<{ uploadDataset: { id: string; state: string } }>(
      server.url,
      'mutation($file: File!) { uploadDataset(file: $file, name: "digits") { id state } }',
      { file: null },
      { file: { bytes: await zipOfClassFolders(), name: 'digits.zip' } },
    );
    expect(upload.errors).toBeUndefined();
    const datasetId = upload.data!.uploadDataset.id;
    let dataset: { state: string; eventCount: number; hasEnergies: boolean; classes: Array<{ name: string; eventCount: number }> } | undefined;
    for (let attempt = 0; attempt < 600; attempt++) {
      const answer = await server.graphql<{ dataset: NonNullable<typeof dataset> }>('query($id: ID!) { dataset(id: $id) { state eventCount hasEnergies classes { name eventCount } } }', { id: datasetId });
      dataset = answer.data!.dataset;
      if (dataset.state !== 'INGESTING') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(dataset).toMatchObject({ state: 'READY', eventCount: reference.labels.length, hasEnergies: false });
    expect(dataset!.classes.map((c) => c.name)).toEqual(reference.classes);

    const perClass = reference.labels.length / reference.classes.length;
    const started = await server.graphql<{ predict: { id: string } }>('mutation($input: PredictInput!) { predict(input: $input) { id } }', {
      input: { datasetId, modelId: model.data!.uploadModel.id, eventsPerClass: perClass, samples: 2, seed: 1 },
    });
    expect(started.errors).toBeUndefined();
    const runId = started.data!.predict.id;
    let run: RunAnswer['predictionRun'] | undefined;
    for (let attempt = 0; attempt < 600; attempt++) {
      run = (await server.graphql<RunAnswer>(RUN_QUERY, { id: runId })).data!.predictionRun;
      if (run.status !== 'RUNNING') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(run!.status).toBe('COMPLETED');
    expect(run!.metrics).toBeNull(); // the gamma/hadron figures are for binary runs

    // Which reference image each event is: the events carry their image, so match by pixels' label and order.
    const events = await server.graphql<{ events: { edges: Array<{ node: { id: string; label: string; imageUrl: string } }> } }>(
      'query($d: ID!) { events(datasetId: $d, first: 500) { edges { node { id label imageUrl } } } }',
      { d: datasetId },
    );
    const referenceIndexOf = new Map<string, number>();
    for (const { node } of events.data!.events.edges) {
      const png = new Uint8Array(await (await fetch(`${server.url}${node.imageUrl}`)).arrayBuffer());
      referenceIndexOf.set(node.id, findReferenceImage(png));
    }
    expect(run!.predictions).toHaveLength(reference.labels.length);
    for (const prediction of run!.predictions) {
      const i = referenceIndexOf.get(prediction.eventId)!;
      expect(prediction.label).toBe(reference.classes[reference.labels[i]]);
      expect(maxDifference(prediction.scores, reference.outputs[i])).toBeLessThan(1e-4);
    }

    const c = run!.classification;
    const expected = reference.sklearn;
    expect(c.classes).toEqual(reference.classes);
    expect(c.confusionMatrix).toEqual(expected.confusionMatrix);
    expect(c.accuracy).toBeCloseTo(expected.accuracy, 12);
    expect(c.perClass.map((r) => r.precision)).toEqual(expected.precision.map((v) => expect.closeTo(v, 12)));
    expect(c.perClass.map((r) => r.recall)).toEqual(expected.recall.map((v) => expect.closeTo(v, 12)));
    expect(c.perClass.map((r) => r.f1)).toEqual(expected.f1.map((v) => expect.closeTo(v, 12)));
    expect(c.perClass.map((r) => r.support)).toEqual(expected.support);
    expect(c.topKAccuracy.find((t) => t.k === 3)!.accuracy).toBeCloseTo(expected.top3Accuracy, 12);
    // The ranking metrics are exact on the same scores: on the reference scores they equal scikit-learn's...
    const onReference = computeClassificationMetrics(Int32Array.from(reference.labels), Float64Array.from(reference.outputs.flat()), reference.classes.length);
    expect(onReference.roc.macroAuc).toBeCloseTo(expected.macroAuc, 12);
    expect(onReference.roc.weightedAuc).toBeCloseTo(expected.weightedAuc, 12);
    expect(onReference.logLoss).toBeCloseTo(expected.logLoss, 10);
    // ...and the server's equal them on its own scores. The two sets of scores agree within 1e-4, but where the
    // model saturates (probabilities near 1e-9) their order can differ between two float32 engines, which moves
    // an AUC by a few of its 540 pairs per class (about 0.001 here).
    const onServerScores = computeClassificationMetrics(
      Int32Array.from(run!.predictions, (p) => reference.classes.indexOf(p.label)),
      Float64Array.from(run!.predictions.flatMap((p) => p.scores)),
      reference.classes.length,
    );
    expect(c.macroAuc).toBe(onServerScores.roc.macroAuc);
    expect(c.weightedAuc).toBe(onServerScores.roc.weightedAuc);
    expect(c.logLoss).toBe(onServerScores.logLoss);
    expect(Math.abs(c.macroAuc - expected.macroAuc)).toBeLessThan(0.005);
    expect(c.logLoss).toBeCloseTo(expected.logLoss, 3);
    expect(run!.sampleEvents).toHaveLength(2 * reference.classes.length);
    expect(run!.sampleEvents[0].top).toHaveLength(3);
  }, 240_000);

  function findReferenceImage(png: Uint8Array): number {
    // The stored image is the uploaded PNG, byte for byte: compare decoded pixels to the reference's.
    const pixels = decodeGray(png);
    const index = reference.pixels.findIndex((candidate) => candidate.every((v, k) => v === pixels[k]));
    if (index < 0) throw new Error('an event image matches no uploaded image');
    return index;
  }
});

const RUN_QUERY = `query($id: ID!) { predictionRun(id: $id) {
  status metrics { threshold }
  predictions { eventId label scores }
  sampleEvents { top { className score } }
  classification { classes accuracy confusionMatrix topKAccuracy { k accuracy } perClass { className precision recall f1 support } macroAuc weightedAuc logLoss }
} }`;

interface RunAnswer {
  predictionRun: {
    status: string;
    metrics: unknown;
    predictions: Array<{ eventId: string; label: string; scores: number[] }>;
    sampleEvents: Array<{ top: Array<{ className: string; score: number }> }>;
    classification: {
      classes: string[];
      accuracy: number;
      confusionMatrix: number[][];
      topKAccuracy: Array<{ k: number; accuracy: number }>;
      perClass: Array<{ className: string; precision: number; recall: number; f1: number; support: number }>;
      macroAuc: number;
      weightedAuc: number;
      logLoss: number;
    };
  };
}

function maxDifference(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) return Infinity;
  return Math.max(...a.map((v, i) => Math.abs(v - b[i])));
}

function decodeGray(png: Uint8Array): Uint8Array {
  return decode(png).data as Uint8Array;
}
