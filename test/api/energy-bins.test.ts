// Runs over several energy bins and their per-bin figures, checked against NumPy / scikit-learn on the scores
// the API returns (scripts/energy-metrics-reference.py, bootstrap intervals included: same seed, same numbers),
// the run history (the predictionRuns connection and deletePredictionRun), model comparison and calibration.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeUntrainedModel } from '../helpers/untrained-model.ts';
import { hashSeed } from '../../server/random/rng.ts';
import { energyMetricsReference, needsPython } from '../helpers/python.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

interface Cut {
  cut: number;
  gammaEfficiency: number;
  hadronEfficiency: number;
}

interface BinMetrics {
  bin: { index: number; minTeV: number; maxTeV: number; counts: Array<{ className: string; count: number }> } | null;
  energyTeV: number | null;
  accuracy: number | null;
  macroAuc: number | null;
  gammaEvents: number | null;
  hadronEvents: number | null;
  auc: number | null;
  aucInterval: { lower: number; upper: number; level: number; resamples: number; seed: number } | null;
  atGammaEfficiency: Cut | null;
  atHadronEfficiency: Cut | null;
  bestQualityFactor: (Cut & { qualityFactor: number }) | null;
}

interface RunView {
  id: string;
  status: string;
  seed: number;
  bin: { index: number } | null;
  bins: Array<{ index: number; minTeV: number; maxTeV: number }>;
  totalByClass: Array<{ className: string; count: number }>;
  classes: Array<{ name: string }>;
  predictions: Array<{ label: string; trueEnergyTeV: number; scores: number[]; gammaness: number }>;
  energyMetrics: BinMetrics[];
}

const RUN = /* GraphQL */ `
  query Run($id: ID!, $gammaEfficiency: Float, $hadronEfficiency: Float, $resamples: Int, $level: Float) {
    predictionRun(id: $id) {
      id status seed bin { index } bins { index minTeV maxTeV } totalByClass { className count } classes { name }
      predictions { label trueEnergyTeV scores gammaness }
      energyMetrics(gammaEfficiency: $gammaEfficiency, hadronEfficiency: $hadronEfficiency, resamples: $resamples, confidenceLevel: $level) {
        bin { index minTeV maxTeV counts { className count } } energyTeV accuracy macroAuc gammaEvents hadronEvents auc
        aucInterval { lower upper level resamples seed }
        atGammaEfficiency { cut gammaEfficiency hadronEfficiency }
        atHadronEfficiency { cut gammaEfficiency hadronEfficiency }
        bestQualityFactor { cut gammaEfficiency hadronEfficiency qualityFactor }
      }
    }
  }
`;

const OPTIONS = { gammaEfficiency: 0.7, hadronEfficiency: 0.2, resamples: 120, level: 0.9 };
const ALL_BINS = [0, 1, 2, 3, 4, 5, 6];

