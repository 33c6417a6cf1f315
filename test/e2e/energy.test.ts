// The physicist's view end to end in Chromium: a run over all seven demo bins with the five plots against
// energy (values equal to the API's PredictionRun.energyMetrics) and the reliability diagram, accuracy and macro AUC
// against energy for the 4-class demo, the fixed-efficiency control redrawing
// them live, a second model run on the same events and overlaid, and a past run reopened and deleted from the
// history. Screenshots go to test-results/e2e/ (the ones in docs/ come from scripts/screenshot-energy.ts).
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildClient, launchChromium, PROJECT_ROOT, startAstriServer, uploadUntrainedModel, type AstriServer } from './harness.ts';

const ARTIFACTS = path.join(PROJECT_ROOT, 'test-results', 'e2e');
const EVENTS_PER_CLASS = 100;
const PLOTS = ['auc-energy', 'hadron-efficiency-energy', 'gamma-efficiency-energy', 'cut-energy', 'q-energy'];

let server: AstriServer;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  await mkdir(ARTIFACTS, { recursive: true });
  await buildClient();
  server = await startAstriServer({ eventsPerBin: 120 });
  await uploadUntrainedModel(server, path.join(ARTIFACTS, 'untrained.h5'));
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
  page.on('dialog', (dialog) => void dialog.accept());
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** The plotted values of one energy plot, series by series, bin by bin. */
function plotted(plot: string, series = 'main'): Promise<number[]> {
  return page
    .locator(`astri-energy-plot.${plot} g.energy-series[data-key="${series}"] g.energy-point`)
    .evaluateAll((points) => points.map((point) => Number(point.getAttribute('data-value'))));
}

async function apiFigures(runId: string, gammaEfficiency: number) {
  const { predictionRun } = await server.graphql<{ predictionRun: { energyMetrics: Array<{ auc: number; atGammaEfficiency: { cut: number; hadronEfficiency: number } }> } }>(
    'query($id: ID!, $g: Float) { predictionRun(id: $id) { energyMetrics(gammaEfficiency: $g) { auc atGammaEfficiency { cut hadronEfficiency } } } }',
    { id: runId, g: gammaEfficiency },
  );
  return predictionRun.energyMetrics;
}

