// The GraphQL operations the page sends (see schema.graphql), with the shapes of their answers.
import { gql } from '@urql/core';
import type { EnergyBin, Limits, ModelSummary } from '../types.ts';

export const CATALOG_QUERY = gql`
  query DashboardCatalog {
    energyBins {
      index
      minTeV
      maxTeV
      label
      gammaCount
      protonCount
    }
    models {
      id
      name
      version
      format
      active
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
  energyBins: EnergyBin[];
  models: ModelSummary[];
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
    }
  }
`;

export interface PredictData {
  predict: { id: string; status: string };
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
  particle
  energyTeV
  gammaness
  error
`;

export const PROGRESS_SUBSCRIPTION = gql`
  subscription DashboardProgress($runId: ID!) {
    predictionProgress(runId: $runId) {
      runId
      kind
      sequence
      status
      batch {
        particle
        index
        inferenceMs
        events {
          ${SCORED_EVENT_FIELDS}
        }
      }
      done {
        gamma
        proton
      }
      total {
        gamma
        proton
      }
      failed {
        gamma
        proton
      }
      elapsedMs
      imagesPerSecond
      metrics {
        roc {
          auc
        }
        precisionRecall {
          averagePrecision
        }
      }
      error
    }
  }
`;

interface ScoredEventData {
  eventId: string;
  particle: 'GAMMA' | 'PROTON';
  energyTeV: number;
  gammaness: number | null;
  error: string | null;
}

interface MetricsSummaryData {
  roc: { auc: number | null } | null;
  precisionRecall: { averagePrecision: number | null } | null;
}

export interface ProgressData {
  predictionProgress: {
    runId: string;
    kind: 'BATCH' | 'FINISHED';
    sequence: number;
    status: 'QUEUED' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLED';
    batch: { particle: 'GAMMA' | 'PROTON'; index: number; inferenceMs: number; events: ScoredEventData[] } | null;
    done: { gamma: number; proton: number };
    total: { gamma: number; proton: number };
    failed: { gamma: number; proton: number };
    elapsedMs: number;
    imagesPerSecond: number;
    metrics: MetricsSummaryData | null;
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
      energyBin {
        index
      }
      model {
        id
      }
      predictions {
        ${SCORED_EVENT_FIELDS}
      }
      sampleEvents {
        gammaness
        event {
          id
          particle
          energyTeV
          imageUrl
          width
          height
        }
      }
      metrics {
        roc {
          auc
        }
        precisionRecall {
          averagePrecision
        }
      }
    }
  }
`;

export interface RunData {
  predictionRun: {
    id: string;
    status: 'QUEUED' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLED';
    eventsPerClass: number;
    samples: number;
    error: string | null;
    energyBin: { index: number };
    model: { id: string };
    predictions: ScoredEventData[];
    sampleEvents: {
      gammaness: number | null;
      event: {
        id: string;
        particle: 'GAMMA' | 'PROTON';
        energyTeV: number;
        imageUrl: string;
        width: number;
        height: number;
      };
    }[];
    metrics: MetricsSummaryData | null;
  } | null;
}
