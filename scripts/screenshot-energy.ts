// Writes docs/screenshot-energy.png (the five plots against energy of a run over all seven demo bins, 500 events
// per class and bin, with their fixed-efficiency controls), docs/screenshot-compare.png (the demo model against an
// untrained CNN on the same events: overlaid ROC curves and the paired AUC differences) and
// docs/screenshot-history.png (the run history), against a real `astri serve` on demo data.
// Usage: npm run build:client && npx tsx scripts/screenshot-energy.ts
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { launchChromium, PROJECT_ROOT, startAstriServer, uploadUntrainedModel } from '../test/e2e/harness.ts';

const DOCS = path.join(PROJECT_ROOT, 'docs');

/** An element's box in page coordinates (boundingBox is relative to the scrolled viewport; fullPage clips are not). */
async function pageBox(page: Page, selector: Locator): Promise<{ x: number; y: number; width: number; height: number }> {
  const box = await selector.boundingBox();
  if (!box) throw new Error('an element to photograph is not on the page');
  const scroll = await page.evaluate(() => ({ x: window.scrollX, y: window.scrollY }));
  return { x: box.x + scroll.x, y: box.y + scroll.y, width: box.width, height: box.height };
}

async function main(): Promise<void> {
  const server = await startAstriServer({ eventsPerBin: 500, readyTimeoutMs: 900_000 });
  const browser = await launchChromium();
  try {
    await uploadUntrainedModel(server, path.join(await mkdtemp(path.join(tmpdir(), 'astri-shot-')), 'untrained.h5'));
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 });
    await page.goto(`${server.url}/?events=500&samples=0&bins=all`);
    await page.locator('astri-controls input[name="energy-bin"][value="all"]').waitFor();
    await page.getByRole('button', { name: 'Predict!' }).click();
    await page.locator('astri-progress .status', { hasText: 'completed' }).waitFor({ timeout: 600_000 });
    await page.locator('astri-energy-plot.auc-energy line.error-bar:not([display])').first().waitFor({ state: 'attached', timeout: 60_000 });
    await page.waitForTimeout(500);
    const energy = await pageBox(page, page.locator('section.energy'));
    const plots = await pageBox(page, page.locator('div.energy-plots'));
    await page.screenshot({ path: path.join(DOCS, 'screenshot-energy.png'), fullPage: true, clip: { x: energy.x - 8, y: energy.y - 8, width: energy.width + 16, height: plots.y + plots.height - energy.y + 16 } });

    const select = page.locator('astri-comparison #compare-model');
    const untrained = await select.locator('option').evaluateAll((options) => options.find((option) => option.textContent?.includes('untrained'))?.getAttribute('value'));
    await select.selectOption(untrained!);
    await page.locator('astri-comparison #compare').click();
    await page.locator('astri-comparison table').waitFor({ timeout: 600_000 });
    await page.waitForTimeout(500);
    const roc = await pageBox(page, page.locator('astri-plot-card', { has: page.locator('astri-roc-plot') }));
    const table = await pageBox(page, page.locator('astri-comparison'));
    await page.screenshot({ path: path.join(DOCS, 'screenshot-compare.png'), fullPage: true, clip: { x: roc.x - 8, y: roc.y - 8, width: Math.max(roc.width * 2 + 28, table.width + 16), height: table.y + table.height - roc.y + 24 } });

    const history = await pageBox(page, page.locator('astri-history'));
    await page.screenshot({ path: path.join(DOCS, 'screenshot-history.png'), fullPage: true, clip: { x: history.x - 12, y: history.y - 12, width: history.width + 24, height: history.height + 24 } });
    process.stdout.write('wrote docs/screenshot-energy.png, docs/screenshot-compare.png, docs/screenshot-history.png\n');
  } finally {
    await browser.close();
    await server.stop();
  }
}

main().catch((error: Error) => {
  process.stderr.write(`screenshot-energy: ${error.name}: ${error.message}\n`);
  process.exitCode = 1;
});
