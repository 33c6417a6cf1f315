// The GraphQL operations the page sends (see schema.graphql),
// with the shapes of their answers. Only the class-generic fields: label, scores, counts, doneByClass...
import { gql } from '@urql/core';
import type { ClassCount, DatasetState, IngestProgress, Limits, RejectedFile, RunStatus } from '../types.ts';

const DATASET_FIELDS = `
  id
  name
  source
  state
  classes {
    index
    name
    color
    eventCount
  }
  signalClass
  hasEnergies
  energyBins {
    index
    minTeV
    maxTeV
    label
    counts {
      className
      count
    }
  }
  imageWidth
  imageHeight
  channels
`;

const MODEL_FIELDS = `
  id
  name
  version
  format
  active
  classNames
  classNamesSource
  inputShape
  preprocessing {
    colorMode
    scale
  }
`;

const INGEST_FIELDS = `
  datasetId
  state
  phase
  filesDone
  filesTotal
  bytesDone
  rejectedSoFar
  error
`;

const DATASET_DETAIL_FIELDS = `
  ${DATASET_FIELDS}
  rejectedFiles {
    file
    reason
  }
  error
  ingest {
    ${INGEST_FIELDS}
  }
`;

export interface DatasetData {
  id: string;
  name: string;
  source: string;
  state: DatasetState;
  classes: { index: number; name: string; color: string | null; eventCount: number }[];
  signalClass: string | null;
  hasEnergies: boolean;
  energyBins: { index: number; minTeV: number; maxTeV: number; label: string; counts: ClassCount[] }[];
  imageWidth: number | null;
  imageHeight: number | null;
  channels: number | null;
}

export interface DatasetDetailData extends DatasetData {
  rejectedFiles: RejectedFile[];
  error: string | null;
  ingest: IngestProgress | null;
}

export interface ModelData {
  id: string;
  name: string;
  version: string;
  format: string;
  active: boolean;
  classNames: string[];
  classNamesSource: string;
  inputShape: number[];
  preprocessing: { colorMode: 'GRAYSCALE' | 'RGB'; scale: number };
}

export const CATALOG_QUERY = gql`
  query DashboardCatalog {
    datasets {
      ${DATASET_FIELDS}
    }
    models {
      ${MODEL_FIELDS}
    }
    serverInfo {
      version
      batchSize
      defaultThreshold
      backend {
        name
        device
      }
      limits {
        minEventsPerClass
        maxEventsPerClass
        maxSamples
        dashboardMinEventsPerClass
        dashboardMaxEventsPerClass
      }
    }
  }
`;

export interface CatalogData {
  datasets: DatasetData[];
  models: ModelData[];
  serverInfo: {
    version: string;
    batchSize: number;
    defaultThreshold: number;
    backend: { name: string; device: string } | null;
    limits: Limits;
  };
}

export const PREDICT_MUTATION = gql`
  mutation DashboardPredict($input: PredictInput!) {
    predict(input: $input) {
      id
      status
      seed
    }
  }
`;

export interface PredictData {
  predict: { id: string; status: string; seed: number };
}

export const CANCEL_MUTATION = gql`
  mutation DashboardCancel($runId: ID!) {
    cancelPrediction(runId: $runId) {
      id
      status
    }
  }
`;

const SCORED_EVENT_FIELDS = `
  eventId
  label
  trueEnergyTeV
  scores
  gammaness
  predictedLabel
  error
`;

const CLASSIFICATION_FIELDS = `
  classes
  scoredEvents
  accuracy
  confusionMatrix
  confusionRates
  topKAccuracy {
    k
    accuracy
  }
  perClass {
    className
    precision
    recall
    f1
    support
    roc {
      fpr
      tpr
      auc
    }
    precisionRecall {
      precision
      recall
      averagePrecision
    }
  }
  macroAvg {
    precision
    recall
    f1
    support
  }
  weightedAvg {
    precision
    recall
    f1
    support
  }
  macroAuc
  weightedAuc
  logLoss
`;

const METRICS_SUMMARY_FIELDS = `
  roc {
    auc
  }
  precisionRecall {
    averagePrecision
  }
`;

