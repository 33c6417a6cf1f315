// Starting the scaled-out roles wrong is refused at once, saying what to set and without a stack.
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { writeServerConfig } from '../helpers/server-process.ts';
import { temporaryDir } from '../helpers/temp-dir.ts';

describe('astri serve --role api and astri worker refuse to start without a usable queue', () => {
  const dir = temporaryDir('astri-roles-');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('an API replica without queue.url names the setting', async () => {
    const result = await runCli(['--config', writeServerConfig(dir), 'serve', '--role', 'api']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/server\.role.*set queue\.url \(env ASTRI_QUEUE__URL\)/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('a worker without queue.url names the setting', async () => {
    const result = await runCli(['--config', writeServerConfig(dir), 'worker']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/astri worker takes its batches from a queue: set queue\.url/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('a Redis that does not answer is named, without its password', async () => {
    // A port nothing listens on: taken, then freed.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    const url = `redis://:hunter2@127.0.0.1:${port}/0`;
    for (const args of [['serve', '--role', 'api'], ['worker']]) {
      const result = await runCli(['--config', writeServerConfig(dir, { queue: { url } }), ...args]);
      expect(result.code, args[0]).not.toBe(0);
      expect(result.stderr, args[0]).toContain(`the queue's Redis at redis://:***@127.0.0.1:${port}/0 does not answer`);
      expect(result.stderr, args[0]).not.toContain('hunter2');
      expect(result.stderr, args[0]).not.toMatch(/\n\s+at /);
    }
  });
});
