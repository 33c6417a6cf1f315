// Class types shared by datasets, runs and their metrics: classes are data, named by the dataset.
import { builder } from './builder.ts';

export interface ClassCountShape {
  className: string;
  count: number;
}

export interface ClassScoreShape {
  className: string;
  score: number;
}

export const ClassCountType = builder.objectRef<ClassCountShape>('ClassCount').implement({
  description: 'A number of events of one class.',
  fields: (t) => ({
    className: t.exposeString('className', { description: 'The class, as the dataset names it.' }),
    count: t.exposeInt('count', { description: 'Events of that class.' }),
  }),
});

export const ClassScoreType = builder.objectRef<ClassScoreShape>('ClassScore').implement({
  description: "A class and an event's score for it.",
  fields: (t) => ({
    className: t.exposeString('className', { description: 'The class, as the dataset names it.' }),
    score: t.exposeFloat('score', { description: 'The model\'s score (a probability for softmax and sigmoid models).' }),
  }),
});

/** Counts in class order, named. */
export function classCounts(names: readonly string[], counts: readonly number[]): ClassCountShape[] {
  return names.map((className, i) => ({ className, count: counts[i] ?? 0 }));
}

/** The deprecated {gamma, proton} counts, from named counts of a gamma/proton dataset (0 for a class it lacks). */
export function particleCounts(names: readonly string[], counts: readonly number[]): { gamma: number; proton: number } {
  const of = (name: string) => {
    const i = names.indexOf(name);
    return i >= 0 ? (counts[i] ?? 0) : 0;
  };
  return { gamma: of('gamma'), proton: of('proton') };
}
