// Ready-made operations shown in GraphiQL at /graphql: the API's manual by example.
export const GRAPHIQL_EXAMPLES = /* GraphQL */ `# Welcome to the ASTRI inference API.
# Run an operation with the play button; pick one by name.
# 1. The datasets (the ASTRI gamma/proton demo first), their classes and energy bins; the models and the server.
query Catalog {
  datasets {
    id name state eventCount signalClass hasEnergies imageWidth imageHeight channels
    classes { name eventCount }
    energyBins { index label counts { className count } }
  }
  models { id name format inputShape classNames classNamesSource outputKind active preprocessing { colorMode scale } }
  serverInfo { version batchSize backend { name device threads } limits { maxEventsPerClass maxSamples } }
}

# Scaled out (queue.url set): the queue's depth and the live workers, from any API replica.
query Workers {
  serverInfo { role queue { waiting active stalledJobs } workers { id role backend device batches imagesPerSecond } }
}

# 2. Page through the gamma events of a bin of the demo.
query Events {
  events(energyBin: 3, label: "gamma", first: 5) {
    totalCount
    edges { cursor node { id label trueEnergyTeV imageUrl } }
    pageInfo { hasNextPage endCursor }
  }
}

# 3. Start a run on the demo (copy its id into the subscription and the query below). On another
#    dataset: predict(input: { datasetId: "2", modelId: "2", eventsPerClass: 100 }), without energyBin
#    when it has no energies; give a classMapping when the model names its classes differently.
mutation Predict {
  predict(input: { energyBin: 3, eventsPerClass: 500, samples: 4, seed: 42 }) { id status }
}

# 4. Watch it, batch by batch.
subscription Progress {
  predictionProgress(runId: "PASTE-RUN-ID") {
    kind sequence status elapsedMs imagesPerSecond
    doneByClass { className count } totalByClass { className count }
    batch { label index events { eventId gammaness scores trueEnergyTeV } }
    metrics { roc { auc } precisionRecall { averagePrecision } qualityFactor }
    classification { accuracy macroAuc }
  }
}

# 5. Its results: the gamma/hadron figures at any gammaness cut, and the N-class metrics.
query Run {
  predictionRun(id: "PASTE-RUN-ID") {
    status elapsedMs failedCount signalClass
    metrics(threshold: 0.9) {
      confusionMatrix { truePositive falsePositive trueNegative falseNegative }
      gammaEfficiency hadronEfficiency qualityFactor
      roc { auc }
    }
    classification {
      classes accuracy confusionMatrix macroAuc logLoss
      perClass { className precision recall f1 support roc { auc } }
    }
    sampleEvents { gammaness top { className score } event { id label trueEnergyTeV imageUrl } }
  }
}

# 6. Separation against energy: one run over every bin of the demo, then its figures per bin.
mutation PredictAllBins {
  predict(input: { energyBins: [0, 1, 2, 3, 4, 5, 6], eventsPerClass: 500, seed: 42 }) { id bins { index label } }
}

query EnergyMetrics {
  predictionRun(id: "PASTE-RUN-ID") {
    energyMetrics(gammaEfficiency: 0.7, hadronEfficiency: 0.1, resamples: 200, confidenceLevel: 0.68) {
      bin { index label } energyTeV gammaEvents hadronEvents
      auc aucInterval { lower upper level }
      atGammaEfficiency { cut gammaEfficiency hadronEfficiency }
      atHadronEfficiency { cut gammaEfficiency hadronEfficiency }
      bestQualityFactor { qualityFactor cut }
    }
    calibration(bins: 10) { brierScore bins { meanScore fractionPositive count } }
  }
}

# 7. Compare two models on the same events (start both runs with the same seed, bins and eventsPerClass).
query Compare {
  runComparison(runIds: ["PASTE-RUN-ID", "PASTE-OTHER-RUN-ID"]) {
    runs { id model { name } }
    bins { bin { label } aucs { auc } differences { difference lower upper level } }
  }
}

# 8. The run history, newest first; deletePredictionRun(runId) removes a finished run.
query History {
  predictionRuns(first: 10, status: COMPLETED) {
    edges { node { id createdAt model { name } dataset { name } bins { index } eventsPerClass } }
    pageInfo { hasNextPage endCursor }
  }
}

# 9. Follow a dataset upload (uploadDataset takes a multipart file: see the README), or a bucket's registration.
subscription Ingest {
  datasetIngestProgress(datasetId: "PASTE-DATASET-ID") { state phase filesDone filesTotal rejectedSoFar error }
}

# 10. A dataset in object storage (S3, MinIO): class folders or a manifest.csv under the prefix; the server's
#    endpoint and credentials (config storage, AWS_* environment) are used, never the browser's.
mutation FromBucket {
  registerDataset(source: "s3://astri/demo-4class") { id name state sourceUrl }
}
`;
