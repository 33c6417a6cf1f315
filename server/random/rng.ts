// Seeded pseudo-random numbers: xoshiro128** with normal and Poisson variates. Same seed, same stream, on
// every platform (32-bit integer arithmetic only). Pure and shared with client/ (like server/metrics/): it
// imports nothing, so the demo generator, the sample predictions and the browser's demo draw the same streams.

export interface Rng {
  /** Uniform in [0, 1). */
  uniform(): number;
  /** Standard normal variate. */
  normal(): number;
  /** Poisson variate with the given mean (>= 0). */
  poisson(mean: number): number;
  /** Integer in [0, n). */
  int(n: number): number;
}

/** Mixes 32-bit words into one (murmur3-style finalizer); used to derive per-event seeds. */
export function hashSeed(...words: number[]): number {
  let h = 0x9e3779b9;
  for (const word of words) {
    let k = Math.imul(word | 0, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
    // Seeds above 2^32 still count: fold the high part in.
    const high = Math.floor(word / 4294967296) | 0;
    if (high !== 0) h = Math.imul(h ^ high, 0x85ebca6b);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

class Xoshiro128 implements Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spareNormal = 0;
  private hasSpare = false;

  constructor(seed: number) {
    // splitmix32 expands one word into a state that is never all zero.
    let s = seed >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
  }

  private nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  uniform(): number {
    return this.nextU32() / 4294967296;
  }

  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  normal(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spareNormal;
    }
    // Marsaglia's polar method: no trigonometry, two variates per accepted pair.
    let u: number, v: number, s: number;
    do {
      u = 2 * this.uniform() - 1;
      v = 2 * this.uniform() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.spareNormal = v * f;
    this.hasSpare = true;
    return u * f;
  }

  poisson(mean: number): number {
    if (mean <= 0) return 0;
    if (mean < 30) {
      // Knuth's product of uniforms: exact, and cheap for the small means of most pixels.
      const limit = Math.exp(-mean);
      let k = 0;
      let p = this.uniform();
      while (p > limit) {
        k++;
        p *= this.uniform();
      }
      return k;
    }
    // Large means: the normal approximation is far inside the 8-bit quantisation of the image.
    const k = Math.round(mean + Math.sqrt(mean) * this.normal());
    return k < 0 ? 0 : k;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** A new generator; equal seeds give equal streams. */
export function createRng(seed: number): Rng {
  return new Xoshiro128(hashSeed(seed));
}
