// Class labels as data: a dataset declares its ordered classes, a model its output classes, and a run
// maps one onto the other by name. Nothing here knows a particle: the ASTRI case is configuration.

/** A class of a dataset: its name and, optionally, the colour the dashboard draws it in. */
export interface ClassLabel {
  name: string;
  /** CSS colour (#rrggbb), or null to let the dashboard choose. */
  color: string | null;
}

/** Class names are free text, but short, printable and without leading or trailing blanks. */
export const CLASS_NAME_PATTERN = /^[^\s\p{C}](?:[^\p{C}]{0,62}[^\s\p{C}])?$/u;
export const COLOR_PATTERN = /^#[0-9a-fA-F]{6}$/;
export const MAX_CLASSES = 1000;

/** Why a list of class names cannot be used, or null when it can. */
export function classNamesProblem(names: readonly string[]): string | null {
  if (names.length < 2) return `a classifier needs at least 2 classes, got ${names.length}`;
  if (names.length > MAX_CLASSES) return `at most ${MAX_CLASSES} classes are supported, got ${names.length}`;
  const seen = new Set<string>();
  for (const name of names) {
    if (!CLASS_NAME_PATTERN.test(name)) return `class name ${JSON.stringify(name)} must be 1 to 64 printable characters without surrounding blanks`;
    if (seen.has(name)) return `class "${name}" is named twice`;
    seen.add(name);
  }
  return null;
}

/**
 * For each dataset class (in the dataset's order), the model output that scores it.
 * `explicit` maps model class names to dataset class names; classes it does not mention match by name.
 */
export type ClassMapping = readonly number[];

export interface ClassMappingPair {
  modelClass: string;
  datasetClass: string;
}

/** Builds the mapping, or explains exactly which classes cannot be matched. */
export function mapClasses(modelClasses: readonly string[], datasetClasses: readonly string[], explicit: readonly ClassMappingPair[] = []): ClassMapping | { problem: string } {
  const byDatasetClass = new Map<string, number>();
  for (const { modelClass, datasetClass } of explicit) {
    const output = modelClasses.indexOf(modelClass);
    if (output < 0) return { problem: `classMapping names model class "${modelClass}", but the model's classes are ${quoteList(modelClasses)}` };
    if (!datasetClasses.includes(datasetClass)) return { problem: `classMapping names dataset class "${datasetClass}", but the dataset's classes are ${quoteList(datasetClasses)}` };
    if (byDatasetClass.has(datasetClass)) return { problem: `classMapping maps dataset class "${datasetClass}" twice` };
    byDatasetClass.set(datasetClass, output);
  }
  if (explicit.length === 0 && modelClasses.length !== datasetClasses.length) {
    return {
      problem: `the model has ${modelClasses.length} classes (${quoteList(modelClasses)}) and the dataset ${datasetClasses.length} (${quoteList(datasetClasses)}); give a classMapping from model classes to dataset classes`,
    };
  }
  const unmatched: string[] = [];
  const mapping = datasetClasses.map((name) => {
    const output = byDatasetClass.get(name) ?? modelClasses.indexOf(name);
    if (output < 0) unmatched.push(name);
    return output;
  });
  if (unmatched.length > 0) {
    return {
      problem: `the model has no class named ${quoteList(unmatched)} (its classes are ${quoteList(modelClasses)}); name the model's classes at upload or give a classMapping`,
    };
  }
  if (new Set(mapping).size !== mapping.length) return { problem: 'two dataset classes are mapped to the same model class' };
  return mapping;
}

/** Model output class names when nothing names them: "0", "1", ... (the label indices of Keras's folder layout). */
export function defaultClassNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => String(i));
}

/**
 * A labels.txt as Teachable Machine and many tutorials export it: one class per line in output order,
 * optionally prefixed by its index ("0 gamma"). Blank lines are ignored.
 */
export function parseLabelsFile(text: string): string[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/).map((line) => line.trim()).filter((line) => line.length > 0);
  const indexed = lines.every((line, i) => line.startsWith(`${i} `) || line.startsWith(`${i}\t`));
  return indexed ? lines.map((line) => line.replace(/^\d+[ \t]+/, '').trim()) : lines;
}

function quoteList(names: readonly string[]): string {
  const shown = names.slice(0, 12).map((name) => `"${name}"`).join(', ');
  return names.length > 12 ? `${shown}, ... (${names.length} in all)` : shown;
}
