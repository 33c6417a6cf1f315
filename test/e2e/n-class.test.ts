// The N-class dashboard end to end: in Chromium, against a real `astri serve`, the page uploads a real
// 10-class Keras file (class names typed in) and a zip of class folders (byte progress, then the ingest),
// picks them, runs, and shows the 10 x 10 heat map, one-vs-rest curves, the per-class samples and the
// classification report, whose accuracy is scikit-learn's on the committed reference
// (test/fixtures/uploads/n-class-upload.json, from scripts/n-class-reference.py).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { N_CLASS_REFERENCE, nClassModelFile, zipOfClassFolders } from '../helpers/n-class-reference.ts';
import { needsShared } from '../helpers/shared.ts';
import { buildClient, launchChromium, PROJECT_ROOT, startAstriServer, type AstriServer } from './harness.ts';

const ARTIFACTS = path.join(PROJECT_ROOT, 'test-results', 'e2e');
const REAL = needsShared('the N-class dashboard test on a real 10-class Keras file');

const reference = N_CLASS_REFERENCE;

describe.skipIf(!REAL)('the dashboard with an uploaded 10-class model and dataset', () => {
  let server: AstriServer;
  let browser: Browser;
  let page: Page;
  let dir: string;

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    dir = await mkdtemp(path.join(tmpdir(), 'astri-e2e-n-class-'));
    await writeFile(path.join(dir, 'digits.zip'), await zipOfClassFolders());
    await buildClient();
    server = await startAstriServer({ eventsPerBin: 40 });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('uploads the model and the dataset, runs, and shows the N-class view with scikit-learn’s accuracy', async () => {
    await page.goto(`${server.url}/`);
    await page.getByRole('button', { name: 'Predict!' }).waitFor();

    const model = page.locator('astri-upload-panel[kind="model"]');
    await model.locator('summary').click();
    await model.locator('#model-file').setInputFiles(nClassModelFile());
    await model.locator('#model-class-names').fill(reference.classes.join(', '));
    await model.getByRole('button', { name: 'Upload' }).click();
    await model.locator('.result').waitFor({ timeout: 60_000 });
    expect(await model.locator('.result').textContent()).toContain(`classes: ${reference.classes.join(', ')}`);

    const dataset = page.locator('astri-upload-panel[kind="dataset"]');
    await dataset.locator('summary').click();
    await dataset.locator('#dataset-file').setInputFiles(path.join(dir, 'digits.zip'));
    await dataset.locator('#dataset-name').fill('digits');
    await dataset.getByRole('button', { name: 'Upload' }).click();
    await dataset.locator('.result').waitFor({ timeout: 120_000 });
    expect(await dataset.locator('[data-progress="transfer"]').getAttribute('aria-valuenow')).toBe('100');
    expect(await dataset.locator('.result').textContent()).toContain(`${reference.classes.length} classes`);
    await page.screenshot({ path: path.join(ARTIFACTS, 'n-class-uploaded.png'), fullPage: true });

    // The new dataset and the model that predicts its classes are chosen; no energies, so no bin picker.
    await expect.poll(() => page.locator('astri-controls #dataset').evaluate((s: HTMLSelectElement) => s.selectedOptions[0]?.textContent?.trim())).toBe('digits');
    expect(await page.locator('astri-controls input[name="energy-bin"]').count()).toBe(0);
    const perClass = Math.min(...reference.sklearn.support);
    await page.locator('astri-controls #events').fill(String(perClass));
    await page.locator('astri-controls #events').press('Tab');
    await page.locator('astri-controls #samples').fill('1');
    await page.locator('astri-controls #samples').press('Tab');
    await page.getByRole('button', { name: 'Predict!' }).click();
    await page.locator('astri-progress .status', { hasText: 'completed' }).waitFor({ timeout: 180_000 });

    expect(await page.locator('astri-progress [role="progressbar"]').count()).toBe(reference.classes.length);
    expect(await page.locator('astri-multiclass-confusion-plot g.cell').count()).toBe(reference.classes.length ** 2);
    expect(await page.locator('astri-class-curves-plot.roc path.class-curve').count()).toBe(reference.classes.length);
    const accuracy = page.locator('astri-classification-report #accuracy');
    await expect.poll(() => accuracy.textContent()).toContain('from the API');
    expect(Number(await accuracy.getAttribute('data-value'))).toBeCloseTo(reference.sklearn.accuracy, 12);
    expect(await page.locator('astri-classification-report tbody tr[data-class]').count()).toBe(reference.classes.length);
    const loaded = page.locator('astri-samples astri-sample-image[data-state="loaded"]');
    await expect.poll(() => loaded.count(), { timeout: 30_000 }).toBe(reference.classes.length);
    expect(await page.locator('astri-samples astri-sample-image').first().locator('ol.top li').count()).toBe(3);
    await page.screenshot({ path: path.join(ARTIFACTS, 'n-class-dashboard.png'), fullPage: true });
  }, 300_000);
});
