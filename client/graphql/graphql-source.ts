// The dashboard's backend for real runs: the ASTRI GraphQL API through urql.
import type { CombinedError, OperationResult } from '@urql/core';
import { controlOf, DashboardError } from '../state/errors.ts';
import type { DashboardSource, ProgressObserver } from '../state/source.ts';
import type { Catalog, RunProgress, RunRequest, RunResult, ScoredEvent, ServerMetricsSummary } from '../types.ts';
import { createApiClient, defaultEndpoint, type ApiClient } from './client.ts';
import {
  CANCEL_MUTATION,
  CATALOG_QUERY,
  PREDICT_MUTATION,
  PROGRESS_SUBSCRIPTION,
  RUN_QUERY,
  type CatalogData,
  type PredictData,
  type ProgressData,
  type RunData,
} from './operations.ts';

export class GraphQLSource implements DashboardSource {
  readonly kind = 'api' as const;
  private readonly api: ApiClient;

  constructor(endpoint: string = defaultEndpoint()) {
    this.api = createApiClient(endpoint);
  }

  async loadCatalog(signal?: AbortSignal): Promise<Catalog> {
    const data = unwrap(
      await this.api.urql.query<CatalogData>(CATALOG_QUERY, {}, { fetchOptions: { signal } }).toPromise(),
      'loading the energy bins and models',
    );
    const info = data.serverInfo;
    return {
      bins: data.energyBins,
      models: data.models,
      server: {
        version: info.version,
        backendName: info.backend?.name ?? 'model not loaded',
        device: info.backend?.device ?? '',
        batchSize: info.batchSize,
        limits: info.limits,
        defaultThreshold: info.defaultThreshold,
      },
    };
  }

  async startRun(request: RunRequest): Promise<{ runId: string }> {
    const input = {
      energyBin: request.energyBin,
      eventsPerClass: request.eventsPerClass,
      samples: request.samples,
      ...(request.modelId ? { modelId: request.modelId } : {}),
    };
    const data = unwrap(await this.api.urql.mutation<PredictData>(PREDICT_MUTATION, { input }).toPromise(), 'starting the run');
    return { runId: data.predict.id };
  }

  watchRun(runId: string, observer: ProgressObserver): () => void {
    let finished = false;
    const subscription = this.api.urql.subscription<ProgressData>(PROGRESS_SUBSCRIPTION, { runId }).subscribe((result) => {
      if (finished) return;
      if (result.error) {
        finished = true;
        observer.error(toDashboardError(result.error, 'following the run'));
        return;
      }
      const message = result.data?.predictionProgress;
      if (!message) return;
      observer.next(toProgress(message));
      if (message.kind === 'FINISHED') {
        finished = true;
        observer.complete();
      }
    });
    return () => {
      finished = true;
      subscription.unsubscribe();
    };
  }

  async cancelRun(runId: string): Promise<void> {
    unwrap(await this.api.urql.mutation(CANCEL_MUTATION, { runId }).toPromise(), 'cancelling the run');
  }

  async loadRun(runId: string, signal?: AbortSignal): Promise<RunResult> {
    const data = unwrap(
      await this.api.urql.query<RunData>(RUN_QUERY, { id: runId }, { fetchOptions: { signal } }).toPromise(),
      `loading run ${runId}`,
    );
    const run = data.predictionRun;
    if (!run) throw new DashboardError(`run ${runId} does not exist on this server (it may have been deleted)`, 'NOT_FOUND');
    return {
      runId: run.id,
      status: run.status,
      request: { energyBin: run.energyBin.index, eventsPerClass: run.eventsPerClass, samples: run.samples, modelId: run.model.id },
      predictions: run.predictions.map(toScoredEvent),
      samples: run.sampleEvents.map((sample) => ({
        eventId: sample.event.id,
        particle: sample.event.particle,
        energyTeV: sample.event.energyTeV,
        imageUrl: sample.event.imageUrl,
        width: sample.event.width,
        height: sample.event.height,
        gammaness: sample.gammaness,
      })),
      serverMetrics: toMetricsSummary(run.metrics),
      error: run.error,
    };
  }

  dispose(): void {
    this.api.dispose();
  }
}

function toProgress(message: ProgressData['predictionProgress']): RunProgress {
  return {
    runId: message.runId,
    kind: message.kind,
    sequence: message.sequence,
    status: message.status,
    batch: message.batch
      ? {
          particle: message.batch.particle,
          index: message.batch.index,
          inferenceMs: message.batch.inferenceMs,
          events: message.batch.events.map(toScoredEvent),
        }
      : null,
    done: message.done,
    total: message.total,
    failed: message.failed,
    elapsedMs: message.elapsedMs,
    imagesPerSecond: message.imagesPerSecond,
    metrics: toMetricsSummary(message.metrics),
    error: message.error,
  };
}

function toScoredEvent(event: { eventId: string; particle: 'GAMMA' | 'PROTON'; energyTeV: number; gammaness: number | null; error: string | null }): ScoredEvent {
  return { eventId: String(event.eventId), particle: event.particle, energyTeV: event.energyTeV, gammaness: event.gammaness, error: event.error };
}

function toMetricsSummary(
  metrics: { roc: { auc: number | null } | null; precisionRecall: { averagePrecision: number | null } | null } | null,
): ServerMetricsSummary | null {
  if (!metrics) return null;
  return { auc: metrics.roc?.auc ?? null, averagePrecision: metrics.precisionRecall?.averagePrecision ?? null };
}

function unwrap<T>(result: OperationResult<T>, doing: string): T {
  if (result.error) throw toDashboardError(result.error, doing);
  if (!result.data) throw new DashboardError(`the server sent no data while ${doing}`, 'INTERNAL_SERVER_ERROR');
  return result.data;
}

/** The first error decides the code; every GraphQL error keeps its own control. */
export function toDashboardError(error: CombinedError, doing: string): DashboardError {
  if (error.networkError) {
    return new DashboardError(
      `the ASTRI server could not be reached while ${doing} (${error.networkError.message}); is \`astri serve\` running?`,
      'NETWORK',
    );
  }
  const first = error.graphQLErrors[0];
  if (!first) return new DashboardError(`${doing} failed: ${error.message}`, 'INTERNAL_SERVER_ERROR');
  const code = typeof first.extensions?.code === 'string' ? first.extensions.code : 'INTERNAL_SERVER_ERROR';
  return new DashboardError(first.message, code, controlOf(first.extensions?.field, first.message));
}