describe('the plots against energy', () => {
  let runId: string;

  it('runs all seven bins in one run and draws the five plots against energy, equal to the API', async () => {
    await page.goto(`${server.url}/?samples=0`);
    await page.locator('astri-controls input[name="energy-bin"][value="all"]').check();
    const events = page.locator('astri-controls #events');
    await events.fill(String(EVENTS_PER_CLASS));
    await events.press('Tab');
    await page.getByRole('button', { name: 'Predict!' }).click();
    await page.locator('astri-progress .status', { hasText: 'completed' }).waitFor({ timeout: 240_000 });
    runId = new URL(page.url()).searchParams.get('run')!;
    expect(runId).toBeTruthy();
    expect(new URL(page.url()).searchParams.get('bins')).toBe('all');

    for (const plot of PLOTS) await expect.poll(() => plotted(plot).then((values) => values.length), { timeout: 20_000 }).toBe(7);
    const api = await apiFigures(runId, 0.7);
    expect(await plotted('auc-energy')).toEqual(api.map((bin) => bin.auc));
    expect(await plotted('cut-energy')).toEqual(api.map((bin) => bin.atGammaEfficiency.cut));
    expect(await plotted('hadron-efficiency-energy')).toEqual(api.map((bin) => bin.atGammaEfficiency.hadronEfficiency));
    // The bootstrap error bars are drawn once the run is complete.
    await expect.poll(() => page.locator('astri-energy-plot.auc-energy line.error-bar:not([display])').count(), { timeout: 20_000 }).toBe(7);
    // The reliability diagram of the binary run, with the API's Brier score.
    const { predictionRun } = await server.graphql<{ predictionRun: { calibration: { brierScore: number; bins: unknown[] } } }>('query($id: ID!) { predictionRun(id: $id) { calibration { brierScore bins { count } } } }', { id: runId });
    await expect.poll(() => page.locator('astri-reliability-plot circle.reliability-bin').count()).toBe(predictionRun.calibration.bins.length);
    expect(await page.locator('astri-reliability-plot text.legend-label').first().textContent()).toBe(`Gammaness, Brier = ${predictionRun.calibration.brierScore.toFixed(4)}`);
    const aucs = await plotted('auc-energy');
    expect(aucs[6], 'separation improves with energy on the demo model').toBeGreaterThan(aucs[0]);
    await page.locator('section.energy').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(ARTIFACTS, 'energy-plots.png'), fullPage: true });
  }, 300_000);

  it('redraws the plots live when the fixed gamma efficiency moves, matching the API at the new efficiency', async () => {
    await page.locator('astri-efficiency-controls #gamma-slider').fill('0.5');
    const api = await apiFigures(runId, 0.5);
    await expect.poll(() => plotted('cut-energy'), { timeout: 5_000 }).toEqual(api.map((bin) => bin.atGammaEfficiency.cut));
    expect(await plotted('hadron-efficiency-energy')).toEqual(api.map((bin) => bin.atGammaEfficiency.hadronEfficiency));
    expect(new URL(page.url()).searchParams.get('geff')).toBe('0.5');
  }, 60_000);

  it('exports a plot against energy as SVG, PNG and CSV', async () => {
    const card = page.locator('astri-plot-card', { has: page.locator('astri-energy-plot.auc-energy') });
    const [svg] = await Promise.all([page.waitForEvent('download'), card.getByRole('button', { name: 'SVG' }).click()]);
    expect(svg.suggestedFilename()).toMatch(/^astri-allbins-run.+-auc-energy\.svg$/);
    expect(await readFile((await svg.path())!, 'utf8')).toContain('True energy (TeV, log scale)');
    const [png] = await Promise.all([page.waitForEvent('download'), card.getByRole('button', { name: 'PNG' }).click()]);
    expect((await readFile((await png.path())!)).subarray(1, 4).toString('ascii')).toBe('PNG');
    const [csv] = await Promise.all([page.waitForEvent('download'), card.getByRole('button', { name: 'CSV' }).click()]);
    const lines = (await readFile((await csv.path())!, 'utf8')).trim().split('\n');
    expect(lines[0]).toMatch(/^model,bin,min_tev,max_tev,gamma_events,hadron_events,auc,auc_lower_0.68,auc_upper_0.68,cut_at_gamma_eff_0.5,/);
    expect(lines).toHaveLength(1 + 7);
  }, 60_000);

  it('runs a second model on the same events and overlays its curves, with the paired AUC differences', async () => {
    const select = page.locator('astri-comparison #compare-model');
    const untrained = await select.locator('option').evaluateAll((options) => options.find((option) => option.textContent?.includes('untrained'))?.getAttribute('value'));
    expect(untrained).toBeTruthy();
    await select.selectOption(untrained!);
    await page.locator('astri-comparison #compare').click();
    const table = page.locator('astri-comparison table');
    await table.waitFor({ timeout: 240_000 });
    expect(await table.locator('tbody tr').count()).toBe(7);
    expect(await page.locator('astri-roc-plot path.roc-other').count()).toBe(1);
    for (const plot of PLOTS.slice(0, 2)) await expect.poll(() => plotted(plot, 'compare').then((values) => values.length)).toBe(7);
    await page.locator('astri-comparison').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(ARTIFACTS, 'energy-compare.png'), fullPage: true });
  }, 300_000);

  it('plots accuracy and macro AUC against energy for the 4-class demo, equal to the API', async () => {
    const { datasets } = await server.graphql<{ datasets: Array<{ id: string; classes: unknown[] }> }>('{ datasets { id classes { name } } }');
    const multiclass = datasets.find((d) => d.classes.length > 2)!;
    await page.goto(`${server.url}/?samples=0&dataset=${multiclass.id}`);
    await page.locator('astri-controls input[name="energy-bin"][value="all"]').check();
    const events = page.locator('astri-controls #events');
    await events.fill('20');
    await events.press('Tab');
    await page.getByRole('button', { name: 'Predict!' }).click();
    await page.locator('astri-progress .status', { hasText: 'completed' }).waitFor({ timeout: 240_000 });
    const classRunId = new URL(page.url()).searchParams.get('run');
    const { predictionRun } = await server.graphql<{ predictionRun: { energyMetrics: Array<{ accuracy: number; macroAuc: number | null; auc: number | null }> } }>(
      'query($id: ID!) { predictionRun(id: $id) { energyMetrics { accuracy macroAuc auc } } }',
      { id: classRunId },
    );
    expect(predictionRun.energyMetrics).toHaveLength(7);
    expect(predictionRun.energyMetrics.every((bin) => bin.auc === null)).toBe(true);
    await expect.poll(() => plotted('accuracy-energy'), { timeout: 20_000 }).toEqual(predictionRun.energyMetrics.map((bin) => bin.accuracy));
    expect(await plotted('macro-auc-energy')).toEqual(predictionRun.energyMetrics.map((bin) => bin.macroAuc));
    // Back to the binary run for the history checks below.
    await page.locator(`astri-history tr[data-run="${classRunId}"] button.delete`).click();
    await expect.poll(() => page.locator(`astri-history tr[data-run="${classRunId}"]`).count(), { timeout: 20_000 }).toBe(0);
  }, 300_000);

  it('reopens a past run from the history at its shareable URL, and deletes one', async () => {
    await page.goto(`${server.url}/`);
    const rows = page.locator('astri-history tbody tr');
    await expect.poll(() => rows.count(), { timeout: 20_000 }).toBe(2);
    await page.locator(`astri-history tr[data-run="${runId}"] a.open`).click();
    await page.locator('astri-progress .status', { hasText: 'completed' }).waitFor({ timeout: 20_000 });
    await expect.poll(() => new URL(page.url()).searchParams.get('run')).toBe(runId);
    await expect.poll(() => plotted('auc-energy').then((values) => values.length), { timeout: 20_000 }).toBe(7);
    expect(await page.locator(`astri-history tr[data-run="${runId}"] a.open`).getAttribute('href')).toBe(`?run=${runId}`);

    const other = await page.locator('astri-history tbody tr').evaluateAll((trs, current) => trs.map((tr) => tr.getAttribute('data-run')).find((id) => id !== current), runId);
    await page.locator(`astri-history tr[data-run="${other}"] button.delete`).click();
    await expect.poll(() => rows.count(), { timeout: 20_000 }).toBe(1);
    const { predictionRuns } = await server.graphql<{ predictionRuns: { edges: Array<{ node: { id: string } }> } }>('{ predictionRuns { edges { node { id } } } }');
    expect(predictionRuns.edges.map((edge) => edge.node.id)).toEqual([runId]);
  }, 120_000);
});
