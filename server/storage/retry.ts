// Retries with exponential backoff and full jitter (the AWS architecture blog's recommendation): a busy or
// briefly absent store is waited for, a permanent refusal is not.

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** The first wait's upper bound; each further wait's bound doubles, up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: Readonly<RetryPolicy> = Object.freeze({ maxAttempts: 6, baseDelayMs: 100, maxDelayMs: 5_000 });

/** Runs `attempt` until it succeeds, a non-transient error is thrown, the attempts run out, or `signal` aborts. */
export async function withRetry<T>(attempt: (attemptNumber: number) => Promise<T>, isTransient: (error: unknown) => boolean, policy: RetryPolicy, signal?: AbortSignal): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (signal?.aborted || n >= policy.maxAttempts || !isTransient(error)) throw error;
      const bound = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (n - 1));
      await sleep(Math.random() * bound, signal);
    }
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
