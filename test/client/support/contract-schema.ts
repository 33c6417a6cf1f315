// TEMPORARY (issue 12, until the server lands the classes-as-data fields): schema.graphql extended with
// the additions of docs/design/classes-as-data.graphql, so the page's new operations are validated now.
// At integration, once `npm run schema` prints these fields into schema.graphql, delete this file and
// validate against schema.graphql alone (test/client/operations.test.ts says where).
import { readFileSync } from 'node:fs';
import { buildSchema, type GraphQLSchema } from 'graphql';

/** The contract's additions as SDL; fields whose arguments change are patched into the text below. */
const CONTRACT_ADDITIONS = /* GraphQL */ `
  type DatasetClass { index: Int!  name: String!  color: String  eventCount: Int! }
  type ClassCount { className: String!  count: Int! }
  type ClassScore { className: String!  score: Float! }
  enum DatasetState { INGESTING READY FAILED CANCELLED }
  type RejectedFile { file: String!  reason: String! }
  type IngestProgress {
    datasetId: ID!  state: DatasetState!  phase: String!  filesDone: Int!  filesTotal: Int
    bytesDone: Float!  rejectedSoFar: Int!  error: String
  }
  extend type Dataset {
    state: DatasetState!  classes: [DatasetClass!]!  signalClass: String  hasEnergies: Boolean!
    energyBins: [EnergyBin!]!  imageWidth: Int  imageHeight: Int  channels: Int
    rejectedFiles: [RejectedFile!]!  error: String  ingest: IngestProgress
  }
  extend type EnergyBin { counts: [ClassCount!]! }
  type EventAttribute { name: String!  value: String! }
  extend type Event {
    label: String!  trueEnergyTeV: Float  channels: Int!  attributes: [EventAttribute!]!  datasetId: ID!
  }
  extend type Query { dataset(id: ID!): Dataset! }
  input ImageSizeInput { width: Int!  height: Int! }
  extend type Mutation {
    uploadDataset(file: File!, name: String, resizeTo: ImageSizeInput, colors: [String!]): Dataset!
    cancelDatasetUpload(id: ID!): Dataset!
  }
  extend type Subscription { datasetIngestProgress(datasetId: ID!): IngestProgress! }
  enum ColorMode { GRAYSCALE RGB }
  type Preprocessing { colorMode: ColorMode!  scale: Float!  offset: Float!  mean: [Float!]!  std: [Float!]! }
  input PreprocessingInput { colorMode: ColorMode  scale: Float  offset: Float  mean: [Float!]  std: [Float!] }
  extend type Model {
    preprocessing: Preprocessing!  inputLayout: String!  outputCount: Int!  classNamesSource: String!
    signalClass: String
  }
  input ClassMappingInput { modelClass: String!  datasetClass: String! }
  extend input PredictInput { classMapping: [ClassMappingInput!] }
  extend type PredictionRun {
    dataset: Dataset  classes: [DatasetClass!]!  bin: EnergyBin  totalByClass: [ClassCount!]!
    classification: ClassificationMetrics
  }
  extend type ScoredEvent { label: String!  trueEnergyTeV: Float  scores: [Float!]  predictedLabel: String }
  extend type SampleEvent { scores: [Float!]  top: [ClassScore!]! }
  extend type PredictionBatch { label: String! }
  extend type PredictionProgress {
    doneByClass: [ClassCount!]!  totalByClass: [ClassCount!]!  failedByClass: [ClassCount!]!
    classification: ClassificationMetrics
  }
  type ClassificationMetrics {
    classes: [String!]!  scoredEvents: Int!  accuracy: Float!  confusionMatrix: [[Int!]!]!
    confusionRates: [[Float!]!]!  topKAccuracy: [TopKAccuracy!]!  perClass: [ClassReport!]!
    macroAvg: AverageReport!  weightedAvg: AverageReport!  macroAuc: Float  weightedAuc: Float  logLoss: Float
    scoreHistogram(className: String!, bins: Int = 50): ClassScoreHistogram!
  }
  type TopKAccuracy { k: Int!  accuracy: Float! }
  type ClassReport {
    className: String!  precision: Float!  recall: Float!  f1: Float!  support: Int!
    roc: RocCurve  precisionRecall: PrecisionRecallCurve
  }
  type AverageReport { precision: Float!  recall: Float!  f1: Float!  support: Int! }
  type ClassScoreHistogram { className: String!  edges: [Float!]!  signal: [Int!]!  rest: [Int!]! }
`;

/** Argument changes: optional energyBin, new uploadModel arguments, predictions(label). */
function patchArguments(sdl: string): string {
  const patched = sdl
    .replace(/(input PredictInput \{[\s\S]*?energyBin: )Int!/, '$1Int')
    .replace(/uploadModel\(/, 'uploadModel(\n    classNames: [String!]\n    labels: File\n    preprocessing: PreprocessingInput\n    signalClass: String\n')
    .replace(/predictions\(particle: Particle\)/, 'predictions(particle: Particle, label: String)');
  if (patched === sdl) throw new Error('schema.graphql changed shape: update test/client/support/contract-schema.ts');
  return patched;
}

export function contractSchema(): GraphQLSchema {
  const sdl = readFileSync(new URL('../../../schema.graphql', import.meta.url), 'utf8');
  return buildSchema(`${patchArguments(sdl)}\n${CONTRACT_ADDITIONS}`);
}
