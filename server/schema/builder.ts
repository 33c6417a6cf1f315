// The Pothos builder and the request context every resolver sees.
import SchemaBuilder from '@pothos/core';
import type { Authenticator } from '../auth/authenticator.ts';
import type { Cluster } from '../cluster/index.ts';
import type { TokenService } from '../auth/tokens.ts';
import type { Config } from '../config.ts';
import type { DatasetCatalog } from '../data/dataset-catalog.ts';
import type { DatasetFiles } from '../data/dataset-files.ts';
import type { EventCatalog } from '../data/event-catalog.ts';
import type { Db } from '../data/db.ts';
import type { PixelStoreConversion } from '../data/pixel-store-conversion.ts';
import type { Principal } from '../domain/principal.ts';
import type { ModelRegistry } from '../models/model-registry.ts';
import type { PredictionService } from '../predictions/prediction-service.ts';
import type { DatasetUploads } from '../uploads/dataset-uploads.ts';

export interface Services {
  config: Config;
  db: Db;
  datasets: DatasetCatalog;
  catalog: EventCatalog;
  models: ModelRegistry;
  predictions: PredictionService;
  uploads: DatasetUploads;
  /** A dataset's files on this host, fetched from the shared store when missing. */
  datasetFiles: DatasetFiles;
  tokens: TokenService;
  auth: Authenticator;
  /** The one-off conversion of registered events into the pixel store, after start. */
  pixelStoreConversion: PixelStoreConversion;
  /** The queue, feeds and workers when queue.url is set (several processes share the work); null in one process. */
  cluster: Cluster | null;
  /** Why the server cannot serve predictions yet (starting up), or null once it can. */
  readiness(): string | null;
}

export interface Context {
  services: Services;
  /** Who is asking: resolvers check its permissions (server/auth/authenticator.ts), never the headers. */
  principal: Principal;
}

export const builder = new SchemaBuilder<{
  Context: Context;
  DefaultFieldNullability: false;
  Scalars: { File: { Input: File; Output: never } };
}>({
  defaultFieldNullability: false,
});

builder.queryType({ description: 'Read the datasets, energy bins, events, models, runs and server facts.' });
builder.mutationType({ description: 'Upload datasets and models; start and cancel prediction runs.' });
builder.subscriptionType({ description: 'Live progress of prediction runs and dataset uploads.' });
