// Whether a model's outputs are a dataset's classes, and which output scores each dataset class when
// they are not (PredictInput.classMapping; the server matches unmapped classes by name).
import type { ClassMappingPair } from '../types.ts';

/** Same class names (any order); a model without names fits any dataset. */
export function modelFits(modelClasses: readonly string[], datasetClasses: readonly string[]): boolean {
  if (modelClasses.length === 0) return true;
  return modelClasses.length === datasetClasses.length && modelClasses.every((name) => datasetClasses.includes(name));
}

/** Dataset class -> model class: the chosen pairs, else the model class of the same name, else '' (none). */
export function classMappingFor(
  modelClasses: readonly string[],
  datasetClasses: readonly string[],
  chosen: readonly ClassMappingPair[] = [],
): Map<string, string> {
  const byDatasetClass = new Map(chosen.map((pair) => [pair.datasetClass, pair.modelClass]));
  return new Map(datasetClasses.map((name) => [name, byDatasetClass.get(name) ?? (modelClasses.includes(name) ? name : '')]));
}

/** The pairs to send: every dataset class that has a model class. */
export function mappingPairs(mapping: ReadonlyMap<string, string>): ClassMappingPair[] {
  return [...mapping].filter(([, modelClass]) => modelClass !== '').map(([datasetClass, modelClass]) => ({ modelClass, datasetClass }));
}
