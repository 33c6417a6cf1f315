// The dashboard's backend for real runs: the ASTRI GraphQL API through urql, and multipart uploads
// through XMLHttpRequest (for their progress).
import { stringifyDocument, type CombinedError, type OperationResult } from '@urql/core';
import { storedToken, storeToken } from '../state/api-token.ts';
import { controlOf, DashboardError } from '../state/errors.ts';
import type { DashboardSource, ProgressObserver, StreamObserver } from '../state/source.ts';
import type {
  Catalog,
  ClassificationSummary,
  DatasetDetail,
  DatasetSummary,
  DatasetUploadOptions,
  IngestProgress,
  ModelSummary,
  ModelUploadOptions,
  RunProgress,
  RunRequest,
  RunComparisonSummary,
  RunListItem,
  RunResult,
  ScoredEvent,
  ServerMetricsSummary,
  TransferProgress,
} from '../types.ts';
import { createApiClient, defaultEndpoint, type ApiClient } from './client.ts';
import { sendMultipart, type UploadXhr } from './multipart-upload.ts';
import { float32sOrNull, float64sOrNull } from './packed-floats.ts';
import {
  CANCEL_DATASET_UPLOAD_MUTATION,
  CANCEL_MUTATION,
  CATALOG_QUERY,
  COMPARISON_QUERY,
  DELETE_RUN_MUTATION,
  RUNS_QUERY,
  DATASET_QUERY,
  INGEST_SUBSCRIPTION,
  PREDICT_MUTATION,
  PROGRESS_SUBSCRIPTION,
  RUN_QUERY,
  UPLOAD_DATASET_MUTATION,
  UPLOAD_MODEL_MUTATION,
  type CatalogData,
  type ComparisonData,
  type RunsData,
  type ClassificationData,
  type DatasetData,
  type DatasetDetailData,
  type DatasetQueryData,
  type IngestData,
  type MetricsSummaryData,
  type ModelData,
  type PredictData,
  type ProgressData,
  type RunData,
  type ScoredEventColumnsData,
  type ScoredEventData,
  type UploadDatasetData,
  type UploadModelData,
} from './operations.ts';

export class GraphQLSource implements DashboardSource {
  readonly kind = 'api' as const;
  private readonly api: ApiClient;
  private token: string | null = storedToken();

  constructor(
    private readonly endpoint: string = defaultEndpoint(),
    /** Tests pass a fake XMLHttpRequest. */
    private readonly createXhr?: () => UploadXhr,
  ) {
    this.api = createApiClient(endpoint, () => this.token);
  }

  /** Uses this API token from now on (remembered in this browser); null forgets it. */
  setToken(token: string | null): void {
    this.token = token && token.trim() ? token.trim() : null;
    storeToken(this.token);
    this.api.reconnect();
  }

