// `astri worker`: an inference worker of the queue (queue.url), with optional probes and metrics on a port.
import { type Command, InvalidArgumentError } from 'commander';
import { configFrom } from './global-options.ts';

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('take inference batches from the queue (queue.url) for the API replicas; no API, no dashboard')
    .option('-p, --port <port>', 'serve /healthz, /readyz and /metrics on this port (0 = any free port); none by default', parsePort)
    .option('-H, --host <host>', 'address of the probes and metrics (default server.host)')
    .action(async (options: { port?: number; host?: string }) => {
      const config = configFrom(program);
      const { startWorker } = await import('../worker.ts');
      const running = await startWorker(config, { ...options, onProgress: (line) => process.stderr.write(`astri: ${line}\n`) });
      process.stdout.write(`worker ${running.worker.id} taking batches${running.url ? ` (probes and metrics on ${running.url})` : ''}\n`);
      const shutdown = async (signal: string) => {
        process.stderr.write(`astri: ${signal}: finishing the batches held, then stopping\n`);
        await running.stop();
        process.exit(0);
      };
      process.once('SIGINT', () => void shutdown('SIGINT'));
      process.once('SIGTERM', () => void shutdown('SIGTERM'));
      await running.ready;
      process.stdout.write(`ready: worker ${running.worker.id}\n`);
    });
}

function parsePort(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0 || number > 65535) throw new InvalidArgumentError(`--port must be an integer from 0 to 65535, got "${value}"`);
  return number;
}
