// GraphiQL must work on a network with no internet: every asset comes from this server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium, startAstriServer, type AstriServer } from './harness.ts';

describe('GraphiQL offline', () => {
  let server: AstriServer;
  let browser: Browser;
  beforeAll(async () => {
    [server, browser] = await Promise.all([startAstriServer({ eventsPerBin: 30 }), launchChromium()]);
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('renders the editor, runs a query and a subscription with every non-loopback request blocked', async () => {
    const page = await browser.newPage();
    const blocked: string[] = [];
    const failed: string[] = [];
    await page.route('**/*', (route) => {
      const { hostname } = new URL(route.request().url());
      if (hostname === '127.0.0.1' || hostname === 'localhost' || route.request().url().startsWith('data:') || route.request().url().startsWith('blob:')) return route.continue();
      blocked.push(route.request().url());
      return route.abort('internetdisconnected');
    });
    page.on('requestfailed', (request) => failed.push(`${request.url()} (${request.failure()?.errorText})`));

    // A subscription is a query that runs to its end: start a tiny run to follow.
    const { predict } = await server.graphql<{ predict: { id: string } }>('mutation { predict(input: { energyBin: 3, eventsPerClass: 10 }) { id } }');
    const query = `subscription { predictionProgress(runId: "${predict.id}") { kind status } }`;
    await page.goto(`${server.url}/graphql?query=${encodeURIComponent('{ serverInfo { backend } }')}`);
    await page.locator('.graphiql-container').first().waitFor({ timeout: 60_000 });
    await page.locator('.graphiql-execute-button').first().click();
    await expect.poll(() => page.locator('.graphiql-response').first().innerText(), { timeout: 30_000 }).toMatch(/"backend"/);

    await page.goto(`${server.url}/graphql?query=${encodeURIComponent(query)}`);
    await page.locator('.graphiql-execute-button').first().waitFor({ timeout: 60_000 });
    await page.locator('.graphiql-execute-button').first().click();
    await expect.poll(() => page.locator('.graphiql-response').first().innerText(), { timeout: 30_000 }).toMatch(/"FINISHED"/);

    expect(blocked).toEqual([]);
    expect(failed).toEqual([]);
  }, 180_000);
});
