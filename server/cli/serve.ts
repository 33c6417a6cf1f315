// `astri serve`: the API, the dashboard and inference on one port.
import { type Command, InvalidArgumentError } from 'commander';
import { configFrom } from './global-options.ts';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('start the GraphQL API and the dashboard (generates the demo data on first start)')
    .option('-p, --port <port>', 'port to listen on (0 = any free port)', parseInteger)
    .option('-H, --host <host>', 'address to listen on')
    .action(async (options: { port?: number; host?: string }) => {
      const server = { ...(options.port !== undefined ? { port: options.port } : {}), ...(options.host ? { host: options.host } : {}) };
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
        process.stdout.write(`ready: model loaded on ${(await running.app.services.models.backend())?.device ?? 'unknown device'}\n`);
      } catch (error) {
        process.stderr.write(`astri: not ready: ${(error as Error).message}\n`);
      }
    });
}

function parseInteger(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0 || number > 65535) throw new InvalidArgumentError(`--port must be an integer from 0 to 65535, got "${value}"`);
  return number;
}
