// How a stored batch's scores are written: the 32-bit floats themselves, little-endian, in base64, inside a small
// JSON object. Writing them as JSON numbers cost 2-16 ms per 4,000 events (every float printed with 17 digits);
// this costs well under 1 ms and reads back bit for bit. Batches stored before keep their JSON array of score lists,
// which is still read.
import { float32FromBase64, float32ToBase64 } from '../util/packed-floats.ts';

/** The packed form: `float32` holds the scores of every event that has them, `classCount` per event, in order. */
interface PackedScores {
  float32: string;
  classCount: number;
  /** Positions of the events without scores (their image could not be read). */
  missing: number[];
}

export function packScores(scores: ReadonlyArray<Float32Array | null>, classCount: number): string {
  const values = new Float32Array(scores.filter((row) => row !== null).length * classCount);
  const missing: number[] = [];
  let offset = 0;
  scores.forEach((row, position) => {
    if (row === null) {
      missing.push(position);
      return;
    }
    if (row.length !== classCount) throw new RangeError(`an event has ${row.length} scores, the batch ${classCount}`);
    values.set(row, offset);
    offset += classCount;
  });
  const packed: PackedScores = { float32: float32ToBase64(values), classCount, missing };
  return JSON.stringify(packed);
}

/** The score lists of `count` events, from either stored form; packed rows are views of one buffer. */
export function unpackScores(text: string, count: number): Array<Float32Array | null> {
  if (!text.startsWith('{')) return (JSON.parse(text) as Array<number[] | null>).map((row) => (row ? Float32Array.from(row) : null));
  const { float32, classCount, missing } = JSON.parse(text) as PackedScores;
  const values = float32FromBase64(float32);
  if (values.length !== (count - missing.length) * classCount) {
    throw new RangeError(`stored scores hold ${values.length} values, ${count - missing.length} events of ${classCount} classes need ${(count - missing.length) * classCount}`);
  }
  const absent = new Set(missing);
  const scores: Array<Float32Array | null> = [];
  let offset = 0;
  for (let position = 0; position < count; position++) {
    if (absent.has(position)) {
      scores.push(null);
      continue;
    }
    scores.push(values.subarray(offset, offset + classCount));
    offset += classCount;
  }
  return scores;
}
