// This project's server as the benchmark sees it: `node bin/astri.js serve --port 0` on its own state
// (database and pixel store in a folder of the bench), driven through its public GraphQL API like the dashboard:
// the predict mutation over HTTP, then the predictionProgress subscription over graphql-ws.
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { float32sOrNull } from '../client/graphql/packed-floats.ts';
import { PROJECT_ROOT } from '../server/config.ts';
import type { BatchStages } from '../server/domain/run.ts';
import { watchMemory, type MemoryPeak } from './memory.ts';
import { startProcess, type ManagedProcess } from './processes.ts';
import { postJson } from './http.ts';

export class AstriBenchError extends Error {
  override name = 'AstriBenchError';
}

export interface AstriServerOptions {
  /** Folder for this server's database and pixel store; the template database is copied into it when absent. */
  stateDir: string;
  templateDatabase: string;
  inferenceDir: string;
  modelFile: string;
  /** inference.backend; undefined keeps the configured one. */
  backend?: string;
  /** data.convertAtStart: false keeps the images on the PNG path (the cold-from-PNG row). Default: the config's (true). */
  convertAtStart?: boolean;
  /** Extra Node flags for the server process (e.g. --cpu-prof). */
  nodeFlags?: string[];
  startTimeoutMs?: number;
}

export interface ServerInfo {
  version: string;
  batchSize: number;
  backend: { name: string; device: string; threads: number; threadSettings: ThreadSetting[] | null } | null;
}

export interface ThreadSetting {
  intraOpThreads: number;
  spinning: boolean;
  loadImagesPerSecond: number;
  chosen: boolean;
}

export interface PredictionTiming {
  eventsPerClass: number;
  energyBin: number;
  seed: number;
  status: string;
  error: string | null;
  /** From sending the mutation to receiving the FINISHED message. */
  endToEndMs: number;
  /** From sending the mutation to receiving the first BATCH message. */
  firstBatchMs: number | null;
  /** From sending the mutation to its answer (the run id). */
  mutationMs: number;
  /** Images scored (both classes). */
  images: number;
  batches: number;
  /** Sum of the batches' model times; batches run one at a time, so this is the model's busy time. */
  inferenceMs: number;
  /** The server's own elapsedMs and imagesPerSecond on the FINISHED message. */
  serverElapsedMs: number;
  serverImagesPerSecond: number;
  gammaness: { gamma: number[]; proton: number[] };
  /** Every batch in the order received: its server-side stages and when the client had it (ms since the mutation was sent). */
  timeline: BatchTimeline[];
}

export interface BatchTimeline {
  particle: 'GAMMA' | 'PROTON';
  index: number;
  images: number;
  inferenceMs: number;
  /** Server clock, ms since the run's execution started; null from a server without PredictionBatch.stages. */
  stages: BatchStages | null;
  receivedMs: number;
}

const PREDICT = 'mutation Predict($input: PredictInput!) { predict(input: $input) { id } }';
const PROGRESS = `subscription Progress($runId: ID!) {
  predictionProgress(runId: $runId) {
    kind sequence status error elapsedMs imagesPerSecond
    done { gamma proton }
    batch {
      particle index inferenceMs stages { readQueuedAtMs readStartedAtMs readEndedAtMs inferStartedAtMs inferEndedAtMs publishedAtMs }
      columns { eventIds classCount scoresBase64 gammanessBase64 trueEnergiesTeVBase64 failures { position error } }
    }
  }
}`;
const SERVER_INFO = '{ serverInfo { version batchSize backend { name device threads threadSettings { intraOpThreads spinning loadImagesPerSecond chosen } } } }';

interface ProgressMessage {
  kind: 'BATCH' | 'FINISHED';
  sequence: number;
  status: string;
  error: string | null;
  elapsedMs: number;
  imagesPerSecond: number;
  done: { gamma: number; proton: number };
  /** The columns the dashboard asks for, so that the server does the dashboard's work. */
  batch: { particle: 'GAMMA' | 'PROTON'; index: number; inferenceMs: number; stages: BatchStages | null; columns: { eventIds: string[]; gammanessBase64: string } } | null;
}

export class AstriServer {
  private constructor(
    readonly process: ManagedProcess,
    readonly url: string,
    private readonly ws: Client,
    readonly startupMs: number,
  ) {}

  get pid(): number {
    return this.process.pid;
  }

  static async start(options: AstriServerOptions): Promise<AstriServer> {
    mkdirSync(options.stateDir, { recursive: true });
    const database = path.join(options.stateDir, 'astri.db');
    try {
      copyFileSync(options.templateDatabase, database, 1 /* COPYFILE_EXCL: keep an existing state */);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ASTRI_DATA__DIR: options.stateDir,
      ASTRI_DATA__DATABASE: database,
      ASTRI_DATA__INFERENCE_DIR: options.inferenceDir,
      ASTRI_DATA__PIXEL_STORE: path.join(options.stateDir, 'pixels'),
      ASTRI_INFERENCE__MODEL: options.modelFile,
      ASTRI_DEMO__AUTO_GENERATE: 'false',
      ASTRI_LOG__LEVEL: 'warn',
      // As the server image runs it (docker/server.Dockerfile): graphql-js skips its development-only checks.
      NODE_ENV: 'production',
      ...(options.backend ? { ASTRI_INFERENCE__BACKEND: options.backend } : {}),
      ...(options.convertAtStart === undefined ? {} : { ASTRI_DATA__CONVERT_AT_START: String(options.convertAtStart) }),
    };
    const started = performance.now();
    const server = startProcess('astri serve', process.execPath, [...(options.nodeFlags ?? []), path.join(PROJECT_ROOT, 'bin', 'astri.js'), 'serve', '--port', '0'], {
      env,
      cwd: PROJECT_ROOT,
    });
    try {
      const timeoutMs = options.startTimeoutMs ?? 180_000;
      const [, url] = await server.waitForLine(/^listening on (http:\/\/\S+)/, timeoutMs);
      await server.waitForLine(/^ready: /, timeoutMs);
      const startupMs = performance.now() - started;
      const ws = createClient({ url: `${url.replace(/^http/, 'ws')}/graphql`, webSocketImpl: WebSocket, lazy: false, retryAttempts: 0 });
      // Open the socket now, as the dashboard does on load, so the first run does not pay for the handshake.
      await new Promise<void>((resolve, reject) => {
        const offConnected = ws.on('connected', () => {
          offConnected();
          resolve();
        });
        ws.on('error', reject);
      });
      const astri = new AstriServer(server, url, ws, startupMs);
      // And query it once, as the dashboard loads its catalog before anyone can press Predict: a process's first
      // HTTP request pays 20-30 ms of first use (Yoga's request path), which no timed run should carry.
      await astri.serverInfo();
      return astri;
    } catch (error) {
      await server.stop(1000);
      throw error;
    }
  }

