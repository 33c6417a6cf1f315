// From a model's raw outputs to scores per run class: a sigmoid unit scores two classes (1 - p, p), and the
// class mapping picks, for each dataset class, the output that scores it.
import type { ClassMapping } from '../domain/classes.ts';

export class RunScorer {
  private readonly expandsSigmoid: boolean;
  /** Scores are renormalised when the mapping leaves some model classes out, so each row still sums to 1. */
  private readonly renormalise: boolean;

  constructor(
    outputKind: string,
    outputsPerImage: number,
    modelClassCount: number,
    private readonly mapping: ClassMapping,
  ) {
    this.expandsSigmoid = outputKind === 'sigmoid' && outputsPerImage === 1;
    this.renormalise = mapping.length < modelClassCount && outputKind !== 'other';
  }

  /** The run-class scores of one image's outputs, written into `scores` when given (one per run class). */
  score(outputs: ArrayLike<number>, scores = new Float32Array(this.mapping.length)): Float32Array {
    let sum = 0;
    for (let k = 0; k < this.mapping.length; k++) {
      const unit = this.mapping[k];
      const value = this.expandsSigmoid ? (unit === 1 ? outputs[0] : 1 - outputs[0]) : outputs[unit];
      scores[k] = value;
      sum += value;
    }
    if (this.renormalise && sum > 0) for (let k = 0; k < scores.length; k++) scores[k] /= sum;
    return scores;
  }
}

/** The top `count` classes of a score row, best first (ties: the lower index first). */
export function topClasses(scores: ArrayLike<number>, count: number): Array<{ classIndex: number; score: number }> {
  return Array.from(scores, (score, classIndex) => ({ classIndex, score }))
    .sort((a, b) => b.score - a.score || a.classIndex - b.classIndex)
    .slice(0, count);
}

/** The index of the best score (ties: the lower index): topClasses(scores, 1) without its allocations, per event. */
export function bestClass(scores: ArrayLike<number>): number {
  let best = 0;
  for (let k = 1; k < scores.length; k++) if (scores[k] > scores[best]) best = k;
  return best;
}
