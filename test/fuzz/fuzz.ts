// Shared by the fuzzers: how many cases (bounded in `npm test`, many more with `npm run fuzz`), the mutations of
// real files, and the time bound every case must end within.
import fc from 'fast-check';

/** Cases per property: the default keeps npm test quick; ASTRI_FUZZ_SCALE multiplies it (npm run fuzz: 20x). */
export function fuzzRuns(defaultRuns: number): number {
  const scale = Number(process.env.ASTRI_FUZZ_SCALE);
  return Math.round(defaultRuns * (Number.isFinite(scale) && scale > 0 ? scale : 1));
}

/** fast-check parameters: ASTRI_FUZZ_SEED replays a reported failure (fast-check prints the seed and path). */
export function fuzzParameters<T = unknown>(defaultRuns: number, regressions: T[] = []): fc.Parameters<T> {
  const seed = Number(process.env.ASTRI_FUZZ_SEED);
  return { numRuns: fuzzRuns(defaultRuns), examples: regressions, ...(Number.isInteger(seed) ? { seed } : {}) };
}

/** Every case must end, with a result or an error, within this; a hang fails the case instead of the suite. */
export const CASE_BOUND_MS = 30_000;

export async function withinBound<T>(work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not end within ${CASE_BOUND_MS} ms`)), CASE_BOUND_MS);
  });
  try {
    return await Promise.race([work, bound]);
  } finally {
    clearTimeout(timer);
  }
}

export type Mutation =
  | { kind: 'set'; at: number; value: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; bytes: number[] }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'fill'; at: number; length: number; value: number };

/** Mutations of a file of `size` bytes, biased towards its first `headBytes` (headers, tables, configs). */
export function mutations(size: number, headBytes = 4096): fc.Arbitrary<Mutation[]> {
  const at = fc.oneof(fc.nat({ max: Math.min(size, headBytes) - 1 }), fc.nat({ max: size - 1 }));
  const byte = fc.integer({ min: 0, max: 255 });
  const mutation: fc.Arbitrary<Mutation> = fc.oneof(
    { weight: 5, arbitrary: fc.record({ kind: fc.constant('set' as const), at, value: byte }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('insert' as const), at, bytes: fc.array(byte, { minLength: 1, maxLength: 32 }) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), at, length: fc.integer({ min: 1, max: 256 }) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('fill' as const), at, length: fc.integer({ min: 1, max: 64 }), value: fc.constantFrom(0, 0xff, 0x7f, 0x80) }) },
  );
  return fc.array(mutation, { minLength: 1, maxLength: 6 });
}

export function mutate(original: Uint8Array, steps: readonly Mutation[]): Uint8Array {
  let bytes = Uint8Array.from(original);
  for (const step of steps) {
    const at = Math.min(step.at, bytes.length);
    if (step.kind === 'set') {
      if (at < bytes.length) bytes[at] = step.value;
    } else if (step.kind === 'truncate') {
      bytes = bytes.slice(0, at);
    } else if (step.kind === 'insert') {
      bytes = Uint8Array.from([...bytes.subarray(0, at), ...step.bytes, ...bytes.subarray(at)]);
    } else if (step.kind === 'delete') {
      bytes = Uint8Array.from([...bytes.subarray(0, at), ...bytes.subarray(at + step.length)]);
    } else {
      bytes.fill(step.value, at, Math.min(bytes.length, at + step.length));
    }
  }
  return bytes;
}
