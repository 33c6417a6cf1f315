// `astri serve`: the API, the dashboard and inference on one port; `--role api`: the API and the dashboard,
// inference left to `astri worker` processes through the queue.
import { type Command, InvalidArgumentError } from 'commander';
import { configFrom } from './global-options.ts';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('start the GraphQL API and the dashboard (generates the demo data on first start)')
    .option('-p, --port <port>', 'port to listen on (0 = any free port)', parseInteger)
    .option('-H, --host <host>', 'address to listen on')
    .option('--role <role>', 'all: API, dashboard and inference (default); api: no model loaded, batches go to the queue (needs queue.url)', parseRole)
    .action(async (options: { port?: number; host?: string; role?: 'all' | 'api' }) => {
      const server = { ...(options.port !== undefined ? { port: options.port } : {}), ...(options.host ? { host: options.host } : {}), ...(options.role ? { role: options.role } : {}) };
      const config = configFrom(program, Object.keys(server).length ? { server } : undefined);
      const { startServer } = await import('../serve.ts');
      const running = await startServer(config, { onProgress: (line) => process.stderr.write(`astri: ${line}\n`) });
      process.stdout.write(`listening on ${running.url} (dashboard ${running.url}/, GraphiQL ${running.url}/graphql)\n`);
      const shutdown = async (signal: string) => {
        process.stderr.write(`astri: ${signal}: stopping\n`);
        await running.stop();
        process.exit(0);
      };
      process.once('SIGINT', () => void shutdown('SIGINT'));
      process.once('SIGTERM', () => void shutdown('SIGTERM'));
      try {
        await running.ready;
        const backend = await running.app.services.models.backend();
        process.stdout.write(backend ? `ready: model loaded on ${backend.device}\n` : 'ready: API replica; batches go to the queue\'s workers\n');
      } catch (error) {
        process.stderr.write(`astri: not ready: ${(error as Error).message}\n`);
      }
    });
}

function parseRole(value: string): 'all' | 'api' {
  if (value !== 'all' && value !== 'api') throw new InvalidArgumentError(`--role must be all or api, got "${value}"`);
  return value;
}

function parseInteger(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0 || number > 65535) throw new InvalidArgumentError(`--port must be an integer from 0 to 65535, got "${value}"`);
  return number;
}
