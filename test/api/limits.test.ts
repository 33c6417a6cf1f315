// Backpressure: per-role limits (concurrent runs, events per hour) and the service-wide bound on runs in flight,
// each refusal with its code and when to retry.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

interface Body {
  data?: { predict?: { id: string } | null } | null;
  errors?: Array<{ message: string; extensions?: { code?: string; retryAfterSeconds?: number; field?: string } }>;
}

describe('run limits', () => {
  let server: TestServer;
  let runner: string;
  let admin: string;

  const predict = async (token: string, eventsPerClass: number): Promise<Body> => {
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: 'mutation($n: Int!) { predict(input: { eventsPerClass: $n, seed: 1 }) { id } }', variables: { n: eventsPerClass } }),
    });
    return (await response.json()) as Body;
  };
  const cancel = (token: string, id: string) =>
    fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: 'mutation($id: ID!) { cancelPrediction(runId: $id) { status } }', variables: { id } }),
    });
  const token = async (role: string, name: string) =>
    (JSON.parse((await runCli(['token', 'create', '--role', role, '--name', name, '--json'], { env: { ASTRI_DATA__DATABASE: server.config.data.database } })).stdout) as { secret: string }).secret;

  beforeAll(async () => {
    // Batches of one image: a run of a few hundred events is still running when the next request comes.
    server = await startTestServer({
      inference: { batchSize: 1 },
      prediction: { maxActiveRuns: 2 },
      auth: { limits: { runner: { concurrentRuns: 1, eventsPerHour: 600 } } },
    });
    runner = await token('runner', 'rob');
    admin = await token('admin', 'ada');
  }, 300_000);
  afterAll(() => server?.stop());

  it('refuses a second concurrent run of a runner with RATE_LIMITED and when to retry', async () => {
    const first = await predict(runner, 200);
    expect(first.errors).toBeUndefined();
    const second = await predict(runner, 10);
    expect(second.errors![0].extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: expect.any(Number) });
    expect(second.errors![0].message).toMatch(/you have 1 runs in progress, the limit of your role is 1 concurrent runs: retry when one finishes/);
    await cancel(runner, first.data!.predict!.id);
    const third = await predict(runner, 10);
    expect(third.errors).toBeUndefined();
    await cancel(runner, third.data!.predict!.id);
  });

  it('refuses a run past the events per hour of the role with RATE_LIMITED and the seconds until it fits', async () => {
    // 400 + 20 events so far this hour (the refused run does not count); 200 more would make 620 > 600.
    const over = await predict(runner, 100);
    expect(over.errors![0].extensions!.code).toBe('RATE_LIMITED');
    expect(over.errors![0].message).toMatch(/^420 events started in the past hour plus 200 would exceed the limit of your role, 600 events per hour: retry in \d+ s/);
    const seconds = over.errors![0].extensions!.retryAfterSeconds!;
    expect(seconds).toBeGreaterThan(3000);
    expect(seconds).toBeLessThanOrEqual(3600);
  });

  it('refuses a run larger than the hourly limit by itself as bad input, naming the field', async () => {
    const huge = await predict(runner, 400);
    expect(huge.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'eventsPerClass' });
    expect(huge.errors![0].message).toBe('a run of 800 events exceeds the limit of your role, 600 events per hour: ask for fewer events per class');
  });

  it('answers SERVER_BUSY at once when the bounded queue of runs is full, and accepts again once there is room', async () => {
    const a = await predict(admin, 400);
    const b = await predict(admin, 400);
    expect([a.errors, b.errors]).toEqual([undefined, undefined]);
    const busy = await predict(admin, 10);
    expect(busy.errors![0].extensions).toMatchObject({ code: 'SERVER_BUSY', retryAfterSeconds: expect.any(Number) });
    expect(busy.errors![0].message).toMatch(/the server is running 2 runs, its limit \(prediction\.maxActiveRuns\): retry in \d+ s/);
    await cancel(admin, a.data!.predict!.id);
    const again = await predict(admin, 10);
    expect(again.errors).toBeUndefined();
    await cancel(admin, b.data!.predict!.id);
  });

  it('leaves admins unlimited by default', async () => {
    expect(server.config.auth.limits.admin).toEqual({ concurrentRuns: 0, eventsPerHour: 0 });
  });
});