export const PROGRESS_SUBSCRIPTION = gql`
  subscription DashboardProgress($runId: ID!) {
    predictionProgress(runId: $runId) {
      runId
      kind
      sequence
      status
      batch {
        label
        index
        inferenceMs
        columns {
          eventIds
          classCount
          scoresBase64
          gammanessBase64
          trueEnergiesTeVBase64
          failures {
            position
            error
          }
        }
      }
      doneByClass {
        className
        count
      }
      totalByClass {
        className
        count
      }
      failedByClass {
        className
        count
      }
      elapsedMs
      imagesPerSecond
      metrics {
        ${METRICS_SUMMARY_FIELDS}
      }
      classification {
        ${CLASSIFICATION_FIELDS}
      }
      error
    }
  }
`;

export interface ScoredEventData {
  eventId: string;
  label: string;
  trueEnergyTeV: number | null;
  scores: number[] | null;
  gammaness: number | null;
  predictedLabel: string | null;
  error: string | null;
}

/**
 * A batch's events as columns (PredictionBatch.columns), the numbers packed (packed-floats.ts): far cheaper to send
 * and read than an object, or a JSON number, per event.
 */
export interface ScoredEventColumnsData {
  eventIds: string[];
  classCount: number;
  /** Float32s: event i's score of class c at i × classCount + c; NaN for an unreadable image. */
  scoresBase64: string;
  /** Float32s, NaN where there is none. */
  gammanessBase64: string;
  /** Float64s, NaN where there is none. */
  trueEnergiesTeVBase64: string;
  failures: Array<{ position: number; error: string }>;
}

export interface MetricsSummaryData {
  roc: { auc: number | null } | null;
  precisionRecall: { averagePrecision: number | null } | null;
}

export interface ClassificationData {
  classes: string[];
  scoredEvents: number;
  accuracy: number;
  confusionMatrix: number[][];
  confusionRates: number[][];
  topKAccuracy: { k: number; accuracy: number }[];
  perClass: {
    className: string;
    precision: number;
    recall: number;
    f1: number;
    support: number;
    roc: { fpr: number[]; tpr: number[]; auc: number | null } | null;
    precisionRecall: { precision: number[]; recall: number[]; averagePrecision: number | null } | null;
  }[];
  macroAvg: { precision: number; recall: number; f1: number; support: number };
  weightedAvg: { precision: number; recall: number; f1: number; support: number };
  macroAuc: number | null;
  weightedAuc: number | null;
  logLoss: number | null;
}

export interface ProgressData {
  predictionProgress: {
    runId: string;
    kind: 'BATCH' | 'FINISHED';
    sequence: number;
    status: RunStatus;
    batch: { label: string; index: number; inferenceMs: number; columns: ScoredEventColumnsData } | null;
    doneByClass: ClassCount[];
    totalByClass: ClassCount[];
    failedByClass: ClassCount[];
    elapsedMs: number;
    imagesPerSecond: number;
    metrics: MetricsSummaryData | null;
    classification: ClassificationData | null;
    error: string | null;
  };
}

export const RUN_QUERY = gql`
  query DashboardRun($id: ID!) {
    predictionRun(id: $id) {
      id
      status
      eventsPerClass
      samples
      error
      dataset {
        id
      }
      classes {
        index
        name
        color
      }
      signalClass
      seed
      bin {
        index
      }
      bins {
        index
        minTeV
        maxTeV
        label
      }
      model {
        id
        name
      }
      predictions {
        ${SCORED_EVENT_FIELDS}
      }
      sampleEvents {
        gammaness
        scores
        top {
          className
          score
        }
        event {
          id
          label
          trueEnergyTeV
          imageUrl
          width
          height
          channels
        }
      }
      metrics {
        ${METRICS_SUMMARY_FIELDS}
      }
      classification {
        ${CLASSIFICATION_FIELDS}
      }
    }
  }
`;

