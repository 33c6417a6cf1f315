// Writes docs/screenshot.png for the README: the dashboard after a run of 500 events per class with
// 5 samples, against a real `astri serve` on demo data (or, with --demo, the built page in its demo
// mode, which needs no server). Usage: npm run build:client && npx tsx scripts/screenshot.ts [--demo]
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { launchChromium, PROJECT_ROOT, serveDist, startAstriServer } from '../test/e2e/harness.ts';

const OUTPUT = path.join(PROJECT_ROOT, 'docs', 'screenshot.png');
const demo = process.argv.includes('--demo');

async function main(): Promise<void> {
  const target = demo ? await serveDist() : await startAstriServer({ eventsPerBin: 600 });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 });
    const query = demo ? '?demo=sample&samples=5' : '?events=500&samples=5';
    await page.goto(`${target.url}/${query}`);
    await page.getByRole('button', { name: 'Predict!' }).waitFor();
    await page.locator('astri-controls input[type="radio"]').first().waitFor();
    await page.getByRole('button', { name: 'Predict!' }).click();
    await page.locator('astri-progress .status', { hasText: 'completed' }).waitFor({ timeout: 180_000 });
    await page.locator('astri-sample-image[data-state="loaded"]').first().waitFor({ timeout: 30_000 });
    await page.waitForTimeout(500);
    await mkdir(path.dirname(OUTPUT), { recursive: true });
    await page.screenshot({ path: OUTPUT, fullPage: true });
    process.stdout.write(`wrote ${path.relative(PROJECT_ROOT, OUTPUT)}\n`);
  } finally {
    await browser.close();
    if ('stop' in target) await target.stop();
    else await target.close();
  }
}

main().catch((error: Error) => {
  process.stderr.write(`screenshot: ${error.name}: ${error.message}\n`);
  process.exitCode = 1;
});
