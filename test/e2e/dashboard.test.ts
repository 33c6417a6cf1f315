// The dashboard end to end: a real `astri serve` on generated demo data, the built page in Debian's
// Chromium. A run of 200 events per class with 4 samples: progress, four plots with data, 8 sample
// images, the page's AUC equal to the API's, the threshold redrawing the confusion matrix; plus an
// oversized run refused next to its control. Screenshots go to test-results/e2e/.
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildClient, launchChromium, PROJECT_ROOT, startAstriServer, type AstriServer } from './harness.ts';

const ARTIFACTS = path.join(PROJECT_ROOT, 'test-results', 'e2e');
const EVENTS_PER_CLASS = 200;
const SAMPLES = 4;

interface Bin {
  index: number;
  label: string;
  gammaCount: number;
  protonCount: number;
}

interface Confusion {
  truePositive: number;
  falsePositive: number;
  trueNegative: number;
  falseNegative: number;
}

let server: AstriServer;
let browser: Browser;
let page: Page;
let bin: Bin;

beforeAll(async () => {
  await mkdir(ARTIFACTS, { recursive: true });
  await buildClient();
  server = await startAstriServer({ eventsPerBin: 250 });
  const { energyBins } = await server.graphql<{ energyBins: Bin[] }>('{ energyBins { index label gammaCount protonCount } }');
  const usable = energyBins.find((b) => Math.min(b.gammaCount, b.protonCount) >= EVENTS_PER_CLASS);
  if (!usable) throw new Error(`no energy bin holds ${EVENTS_PER_CLASS} events per class: ${JSON.stringify(energyBins)}`);
  bin = usable;
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

async function confusion(): Promise<Confusion> {
  const counts = await page
    .locator('astri-confusion-plot g.cell')
    .evaluateAll((cells) => Object.fromEntries(cells.map((cell) => [cell.getAttribute('data-key'), Number(cell.getAttribute('data-count'))])));
  return counts as unknown as Confusion;
}

async function setNumber(selector: string, value: number): Promise<void> {
  const field = page.locator(selector);
  await field.fill(String(value));
  await field.press('Tab'); // commits the value (a change event), as a user leaving the field does
}

describe('the dashboard against a running server', () => {
  it('refuses a run larger than the bin and says so next to the events-per-class control', async () => {
    await page.goto(`${server.url}/`);
    await page.locator(`astri-controls input[name="energy-bin"][value="${bin.index}"]`).check();
    await setNumber('astri-controls #events', 2000);
    await page.getByRole('button', { name: 'Predict!' }).click();
    const error = page.locator('astri-controls #events-error');
    await error.waitFor({ state: 'visible', timeout: 20_000 });
    expect(await error.textContent()).toMatch(/\S/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'refused-run.png') });
  }, 240_000);

  it('runs 200 events per class with 4 samples and shows live plots, samples and the API’s AUC', async () => {
    await page.goto(`${server.url}/`);
    await page.locator(`astri-controls input[name="energy-bin"][value="${bin.index}"]`).check();
    await setNumber('astri-controls #events', EVENTS_PER_CLASS);
    await setNumber('astri-controls #samples', SAMPLES);
    await page.getByRole('button', { name: 'Predict!' }).click();

    await page.locator('astri-progress [role="progressbar"]').first().waitFor({ timeout: 20_000 });
    await page.screenshot({ path: path.join(ARTIFACTS, 'progress.png') });
    await page.locator('astri-progress .status', { hasText: 'completed' }).waitFor({ timeout: 180_000 });
    expect(await page.locator('astri-progress [role="progressbar"]').evaluateAll((bars) => bars.map((bar) => bar.getAttribute('aria-valuenow')))).toEqual([
      String(EVENTS_PER_CLASS),
      String(EVENTS_PER_CLASS),
    ]);

    // The four plots hold data.
    expect(await page.locator('astri-separation-plot g.class-series').count()).toBe(2);
    const matrix = await confusion();
    expect(matrix.truePositive + matrix.falseNegative).toBe(EVENTS_PER_CLASS);
    expect(matrix.falsePositive + matrix.trueNegative).toBe(EVENTS_PER_CLASS);
    expect(Number(await page.locator('astri-roc-plot path.roc-line').getAttribute('data-points'))).toBeGreaterThan(2);
    expect(Number(await page.locator('astri-pr-plot path.pr-line').getAttribute('data-points'))).toBeGreaterThan(2);

    // 4 sample images per class, decoded and drawn.
    for (const particle of ['gamma', 'proton']) {
      const loaded = page.locator(`astri-samples .grid[data-class="${particle}"] astri-sample-image[data-state="loaded"]`);
      await expect.poll(() => loaded.count(), { timeout: 30_000 }).toBe(SAMPLES);
    }

    // The AUC on the page is the API's for this run.
    const runId = new URL(page.url()).searchParams.get('run');
    expect(runId).toBeTruthy();
    const { predictionRun } = await server.graphql<{ predictionRun: { metrics: { roc: { auc: number } } } }>(
      'query ($id: ID!) { predictionRun(id: $id) { metrics { roc { auc } } } }',
      { id: runId },
    );
    const apiAuc = predictionRun.metrics.roc.auc;
    const auc = page.locator('astri-metrics-summary #auc');
    expect(Number(await auc.getAttribute('data-value'))).toBe(apiAuc);
    expect(await auc.textContent()).toContain(apiAuc.toFixed(4));
    expect(await page.locator('astri-roc-plot text.legend-label').first().textContent()).toBe(`ROC, AUC = ${apiAuc.toFixed(4)}`);
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-1440.png'), fullPage: true });

    // The view's settings are in the URL.
    const params = new URL(page.url()).searchParams;
    expect([params.get('bin'), params.get('events'), params.get('samples')]).toEqual([String(bin.index), String(EVENTS_PER_CLASS), String(SAMPLES)]);
  }, 240_000);

  it('redraws the confusion matrix when the threshold moves, matching the API at each cut', async () => {
    const runId = new URL(page.url()).searchParams.get('run');
    const atCut = async (threshold: number) =>
      (
        await server.graphql<{ predictionRun: { metrics: { confusionMatrix: Confusion } } }>(
          'query ($id: ID!, $t: Float) { predictionRun(id: $id) { metrics(threshold: $t) { confusionMatrix { truePositive falsePositive trueNegative falseNegative } } } }',
          { id: runId, t: threshold },
        )
      ).predictionRun.metrics.confusionMatrix;
    const [api09, api02] = [await atCut(0.9), await atCut(0.2)];
    expect(api02, 'the demo model scores some events between 0.2 and 0.9').not.toEqual(api09);
    expect(await confusion()).toEqual(api09);
    await page.locator('astri-threshold input[type="range"]').fill('0.2');
    await expect.poll(confusion, { timeout: 5_000 }).toEqual(api02);
    expect(new URL(page.url()).searchParams.get('threshold')).toBe('0.2');
    await page.screenshot({ path: path.join(ARTIFACTS, 'threshold-0.2.png'), fullPage: true });
  }, 240_000);

  it('exports each plot as SVG and PNG and the predictions as CSV', async () => {
    const roc = page.locator('astri-plot-card', { has: page.locator('astri-roc-plot') });
    const [svg] = await Promise.all([page.waitForEvent('download'), roc.getByRole('button', { name: 'SVG' }).click()]);
    expect(svg.suggestedFilename()).toMatch(/^astri-bin\d+-run.+-roc\.svg$/);
    const svgText = await readFile((await svg.path())!, 'utf8');
    expect(svgText).toContain('<svg');
    expect(svgText).toContain('AUC = ');

    const [png] = await Promise.all([page.waitForEvent('download'), roc.getByRole('button', { name: 'PNG' }).click()]);
    const pngBytes = await readFile((await png.path())!);
    expect(pngBytes.subarray(1, 4).toString('ascii')).toBe('PNG');

    const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Predictions CSV' }).click()]);
    const lines = (await readFile((await csv.path())!, 'utf8')).trim().split('\n');
    // One score column per class, in the run's class order.
    expect(lines[0]).toMatch(/^event_id,label,energy_tev,gammaness,score_(gamma|proton),score_(gamma|proton),predicted,error$/);
    expect(lines[0]).toContain('score_gamma');
    expect(lines[0]).toContain('score_proton');
    expect(lines).toHaveLength(1 + 2 * EVENTS_PER_CLASS);
  }, 240_000);

  it('shows the same run from a shared link', async () => {
    const shared = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    try {
      await shared.goto(page.url());
      await shared.locator('astri-progress .status', { hasText: 'completed' }).waitFor({ timeout: 20_000 });
      await expect.poll(() => shared.locator('astri-metrics-summary #auc').getAttribute('data-value')).toBe(
        await page.locator('astri-metrics-summary #auc').getAttribute('data-value'),
      );
      expect(await shared.locator('astri-threshold input[type="number"]').inputValue()).toBe('0.20');
    } finally {
      await shared.close();
    }
  }, 240_000);

  it('fits laptop and large-screen widths without horizontal scrolling', async () => {
    for (const [width, height] of [
      [1280, 800],
      [2560, 1440],
    ]) {
      await page.setViewportSize({ width, height });
      await page.waitForTimeout(300); // the plots re-measure their width
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, `horizontal overflow at ${width}px`).toBeLessThanOrEqual(0);
      await page.screenshot({ path: path.join(ARTIFACTS, `dashboard-${width}.png`), fullPage: true });
    }
  }, 240_000);

  it('uploads a model with a labels.txt through a multipart request, and shows a refused file’s reason', async () => {
    await page.goto(`${server.url}/`);
    const panel = page.locator('astri-upload-panel[kind="model"]');
    await panel.locator('summary').click();
    await panel.locator('#model-file').setInputFiles({ name: 'broken.h5', mimeType: 'application/octet-stream', buffer: Buffer.from('not an HDF5 file') });
    await panel.getByRole('button', { name: 'Upload' }).click();
    const error = panel.locator('#model-error');
    await error.waitFor({ state: 'visible', timeout: 30_000 });
    expect(await error.textContent()).toMatch(/\S/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'model-upload-refused.png') });

    await panel.locator('#model-file').setInputFiles(path.join(PROJECT_ROOT, 'data', 'models', 'astri-demo-cnn.h5'));
    await panel.locator('#model-labels').setInputFiles({ name: 'labels.txt', mimeType: 'text/plain', buffer: Buffer.from('proton\ngamma\n') });
    await panel.getByRole('button', { name: 'Upload' }).click();
    await panel.locator('.result').waitFor({ timeout: 60_000 });
    expect(await panel.locator('.result').textContent()).toContain('registered');
    expect(await panel.locator('[data-progress="transfer"]').getAttribute('aria-valuenow')).toBe('100');
    expect(await page.locator('astri-controls #model option').count()).toBeGreaterThan(0);
  }, 240_000);

  it('runs the built-in 4-class demo dataset over an energy bin and shows the N-class view', async () => {
    const { datasets } = await server.graphql<{ datasets: { id: string; classes: { name: string }[]; hasEnergies: boolean }[] }>(
      '{ datasets { id classes { name } hasEnergies } }',
    );
    const multiclass = datasets.find((d) => d.classes.length > 2);
    if (!multiclass) throw new Error(`no N-class dataset on the demo server: ${JSON.stringify(datasets)}`);
    await page.goto(`${server.url}/`);
    await page.locator('astri-controls #dataset').selectOption(multiclass.id);
    await expect.poll(() => new URL(page.url()).searchParams.get('dataset')).toBe(multiclass.id);
    // It has energies: the bin picker stays, with the bins of this dataset and the choice of all of them in one run.
    expect(await page.locator('astri-controls input[name="energy-bin"]:not([value="all"])').count()).toBe(multiclass.hasEnergies ? 7 : 0);
    expect(await page.locator('astri-controls input[name="energy-bin"][value="all"]').count()).toBe(multiclass.hasEnergies ? 1 : 0);
    await setNumber('astri-controls #events', 20);
    await setNumber('astri-controls #samples', 1);
    await page.getByRole('button', { name: 'Predict!' }).click();
    await page.locator('astri-progress .status', { hasText: 'completed' }).waitFor({ timeout: 180_000 });
    const n = multiclass.classes.length;
    expect(await page.locator('astri-progress [role="progressbar"]').count()).toBe(n);
    expect(await page.locator('astri-multiclass-confusion-plot g.cell').count()).toBe(n * n);
    const rowTotals = await page
      .locator('astri-multiclass-confusion-plot g.cell')
      .evaluateAll((cells) => cells.reduce((sum, cell) => sum + Number(cell.getAttribute('data-count')), 0));
    expect(rowTotals).toBe(20 * n);
    await expect.poll(() => page.locator('astri-classification-report #accuracy').textContent()).toContain('from the API');
    const runId = new URL(page.url()).searchParams.get('run');
    const { predictionRun } = await server.graphql<{ predictionRun: { classification: { accuracy: number } } }>(
      'query ($id: ID!) { predictionRun(id: $id) { classification { accuracy } } }',
      { id: runId },
    );
    expect(Number(await page.locator('astri-classification-report #accuracy').getAttribute('data-value'))).toBe(predictionRun.classification.accuracy);
    await page.screenshot({ path: path.join(ARTIFACTS, 'multiclass-demo.png'), fullPage: true });
  }, 240_000);

  it('can be operated with the keyboard', async () => {
    await page.goto(`${server.url}/?bin=0`);
    const first = page.locator('astri-controls input[name="energy-bin"][value="0"]');
    await first.focus();
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => new URL(page.url()).searchParams.get('bin')).toBe('1');
    await page.locator('astri-controls #samples').focus();
    await page.keyboard.press('Tab');
    // Tab order: samples field, then the model picker, then Predict!
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => {
      let element: Element | null = document.activeElement;
      while (element?.shadowRoot?.activeElement) element = element.shadowRoot.activeElement;
      return element?.textContent?.trim();
    })).toBe('Predict!');
  }, 240_000);
});
