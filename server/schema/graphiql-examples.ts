// Ready-made operations shown in GraphiQL at /graphql: the API's manual by example.
export const GRAPHIQL_EXAMPLES = /* GraphQL */ `# Welcome to the ASTRI inference API.
# Run an operation with the play button; pick one by name.
# 1. Look at the energy bins and what they hold.
query Bins {
  energyBins { index label minTeV maxTeV gammaCount protonCount }
  serverInfo { version batchSize backend { name device threads } limits { maxEventsPerClass maxSamples } }
  models { id name format inputShape outputKind parameterCount active }
}

# 2. Page through the events of a bin.
query Events {
  events(energyBin: 3, particle: GAMMA, first: 5) {
    totalCount
    edges { cursor node { id energyTeV imageUrl } }
    pageInfo { hasNextPage endCursor }
  }
}

# 3. Start a run (copy its id into the subscription and the query below).
mutation Predict {
  predict(input: { energyBin: 3, eventsPerClass: 500, samples: 4, seed: 42 }) { id status }
}

# 4. Watch it, batch by batch.
subscription Progress {
  predictionProgress(runId: "PASTE-RUN-ID") {
    kind sequence status elapsedMs imagesPerSecond
    done { gamma proton } total { gamma proton }
    batch { particle index events { eventId gammaness energyTeV } }
    metrics { roc { auc } precisionRecall { averagePrecision } qualityFactor }
  }
}

# 5. Its results, at any threshold.
query Run {
  predictionRun(id: "PASTE-RUN-ID") {
    status elapsedMs failedCount
    metrics(threshold: 0.9) {
      confusionMatrix { truePositive falsePositive trueNegative falseNegative }
      gammaEfficiency hadronEfficiency qualityFactor
      roc { auc }
    }
    sampleEvents { gammaness event { id particle energyTeV imageUrl } }
  }
}
`;