export interface RunData {
  predictionRun: {
    id: string;
    status: RunStatus;
    eventsPerClass: number;
    samples: number;
    error: string | null;
    dataset: { id: string } | null;
    classes: { index: number; name: string; color: string | null }[];
    signalClass: string | null;
    seed: number;
    bin: { index: number } | null;
    bins: Array<{ index: number; minTeV: number; maxTeV: number; label: string }>;
    model: { id: string; name: string };
    predictions: ScoredEventData[];
    sampleEvents: {
      gammaness: number | null;
      scores: number[] | null;
      top: { className: string; score: number }[];
      event: {
        id: string;
        label: string;
        trueEnergyTeV: number | null;
        imageUrl: string;
        width: number;
        height: number;
        channels: number;
      };
    }[];
    metrics: MetricsSummaryData | null;
    classification: ClassificationData | null;
  } | null;
}

// ------------------------------------------------------------------ uploads
// Sent as multipart requests (GraphQL multipart request spec) by multipart-upload.ts, for upload progress.

export const UPLOAD_DATASET_MUTATION = gql`
  mutation DashboardUploadDataset($file: File!, $name: String, $resizeTo: ImageSizeInput) {
    uploadDataset(file: $file, name: $name, resizeTo: $resizeTo) {
      ${DATASET_DETAIL_FIELDS}
    }
  }
`;

export interface UploadDatasetData {
  uploadDataset: DatasetDetailData;
}

export const CANCEL_DATASET_UPLOAD_MUTATION = gql`
  mutation DashboardCancelDatasetUpload($id: ID!) {
    cancelDatasetUpload(id: $id) {
      id
      state
    }
  }
`;

export const DATASET_QUERY = gql`
  query DashboardDataset($id: ID!) {
    dataset(id: $id) {
      ${DATASET_DETAIL_FIELDS}
    }
  }
`;

export interface DatasetQueryData {
  dataset: DatasetDetailData;
}

export const INGEST_SUBSCRIPTION = gql`
  subscription DashboardIngest($datasetId: ID!) {
    datasetIngestProgress(datasetId: $datasetId) {
      ${INGEST_FIELDS}
    }
  }
`;

export interface IngestData {
  datasetIngestProgress: IngestProgress;
}

export const UPLOAD_MODEL_MUTATION = gql`
  mutation DashboardUploadModel(
    $file: File!
    $name: String
    $activate: Boolean
    $classNames: [String!]
    $labels: File
    $preprocessing: PreprocessingInput
  ) {
    uploadModel(
      file: $file
      name: $name
      activate: $activate
      classNames: $classNames
      labels: $labels
      preprocessing: $preprocessing
    ) {
      ${MODEL_FIELDS}
    }
  }
`;

export interface UploadModelData {
  uploadModel: ModelData;
}

export const RUNS_QUERY = gql`
  query DashboardRuns($first: Int, $after: String) {
    predictionRuns(first: $first, after: $after) {
      edges {
        node {
          id
          status
          createdAt
          eventsPerClass
          model {
            name
          }
          dataset {
            name
          }
          bins {
            index
          }
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`;

export interface RunsData {
  predictionRuns: {
    edges: Array<{
      node: { id: string; status: RunStatus; createdAt: string; eventsPerClass: number; model: { name: string }; dataset: { name: string } | null; bins: Array<{ index: number }> };
    }>;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
}

export const DELETE_RUN_MUTATION = gql`
  mutation DashboardDeleteRun($runId: ID!) {
    deletePredictionRun(runId: $runId) {
      id
    }
  }
`;

export const COMPARISON_QUERY = gql`
  query DashboardComparison($runIds: [ID!]!) {
    runComparison(runIds: $runIds) {
      runs {
        id
        model {
          name
        }
      }
      bins {
        bin {
          label
        }
        aucs {
          auc
        }
        differences {
          difference
          lower
          upper
          level
        }
      }
    }
  }
`;

export interface ComparisonData {
  runComparison: {
    runs: Array<{ id: string; model: { name: string } }>;
    bins: Array<{ bin: { label: string } | null; aucs: Array<{ auc: number | null }>; differences: Array<{ difference: number; lower: number; upper: number; level: number }> }>;
  };
}