  async loadCatalog(signal?: AbortSignal): Promise<Catalog> {
    const data = unwrap(
      await this.api.urql.query<CatalogData>(CATALOG_QUERY, {}, { fetchOptions: { signal } }).toPromise(),
      'loading the datasets and models',
    );
    const info = data.serverInfo;
    return {
      datasets: data.datasets.map(toDataset),
      models: data.models.map(toModel),
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

  async startRun(request: RunRequest): Promise<{ runId: string; seed?: number }> {
    const input = {
      eventsPerClass: request.eventsPerClass,
      samples: request.samples,
      ...(request.energyBins?.length ? { energyBins: request.energyBins } : request.energyBin !== null ? { energyBin: request.energyBin } : {}),
      ...(request.seed !== undefined ? { seed: request.seed } : {}),
      ...(request.datasetId ? { datasetId: request.datasetId } : {}),
      ...(request.modelId ? { modelId: request.modelId } : {}),
      ...(request.classMapping?.length ? { classMapping: request.classMapping } : {}),
    };
    const data = unwrap(await this.api.urql.mutation<PredictData>(PREDICT_MUTATION, { input }).toPromise(), 'starting the run');
    return { runId: data.predict.id, seed: data.predict.seed };
  }

  async listRuns(first: number): Promise<RunListItem[]> {
    const data = unwrap(await this.api.urql.query<RunsData>(RUNS_QUERY, { first }, { requestPolicy: 'network-only' }).toPromise(), 'loading the run history');
    return data.predictionRuns.edges.map(({ node }) => ({
      id: node.id,
      status: node.status,
      createdAt: node.createdAt,
      modelName: node.model.name,
      datasetName: node.dataset?.name ?? null,
      bins: node.bins.map((bin) => bin.index),
      eventsPerClass: node.eventsPerClass,
    }));
  }

  async deleteRun(runId: string): Promise<void> {
    unwrap(await this.api.urql.mutation(DELETE_RUN_MUTATION, { runId }).toPromise(), `deleting run ${runId}`);
  }

  async compareRuns(runIds: string[]): Promise<RunComparisonSummary> {
    const data = unwrap(await this.api.urql.query<ComparisonData>(COMPARISON_QUERY, { runIds }, { requestPolicy: 'network-only' }).toPromise(), 'comparing the runs');
    return {
      runs: data.runComparison.runs.map((run) => ({ id: run.id, modelName: run.model.name })),
      bins: data.runComparison.bins.map((bin) => ({ label: bin.bin?.label ?? null, aucs: bin.aucs.map((a) => a.auc), differences: bin.differences })),
    };
  }

  watchRun(runId: string, observer: ProgressObserver): () => void {
    return this.follow<ProgressData, RunProgress>(
      PROGRESS_SUBSCRIPTION,
      { runId },
      'following the run',
      (data) => toProgress(data.predictionProgress),
      (message) => message.kind === 'FINISHED',
      observer,
    );
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
      request: {
        datasetId: run.dataset?.id ?? null,
        energyBin: run.bin?.index ?? null,
        ...(run.bins.length > 1 ? { energyBins: run.bins.map((bin) => bin.index) } : {}),
        seed: run.seed,
        eventsPerClass: run.eventsPerClass,
        samples: run.samples,
        modelId: run.model.id,
      },
      bins: run.bins,
      seed: run.seed,
      modelName: run.model.name,
      classes: run.classes.map((c) => ({ index: c.index, name: c.name, color: c.color ?? null })),
      signalClass: run.signalClass ?? null,
      predictions: run.predictions.map(toScoredEvent),
      samples: run.sampleEvents.map((sample) => ({
        eventId: String(sample.event.id),
        label: sample.event.label,
        trueEnergyTeV: sample.event.trueEnergyTeV,
        imageUrl: sample.event.imageUrl,
        width: sample.event.width,
        height: sample.event.height,
        channels: sample.event.channels,
        scores: sample.scores,
        top: sample.top,
        gammaness: sample.gammaness,
      })),
      serverMetrics: toMetricsSummary(run.metrics),
      classification: toClassification(run.classification),
      error: run.error,
    };
  }

  async uploadDataset(
    file: File,
    options: DatasetUploadOptions,
    onProgress: (progress: TransferProgress) => void,
    signal?: AbortSignal,
  ): Promise<DatasetDetail> {
    const data = await sendMultipart<UploadDatasetData>({
      endpoint: this.endpoint,
      query: stringifyDocument(UPLOAD_DATASET_MUTATION),
      operationName: 'DashboardUploadDataset',
      variables: { name: options.name || null, resizeTo: options.resizeTo ?? null },
      files: { file },
      onProgress,
      signal,
      createXhr: this.createXhr,
      token: this.token,
      doing: 'uploading the dataset',
    });
    return toDatasetDetail(data.uploadDataset);
  }

  watchIngest(datasetId: string, observer: StreamObserver<IngestProgress>): () => void {
    return this.follow<IngestData, IngestProgress>(
      INGEST_SUBSCRIPTION,
      { datasetId },
      'following the ingest',
      (data) => data.datasetIngestProgress,
      (message) => message.state !== 'INGESTING',
      observer,
    );
  }

  async loadDataset(datasetId: string, signal?: AbortSignal): Promise<DatasetDetail> {
    const data = unwrap(
      await this.api.urql.query<DatasetQueryData>(DATASET_QUERY, { id: datasetId }, { fetchOptions: { signal } }).toPromise(),
      `loading dataset ${datasetId}`,
    );
    return toDatasetDetail(data.dataset);
  }

  async cancelDatasetUpload(datasetId: string): Promise<void> {
    unwrap(await this.api.urql.mutation(CANCEL_DATASET_UPLOAD_MUTATION, { id: datasetId }).toPromise(), 'cancelling the upload');
  }

  async uploadModel(
    file: File,
    options: ModelUploadOptions,
    onProgress: (progress: TransferProgress) => void,
    signal?: AbortSignal,
  ): Promise<ModelSummary> {
    const preprocessing =
      options.colorMode !== undefined || options.scale !== undefined
        ? { ...(options.colorMode ? { colorMode: options.colorMode } : {}), ...(options.scale !== undefined ? { scale: options.scale } : {}) }
        : null;
    const data = await sendMultipart<UploadModelData>({
      endpoint: this.endpoint,
      query: stringifyDocument(UPLOAD_MODEL_MUTATION),
      operationName: 'DashboardUploadModel',
      variables: {
        name: options.name || null,
        activate: options.activate ?? true,
        classNames: options.classNames?.length ? options.classNames : null,
        preprocessing,
      },
      files: options.labels ? { file, labels: options.labels } : { file },
      onProgress,
      signal,
      createXhr: this.createXhr,
      token: this.token,
      doing: 'uploading the model',
    });
    return toModel(data.uploadModel);
  }

  dispose(): void {
    this.api.dispose();
  }

  /** A subscription as a stream: errors end it, and so does the message `isLast` recognises. */
  private follow<D, T>(
    document: Parameters<ApiClient['urql']['subscription']>[0],
    variables: Record<string, unknown>,
    doing: string,
    read: (data: D) => T,
    isLast: (message: T) => boolean,
    observer: StreamObserver<T>,
  ): () => void {
    let finished = false;
    const subscription = this.api.urql.subscription<D>(document, variables).subscribe((result: OperationResult<D>) => {
      if (finished) return;
      if (result.error) {
        finished = true;
        observer.error(toDashboardError(result.error, doing));
        return;
      }
      if (!result.data) return;
      const message = read(result.data);
      observer.next(message);
      if (isLast(message)) {
        finished = true;
        observer.complete();
      }
    });
    return () => {
      finished = true;
      subscription.unsubscribe();
    };
  }
}

function toDataset(data: DatasetData): DatasetSummary {
  return {
    id: String(data.id),
    name: data.name,
    source: data.source,
    state: data.state,
    classes: data.classes.map((c) => ({ index: c.index, name: c.name, color: c.color ?? null, eventCount: c.eventCount })),
    signalClass: data.signalClass ?? null,
    hasEnergies: data.hasEnergies,
    energyBins: data.energyBins.map((bin) => ({ ...bin, counts: bin.counts.map((c) => ({ ...c })) })),
    imageWidth: data.imageWidth,
    imageHeight: data.imageHeight,
    channels: data.channels,
  };
}

function toDatasetDetail(data: DatasetDetailData): DatasetDetail {
  return { ...toDataset(data), rejectedFiles: data.rejectedFiles ?? [], error: data.error ?? null, ingest: data.ingest ?? null };
}

function toModel(data: ModelData): ModelSummary {
  return {
    id: String(data.id),
    name: data.name,
    version: data.version,
    format: data.format,
    active: data.active,
    classNames: data.classNames,
    classNamesSource: data.classNamesSource,
    inputShape: data.inputShape,
    preprocessing: data.preprocessing,
  };
}

function toProgress(message: ProgressData['predictionProgress']): RunProgress {
  return {
    runId: message.runId,
    kind: message.kind,
    sequence: message.sequence,
    status: message.status,
    batch: message.batch
      ? {
          label: message.batch.label,
          index: message.batch.index,
          inferenceMs: message.batch.inferenceMs,
          events: eventsOfColumns(message.batch.label, message.batch.columns),
        }
      : null,
    done: message.doneByClass,
    total: message.totalByClass,
    failed: message.failedByClass,
    elapsedMs: message.elapsedMs,
    imagesPerSecond: message.imagesPerSecond,
    metrics: toMetricsSummary(message.metrics),
    classification: toClassification(message.classification),
    error: message.error,
  };
}

/** One event per position; the predicted label is left to the readers (predictedOf), as the samples do. */
function eventsOfColumns(label: string, columns: ScoredEventColumnsData): ScoredEvent[] {
  const { classCount } = columns;
  const scores = float32sOrNull(columns.scoresBase64);
  const gammaness = float32sOrNull(columns.gammanessBase64);
  const energies = float64sOrNull(columns.trueEnergiesTeVBase64);
  const errors = new Map(columns.failures.map((failure) => [failure.position, failure.error]));
  return columns.eventIds.map((eventId, i) => {
    const row = scores.slice(i * classCount, (i + 1) * classCount);
    return {
      eventId,
      label,
      trueEnergyTeV: energies[i],
      scores: row.some((score) => score === null) ? null : (row as number[]),
      gammaness: gammaness[i],
      predictedLabel: null,
      error: errors.get(i) ?? null,
    };
  });
}

function toScoredEvent(event: ScoredEventData): ScoredEvent {
  return {
    eventId: String(event.eventId),
    label: event.label,
    trueEnergyTeV: event.trueEnergyTeV,
    scores: event.scores,
    gammaness: event.gammaness,
    predictedLabel: event.predictedLabel,
    error: event.error,
  };
}

function toMetricsSummary(metrics: MetricsSummaryData | null): ServerMetricsSummary | null {
  if (!metrics) return null;
  return { auc: metrics.roc?.auc ?? null, averagePrecision: metrics.precisionRecall?.averagePrecision ?? null };
}

function toClassification(data: ClassificationData | null): ClassificationSummary | null {
  return data ? { ...data } : null;
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
