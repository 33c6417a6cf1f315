// TEMPORARY (issue 12, until the server lands every classes-as-data field): schema.graphql plus whatever
// of docs/design/classes-as-data.graphql it does not have yet, so the page's operations that the server
// does not implement yet are validated against the contract now. Delete this file once
// test/client/operations.test.ts has no operation left waiting for the server.
import { readFileSync } from 'node:fs';
import {
  buildSchema,
  extendSchema,
  isEnumType,
  isInputObjectType,
  isObjectType,
  Kind,
  parse,
  type DefinitionNode,
  type GraphQLSchema,
} from 'graphql';

/** The contract's types and fields (as in the design document), merged into schema.graphql where missing. */
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
  type Dataset {
    state: DatasetState!  classes: [DatasetClass!]!  signalClass: String  hasEnergies: Boolean!
    energyBins: [EnergyBin!]!  imageWidth: Int  imageHeight: Int  channels: Int
    rejectedFiles: [RejectedFile!]!  error: String  ingest: IngestProgress
  }
  type EnergyBin { counts: [ClassCount!]! }
  type EventAttribute { name: String!  value: String! }
  type Event {
    label: String!  trueEnergyTeV: Float  channels: Int!  attributes: [EventAttribute!]!  datasetId: ID!
  }
  type Query { dataset(id: ID!): Dataset! }
  input ImageSizeInput { width: Int!  height: Int! }
  type Mutation {
    uploadDataset(file: File!, name: String, resizeTo: ImageSizeInput, colors: [String!]): Dataset!
    cancelDatasetUpload(id: ID!): Dataset!
  }
  type Subscription { datasetIngestProgress(datasetId: ID!): IngestProgress! }
  enum ColorMode { GRAYSCALE RGB }
  type Preprocessing { colorMode: ColorMode!  scale: Float!  offset: Float!  mean: [Float!]!  std: [Float!]! }
  input PreprocessingInput { colorMode: ColorMode  scale: Float  offset: Float  mean: [Float!]  std: [Float!] }
  type Model {
    preprocessing: Preprocessing!  inputLayout: String!  outputCount: Int!  classNamesSource: String!
    signalClass: String
  }
  input ClassMappingInput { modelClass: String!  datasetClass: String! }
  input PredictInput { classMapping: [ClassMappingInput!] }
  type PredictionRun {
    dataset: Dataset  classes: [DatasetClass!]!  bin: EnergyBin  totalByClass: [ClassCount!]!
    classification: ClassificationMetrics
  }
  type ScoredEvent { label: String!  trueEnergyTeV: Float  scores: [Float!]  predictedLabel: String }
  type SampleEvent { scores: [Float!]  top: [ClassScore!]! }
  type PredictionBatch { label: String! }
  type PredictionProgress {
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

/** The contract's definitions that schema.graphql lacks: new types whole, existing types' missing fields as extensions. */
function missingDefinitions(base: GraphQLSchema): DefinitionNode[] {
  const missing: DefinitionNode[] = [];
  const byName = new Map<string, DefinitionNode[]>();
  for (const definition of parse(CONTRACT_ADDITIONS).definitions) {
    if (!('name' in definition) || !definition.name) continue;
    const list = byName.get(definition.name.value) ?? [];
    list.push(definition);
    byName.set(definition.name.value, list);
  }
  for (const [name, definitions] of byName) {
    const existing = base.getType(name);
    for (const definition of definitions) {
      if (!existing) {
        missing.push(definition);
        continue;
      }
      if (isEnumType(existing)) continue;
      if (definition.kind === Kind.OBJECT_TYPE_DEFINITION && isObjectType(existing)) {
        const fields = (definition.fields ?? []).filter((field) => !(field.name.value in existing.getFields()));
        if (fields.length) missing.push({ ...definition, kind: Kind.OBJECT_TYPE_EXTENSION, fields, description: undefined } as DefinitionNode);
      } else if (definition.kind === Kind.INPUT_OBJECT_TYPE_DEFINITION && isInputObjectType(existing)) {
        const fields = (definition.fields ?? []).filter((field) => !(field.name.value in existing.getFields()));
        if (fields.length) missing.push({ ...definition, kind: Kind.INPUT_OBJECT_TYPE_EXTENSION, fields, description: undefined } as DefinitionNode);
      }
    }
  }
  return missing;
}

export function contractSchema(): GraphQLSchema {
  const base = buildSchema(readFileSync(new URL('../../../schema.graphql', import.meta.url), 'utf8'));
  return extendSchema(base, { kind: Kind.DOCUMENT, definitions: missingDefinitions(base) });
}
