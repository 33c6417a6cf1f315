// Listens: HTTP for Yoga (queries, SSE subscriptions, images, health, dashboard) and graphql-ws
// WebSockets on the same port and path. Then brings the data and the model up.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { ExecutionArgs } from 'graphql';
import type { Config } from './config.ts';
import { buildApp, type App } from './app.ts';
import { ensureDemoDataset } from './data/demo/index.ts';
import { ensureMulticlassDemo } from './data/demo/multiclass-dataset.ts';
import { configuredDatabase } from './data/database-url.ts';
import { whileHoldingStartupLock } from './data/startup-lock.ts';
import type { ConversionResult } from './data/pixel-store-conversion.ts';

export interface RunningServer {
  app: App;
  url: string;
  port: number;
  /** Resolves when the data and the model are loaded and warmed up. */
  ready: Promise<void>;
  /**
   * Settles when the background conversion of registered events into the pixel store has ended (it starts once
   * the server is ready; null if it did not run: the server never got ready, or it was stopped first).
   */
  pixelStoreConversion: Promise<ConversionResult | null>;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Progress lines while getting ready (demo generation, model loading). */
  onProgress?: (line: string) => void;
}

export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  const app = await buildApp(config);
  const { yoga, telemetry } = app;
  try {
    await app.services.auth.checkBind(config.server.host);
  } catch (error) {
    await app.close();
    throw error;
  }
  const httpServer: Server = createServer(yoga);
  const wsServer = new WebSocketServer({ server: httpServer, path: yoga.graphqlEndpoint });

  // WebSocket operations go through Yoga's envelop, so error masking, limits and metrics apply to them too.
  const wsHandle = useServer(
    {
      execute: (args) => (args.rootValue as { execute: (a: ExecutionArgs) => unknown }).execute(args) as never,
      subscribe: (args) => (args.rootValue as { subscribe: (a: ExecutionArgs) => unknown }).subscribe(args) as never,
      onSubscribe: async (ctx, _id, payload) => {
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params: payload,
        });
        const args = {
          schema,
          operationName: payload.operationName,
          document: parse(payload.query),
          variableValues: payload.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe },
        };
        const errors = validate(args.schema, args.document);
        if (errors.length) return errors;
        return args as ExecutionArgs;
      },
    },
    wsServer,
  );

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.server.port, config.server.host, () => resolve());
  });
  const { port } = httpServer.address() as AddressInfo;
  const host = config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host;
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
  telemetry.logger.info({ url }, 'listening');

  const ready = (async () => {
    const say = options.onProgress ?? (() => {});
    // Replicas sharing a PostgreSQL database register the demo data and the models one after the other.
    const model = await whileHoldingStartupLock(configuredDatabase(config), async () => {
      const demo = await ensureDemoDataset(config, app.services.db, { pixelStoreDir: config.data.pixelStore, onProgress: (line) => say(`demo data: ${line}`) });
      if (demo.generated) say(`demo data: generated, because ${demo.reason}`);
      const multiclass = await ensureMulticlassDemo(config, app.services.db, (line) => say(`demo data: ${line}`), { pixelStoreDir: config.data.pixelStore });
      if (multiclass.generated) say(`demo data: 4-class demo registered, because ${multiclass.reason}`);
      say(config.server.role === 'api' ? `registering model ${config.inference.model} (the workers load it)` : `loading model ${config.inference.model}`);
      const loaded = await app.services.models.loadDefault();
      if (config.demo.multiclassEventsPerClass > 0) await app.services.models.register(config.demo.multiclassModel);
      return loaded;
    });
    await app.services.predictions.warmUp();
    app.rehearseOperations();
    const { resumed, failed } = await app.services.predictions.resumeInterruptedRuns();
    if (resumed + failed > 0) telemetry.logger.warn({ resumed, failed }, 'runs interrupted by the last stop were resumed (failed: those that could not be)');
    app.services.predictions.watchForOrphanedRuns();
    const backend = await app.services.models.backend();
    telemetry.logger.info({ model: model.name, sha256: model.sha256, backend }, config.server.role === 'api' ? 'model registered; batches go to the queue' : 'model loaded and warmed up');
    app.markReady();
  })();
  ready.catch((error: Error) => telemetry.logger.error({ err: error }, 'the server could not get ready'));

  // Datasets the CLI registered in place (or registered before the pixel store existed) are decoded once, here,
  // after readiness: requests and runs go on meanwhile, reading the PNGs not yet converted.
  const conversion = app.services.pixelStoreConversion;
  const pixelStoreConversion = ready.then(
    async () => (config.data.convertAtStart ? conversion.start((await app.services.models.list()).map((model) => model.inputShape)) : conversion.turnOff()),
    () => null,
  );

  return {
    app,
    url,
    port,
    ready,
    pixelStoreConversion: pixelStoreConversion.catch(() => null),
    stop: async () => {
      await wsHandle.dispose();
      wsServer.close();
      await app.close();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
      httpServer.closeAllConnections();
    },
  };
}