  async graphql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const answer = (await postJson(`${this.url}/graphql`, { query, variables })) as { data?: T; errors?: Array<{ message: string }> };
    if (answer.errors?.length || !answer.data) {
      throw new AstriBenchError(`GraphQL error from ${this.url}: ${answer.errors?.map((error) => error.message).join('; ') ?? 'no data'}`);
    }
    return answer.data;
  }

  async serverInfo(): Promise<ServerInfo> {
    return (await this.graphql<{ serverInfo: ServerInfo }>(SERVER_INFO)).serverInfo;
  }

  /**
   * Waits for the server's one-off conversion of the registered images into its pixel store (the dataset was
   * registered by `astri ingest`, another process): afterwards a run is "the first predict after ingest".
   * Returns the conversion's wall time as seen from here, and its final state.
   */
  async pixelStoreConverted(pollMs = 50): Promise<{ state: string; converted: number; waitedMs: number }> {
    const started = performance.now();
    for (;;) {
      const { serverInfo } = await this.graphql<{ serverInfo: { pixelStoreConversion: { state: string; converted: number } } }>('{ serverInfo { pixelStoreConversion { state converted } } }');
      const { state, converted } = serverInfo.pixelStoreConversion;
      if (state !== 'waiting' && state !== 'running') return { state, converted, waitedMs: performance.now() - started };
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  /** One prediction run, timed from the client's side. */
  async predict(energyBin: number, eventsPerClass: number, seed: number): Promise<PredictionTiming> {
    const sentAt = performance.now();
    const { predict } = await this.graphql<{ predict: { id: string } }>(PREDICT, { input: { energyBin, eventsPerClass, seed, samples: 0 } });
    const mutationMs = performance.now() - sentAt;
    const gammaness = { gamma: [] as number[], proton: [] as number[] };
    let firstBatchMs: number | null = null;
    let batches = 0;
    let inferenceMs = 0;
    const timeline: BatchTimeline[] = [];
    const finished = await new Promise<ProgressMessage>((resolve, reject) => {
      let final: ProgressMessage | null = null;
      this.ws.subscribe<{ predictionProgress: ProgressMessage }>(
        { query: PROGRESS, variables: { runId: predict.id } },
        {
          next: (result) => {
            if (result.errors?.length) {
              reject(new AstriBenchError(`subscription error: ${result.errors.map((error) => error.message).join('; ')}`));
              return;
            }
            const message = result.data!.predictionProgress;
            if (message.kind === 'BATCH' && message.batch) {
              const receivedMs = performance.now() - sentAt;
              firstBatchMs ??= receivedMs;
              const { particle, index, stages, columns } = message.batch;
              timeline.push({ particle, index, images: columns.eventIds.length, inferenceMs: message.batch.inferenceMs, stages, receivedMs });
              batches++;
              inferenceMs += message.batch.inferenceMs;
              const target = message.batch.particle === 'GAMMA' ? gammaness.gamma : gammaness.proton;
              // Decoded as the dashboard decodes it.
              for (const gammaness of float32sOrNull(columns.gammanessBase64)) if (gammaness !== null) target.push(gammaness);
            } else if (message.kind === 'FINISHED') {
              final = message;
              resolve(message);
            }
          },
          error: (error) => reject(error instanceof Error ? error : new AstriBenchError(`subscription failed: ${JSON.stringify(error)}`)),
          complete: () => {
            if (!final) reject(new AstriBenchError(`the subscription of run ${predict.id} ended without a FINISHED message`));
          },
        },
      );
    });
    const endToEndMs = performance.now() - sentAt;
    return {
      eventsPerClass,
      energyBin,
      seed,
      status: finished.status,
      error: finished.error,
      endToEndMs,
      firstBatchMs,
      mutationMs,
      images: finished.done.gamma + finished.done.proton,
      batches,
      inferenceMs,
      serverElapsedMs: finished.elapsedMs,
      serverImagesPerSecond: finished.imagesPerSecond,
      gammaness,
      timeline,
    };
  }

  /** Runs `work` while watching this server's memory. */
  async measured<T>(work: () => Promise<T>): Promise<{ result: T; memory: MemoryPeak }> {
    const stop = watchMemory([this.pid]);
    let memory: MemoryPeak | null = null;
    try {
      const result = await work();
      memory = stop();
      return { result, memory };
    } finally {
      if (!memory) stop();
    }
  }

  async stop(): Promise<void> {
    await this.ws.dispose();
    // SIGTERM first: the server shuts down cleanly (and writes its --cpu-prof profile, if asked).
    await this.process.stop(10_000);
  }
}