describe('a run over several energy bins', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  }, 300_000);
  afterAll(async () => {
    await server?.stop();
  });

  async function predict(input: Record<string, unknown>): Promise<string> {
    const result = await server.graphql<{ predict: { id: string } }>('mutation($input: PredictInput!) { predict(input: $input) { id } }', { input });
    expect(result.errors).toBeUndefined();
    return result.data!.predict.id;
  }

  async function finished(id: string): Promise<RunView> {
    for (;;) {
      const result = await server.graphql<{ predictionRun: RunView }>(RUN, { id, ...OPTIONS });
      expect(result.errors).toBeUndefined();
      if (result.data!.predictionRun.status !== 'RUNNING') return result.data!.predictionRun;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async function predictError(input: Record<string, unknown>) {
    const result = await server.graphql('mutation($input: PredictInput!) { predict(input: $input) { id } }', { input });
    return result.errors?.[0];
  }

  let run: RunView;

  it('draws eventsPerClass events of each class in each of the seven bins, in one run', async () => {
    run = await finished(await predict({ energyBins: [6, 0, 1, 2, 3, 4, 5], eventsPerClass: 40, seed: 11 }));
    expect(run.status).toBe('COMPLETED');
    expect(run.bin).toBeNull();
    expect(run.bins.map((bin) => bin.index)).toEqual(ALL_BINS);
    expect(run.totalByClass).toEqual([
      { className: 'proton', count: 280 },
      { className: 'gamma', count: 280 },
    ]);
    expect(run.predictions).toHaveLength(560);
    for (const bin of run.bins) {
      const inBin = run.predictions.filter((event) => event.trueEnergyTeV >= bin.minTeV && event.trueEnergyTeV < bin.maxTeV);
      expect(inBin.filter((event) => event.label === 'gamma')).toHaveLength(40);
      expect(inBin.filter((event) => event.label === 'proton')).toHaveLength(40);
    }
  });

  it('gives one item of figures per bin, and the AUC rises with energy on the demo model', () => {
    expect(run.energyMetrics.map((item) => item.bin?.index)).toEqual(ALL_BINS);
    for (const item of run.energyMetrics) {
      expect(item).toMatchObject({ gammaEvents: 40, hadronEvents: 40, bin: { counts: [{ className: 'proton', count: 40 }, { className: 'gamma', count: 40 }] } });
      expect(item.energyTeV).toBeCloseTo(Math.sqrt(item.bin!.minTeV * item.bin!.maxTeV), 12);
      expect(item.aucInterval).toMatchObject({ level: 0.9, resamples: 120, seed: 11 });
      expect(item.aucInterval!.lower).toBeLessThanOrEqual(item.auc!);
      expect(item.aucInterval!.upper).toBeGreaterThanOrEqual(item.auc!);
    }
    expect(run.energyMetrics[6].auc!).toBeGreaterThan(run.energyMetrics[0].auc!);
  });

  it('equals NumPy / scikit-learn on the returned scores in every bin, bootstrap intervals included', () => {
    if (!needsPython(['numpy', 'sklearn'], ['python3-numpy', 'python3-sklearn'], 'the NumPy / scikit-learn check of the per-bin figures')) return;
    const signal = run.classes.findIndex((c) => c.name === 'gamma');
    const byBin = run.bins.map((bin) => run.predictions.filter((event) => event.trueEnergyTeV >= bin.minTeV && event.trueEnergyTeV < bin.maxTeV));
    const reference = energyMetricsReference<{
      separation: Array<{ auc: number; aucInterval: { lower: number; upper: number }; atGammaEfficiency: Cut; atHadronEfficiency: Cut; bestQualityFactor: Cut | null }>;
      classification: Array<{ accuracy: number; macroAuc: number }>;
    }>({
      separation: byBin.map((events, k) => ({
        gamma: events.filter((event) => event.label === 'gamma').map((event) => event.scores[signal]),
        hadron: events.filter((event) => event.label !== 'gamma').map((event) => event.scores[signal]),
        gammaEfficiency: OPTIONS.gammaEfficiency,
        hadronEfficiency: OPTIONS.hadronEfficiency,
        bootstrap: { resamples: OPTIONS.resamples, level: OPTIONS.level, seed: run.seed, binIndex: run.bins[k].index },
      })),
      classification: byBin.map((events) => ({ labels: events.map((event) => run.classes.findIndex((c) => c.name === event.label)), probabilities: events.map((event) => event.scores) })),
    });
    run.energyMetrics.forEach((item, k) => {
      const expected = reference.separation[k];
      expect(item.auc).toBeCloseTo(expected.auc, 12);
      expect(item.aucInterval!.lower).toBeCloseTo(expected.aucInterval.lower, 12);
      expect(item.aucInterval!.upper).toBeCloseTo(expected.aucInterval.upper, 12);
      expect(item.atGammaEfficiency).toEqual(expected.atGammaEfficiency);
      expect(item.atHadronEfficiency).toEqual(expected.atHadronEfficiency);
      expect(item.bestQualityFactor).toEqual(expected.bestQualityFactor);
      expect(item.accuracy).toBe(reference.classification[k].accuracy);
      expect(item.macroAuc).toBeCloseTo(reference.classification[k].macroAuc, 12);
    });
  });

  it('gives the same figures, intervals included, when the run is repeated with the same seed', async () => {
    const again = await finished(await predict({ energyBins: ALL_BINS, eventsPerClass: 40, seed: 11 }));
    expect(again.id).not.toBe(run.id);
    expect(again.energyMetrics).toEqual(run.energyMetrics);
  });

  it('draws a bin of a several-bin run as a one-bin run with the same seed draws it', async () => {
    const single = await finished(await predict({ energyBin: 3, eventsPerClass: 40, seed: 11 }));
    expect(single.bin).toEqual({ index: 3 });
    expect(single.bins.map((bin) => bin.index)).toEqual([3]);
    expect(single.energyMetrics).toHaveLength(1);
    expect(single.energyMetrics[0]).toEqual(run.energyMetrics[3]);
  });

  it('gives one item over all events for a run over all energies', async () => {
    const all = await finished(await predict({ eventsPerClass: 30, seed: 4 }));
    expect(all.bins).toEqual([]);
    expect(all.energyMetrics).toHaveLength(1);
    expect(all.energyMetrics[0]).toMatchObject({ bin: null, energyTeV: null, gammaEvents: 30, hadronEvents: 30 });
  });

  it('refuses bins it cannot draw from, naming the field', async () => {
    expect(await predictError({ energyBin: 1, energyBins: [1, 2], eventsPerClass: 5 })).toMatchObject({ message: 'give energyBin or energyBins, not both', extensions: { code: 'BAD_USER_INPUT', field: 'energyBins' } });
    expect(await predictError({ energyBins: [2, 2], eventsPerClass: 5 })).toMatchObject({ message: 'energyBins names bin 2 twice', extensions: { code: 'BAD_USER_INPUT', field: 'energyBins' } });
    expect(await predictError({ energyBins: [], eventsPerClass: 5 })).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'energyBins' } });
    expect(await predictError({ energyBins: [0, 9], eventsPerClass: 5 })).toMatchObject({ message: expect.stringMatching(/^unknown energy bin 9: bins are numbered 0 to 6/), extensions: { code: 'BAD_USER_INPUT', field: 'energyBins' } });
    expect(await predictError({ energyBins: [0, 1], eventsPerClass: 61 })).toMatchObject({ message: expect.stringMatching(/^energy bin 0 \(1–2 TeV\): only 60/), extensions: { code: 'BAD_USER_INPUT' } });
  });

  it('refuses figure options out of range, naming the argument', async () => {
    const ask = async (args: string) => (await server.graphql(`query($id: ID!) { predictionRun(id: $id) { energyMetrics(${args}) { auc } } }`, { id: run.id })).errors?.[0];
    expect(await ask('gammaEfficiency: 1.5')).toMatchObject({ message: 'gammaEfficiency must be between 0 and 1, got 1.5', extensions: { code: 'BAD_USER_INPUT', field: 'gammaEfficiency' } });
    expect(await ask('resamples: 0')).toMatchObject({ message: 'resamples must be between 1 and 10000, got 0', extensions: { code: 'BAD_USER_INPUT', field: 'resamples' } });
    expect(await ask('confidenceLevel: 1')).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'confidenceLevel' } });
  });

  describe('the run history', () => {
    const PAGE = /* GraphQL */ `
      query($first: Int, $after: String, $status: RunStatus, $modelId: ID, $datasetId: ID) {
        predictionRuns(first: $first, after: $after, status: $status, modelId: $modelId, datasetId: $datasetId) {
          edges { cursor node { id status createdAt } }
          pageInfo { hasNextPage hasPreviousPage endCursor }
        }
      }
    `;
    type Page = { predictionRuns: { edges: Array<{ node: { id: string; status: string; createdAt: string } }>; pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; endCursor: string | null } } };

    it('lists every run newest first, page by page', async () => {
      const all = (await server.graphql<Page>(PAGE, { first: 100 })).data!.predictionRuns.edges.map((edge) => edge.node);
      expect(all.length).toBeGreaterThanOrEqual(4);
      expect(all.map((node) => node.createdAt)).toEqual([...all.map((node) => node.createdAt)].sort().reverse());
      expect(all.map((node) => node.id)).toContain(run.id);
      const seen: string[] = [];
      let after: string | null = null;
      for (;;) {
        const page: Page['predictionRuns'] = (await server.graphql<Page>(PAGE, { first: 2, after })).data!.predictionRuns;
        seen.push(...page.edges.map((edge) => edge.node.id));
        expect(page.pageInfo.hasPreviousPage).toBe(after !== null);
        if (!page.pageInfo.hasNextPage) break;
        after = page.pageInfo.endCursor;
      }
      expect(seen).toEqual(all.map((node) => node.id));
    });

    it('filters by status, model and dataset', async () => {
      const completed = (await server.graphql<Page>(PAGE, { first: 100, status: 'COMPLETED' })).data!.predictionRuns.edges;
      expect(completed.length).toBeGreaterThanOrEqual(4);
      expect(completed.every((edge) => edge.node.status === 'COMPLETED')).toBe(true);
      expect((await server.graphql<Page>(PAGE, { first: 100, status: 'CANCELLED' })).data!.predictionRuns.edges).toEqual([]);
      const ids = await server.graphql<{ predictionRun: { model: { id: string }; dataset: { id: string } } }>('query($id: ID!) { predictionRun(id: $id) { model { id } dataset { id } } }', { id: run.id });
      const { model, dataset } = ids.data!.predictionRun;
      expect((await server.graphql<Page>(PAGE, { first: 100, modelId: model.id, datasetId: dataset.id })).data!.predictionRuns.edges).toHaveLength(completed.length);
      expect((await server.graphql<Page>(PAGE, { first: 100, modelId: '999' })).data!.predictionRuns.edges).toEqual([]);
    });

    it('refuses a bad page size or cursor, naming the argument', async () => {
      expect((await server.graphql(PAGE, { first: 0 })).errors?.[0]).toMatchObject({ message: 'first must be between 1 and 100, got 0', extensions: { code: 'BAD_USER_INPUT', field: 'first' } });
      expect((await server.graphql(PAGE, { after: 'nonsense' })).errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'after' } });
    });

    it('deletes a finished run with its predictions, and then no longer knows it', async () => {
      const victim = await finished(await predict({ energyBins: [2], eventsPerClass: 5, seed: 3 }));
      const deleted = await server.graphql<{ deletePredictionRun: { id: string; status: string } }>('mutation($id: ID!) { deletePredictionRun(runId: $id) { id status } }', { id: victim.id });
      expect(deleted.data!.deletePredictionRun).toEqual({ id: victim.id, status: 'COMPLETED' });
      const gone = await server.graphql('query($id: ID!) { predictionRun(id: $id) { id } }', { id: victim.id });
      expect(gone.errors?.[0]).toMatchObject({ message: `unknown prediction run "${victim.id}"`, extensions: { code: 'NOT_FOUND' } });
      const listed = (await server.graphql<Page>(PAGE, { first: 100 })).data!.predictionRuns.edges.map((edge) => edge.node.id);
      expect(listed).not.toContain(victim.id);
      const again = await server.graphql('mutation($id: ID!) { deletePredictionRun(runId: $id) { id } }', { id: victim.id });
      expect(again.errors?.[0]).toMatchObject({ extensions: { code: 'NOT_FOUND' } });
    });
  });

  describe('model comparison on the same events', () => {
    /** A small untrained gamma/proton CNN, uploaded beside the demo model: its id. */
    async function uploadRandomModel(): Promise<string> {
      const file = path.join(server.dir, 'untrained.h5');
      await writeUntrainedModel(file);
      const body = new FormData();
      body.set('operations', JSON.stringify({ query: 'mutation($file: File!, $c: [String!]) { uploadModel(file: $file, classNames: $c, activate: false) { id } }', variables: { file: null, c: ['proton', 'gamma'] } }));
      body.set('map', JSON.stringify({ 0: ['variables.file'] }));
      body.set('0', new File([readFileSync(file)], 'untrained.h5'));
      const response = await server.app.yoga.fetch(`${server.url}/graphql`, { method: 'POST', body });
      const result = (await response.json()) as { data?: { uploadModel: { id: string } }; errors?: unknown[] };
      expect(result.errors).toBeUndefined();
      return result.data!.uploadModel.id;
    }

    const COMPARE = /* GraphQL */ `
      query($runIds: [ID!]!) {
        runComparison(runIds: $runIds, resamples: 150, confidenceLevel: 0.9) {
          runs { id model { name } }
          bins { bin { index } energyTeV gammaEvents hadronEvents aucs { run { id } auc } differences { run { id } difference lower upper level resamples seed } }
        }
      }
    `;
    type Comparison = {
      runComparison: {
        runs: Array<{ id: string; model: { name: string } }>;
        bins: Array<{ bin: { index: number }; gammaEvents: number; aucs: Array<{ auc: number }>; differences: Array<{ run: { id: string }; difference: number; lower: number; upper: number; seed: number }> }>;
      };
    };

    it("overlays a second model's AUC on the same events, with a paired bootstrap interval of the difference equal to NumPy / scikit-learn", async () => {
      const modelId = await uploadRandomModel();
      const other = await finished(await predict({ energyBins: ALL_BINS, eventsPerClass: 40, seed: 11, modelId }));
      expect(other.status).toBe('COMPLETED');
      const result = await server.graphql<Comparison>(COMPARE, { runIds: [run.id, other.id] });
      expect(result.errors).toBeUndefined();
      const comparison = result.data!.runComparison;
      expect(comparison.runs.map((r) => r.id)).toEqual([run.id, other.id]);
      expect(comparison.bins.map((item) => item.bin.index)).toEqual(ALL_BINS);
      comparison.bins.forEach((item, k) => {
        expect(item.gammaEvents).toBe(40);
        expect(item.aucs[0].auc).toBeCloseTo(run.energyMetrics[k].auc!, 12);
        expect(item.differences).toHaveLength(1);
        const [difference] = item.differences;
        expect(difference.difference).toBeCloseTo(item.aucs[1].auc - item.aucs[0].auc, 12);
        expect(difference.lower).toBeLessThanOrEqual(difference.upper);
      });
      // An untrained network against the demo model: clearly worse where the demo model separates best.
      expect(comparison.bins[6].differences[0].upper).toBeLessThan(0);

      if (!needsPython(['numpy', 'sklearn'], ['python3-numpy', 'python3-sklearn'], 'the NumPy / scikit-learn check of the paired bootstrap')) return;
      const gammanessById = async (id: string) => {
        const rows = (await server.graphql<{ predictionRun: { predictions: Array<{ eventId: string; label: string; trueEnergyTeV: number; gammaness: number }> } }>('query($id: ID!) { predictionRun(id: $id) { predictions { eventId label trueEnergyTeV gammaness } } }', { id })).data!.predictionRun.predictions;
        return rows.sort((a, b) => Number(a.eventId) - Number(b.eventId));
      };
      const [first, second] = [await gammanessById(run.id), await gammanessById(other.id)];
      const side = (rows: typeof first, bin: { minTeV: number; maxTeV: number }, gamma: boolean) => rows.filter((r) => r.trueEnergyTeV >= bin.minTeV && r.trueEnergyTeV < bin.maxTeV && (r.label === 'gamma') === gamma).map((r) => r.gammaness);
      const reference = energyMetricsReference<{ paired: Array<{ difference: number; lower: number; upper: number }> }>({
        paired: run.bins.map((bin) => ({
          first: { positive: side(first, bin, true), negative: side(first, bin, false) },
          second: { positive: side(second, bin, true), negative: side(second, bin, false) },
          resamples: 150,
          level: 0.9,
          seed: hashSeed(run.seed, bin.index),
        })),
      });
      comparison.bins.forEach((item, k) => {
        expect(item.differences[0].difference).toBeCloseTo(reference.paired[k].difference, 12);
        expect(item.differences[0].lower).toBeCloseTo(reference.paired[k].lower, 12);
        expect(item.differences[0].upper).toBeCloseTo(reference.paired[k].upper, 12);
      });
    });

    it('refuses runs that did not draw the same events, naming the run', async () => {
      const elsewhere = await finished(await predict({ energyBins: ALL_BINS, eventsPerClass: 40, seed: 12 }));
      const result = await server.graphql(COMPARE, { runIds: [run.id, elsewhere.id] });
      expect(result.errors?.[0]).toMatchObject({ message: `run "${elsewhere.id}" did not draw the same events as run "${run.id}": start the runs with the same dataset, energy bins, eventsPerClass and seed`, extensions: { code: 'BAD_USER_INPUT', field: 'runIds' } });
      expect((await server.graphql(COMPARE, { runIds: [run.id] })).errors?.[0]).toMatchObject({ message: 'compare at least two runs, got 1', extensions: { code: 'BAD_USER_INPUT' } });
    });
  });

  describe('calibration of a binary run', () => {
    it('gives the reliability diagram and the Brier score, equal to scikit-learn', async () => {
      const result = await server.graphql<{ predictionRun: { calibration: { count: number; brierScore: number; bins: Array<{ lower: number; upper: number; count: number; meanScore: number; fractionPositive: number }> }; predictions: Array<{ label: string; gammaness: number }> } }>(
        'query($id: ID!) { predictionRun(id: $id) { calibration(bins: 10) { count brierScore bins { lower upper count meanScore fractionPositive } } predictions { label gammaness } } }',
        { id: run.id },
      );
      expect(result.errors).toBeUndefined();
      const { calibration, predictions } = result.data!.predictionRun;
      expect(calibration.count).toBe(560);
      expect(calibration.bins.reduce((sum, bin) => sum + bin.count, 0)).toBe(560);
      for (const bin of calibration.bins) {
        expect(bin.meanScore).toBeGreaterThanOrEqual(bin.lower);
        expect(bin.meanScore).toBeLessThanOrEqual(bin.upper);
      }
      expect((await server.graphql('query($id: ID!) { predictionRun(id: $id) { calibration(bins: 1) { count } } }', { id: run.id })).errors?.[0]).toMatchObject({ message: 'bins must be between 2 and 100, got 1', extensions: { field: 'bins' } });
      if (!needsPython(['numpy', 'sklearn'], ['python3-numpy', 'python3-sklearn'], 'the scikit-learn check of the calibration')) return;
      const reference = energyMetricsReference<{ calibration: Array<{ fractionPositive: number[]; meanScore: number[]; brierScore: number }> }>({
        calibration: [{ labels: predictions.map((p) => (p.label === 'gamma' ? 1 : 0)), scores: predictions.map((p) => p.gammaness), bins: 10 }],
      });
      expect(calibration.bins.map((bin) => bin.fractionPositive)).toEqual(reference.calibration[0].fractionPositive);
      calibration.bins.forEach((bin, k) => expect(bin.meanScore).toBeCloseTo(reference.calibration[0].meanScore[k], 12));
      expect(calibration.brierScore).toBeCloseTo(reference.calibration[0].brierScore, 12);
    });
  });
});
