// Waits until a server process has finished its background work (storing the previous run, writing the prediction
// cache, ONNX Runtime's pool threads spinning down), so that a timed request starts "with nothing else running"
// rather than behind what the request before it left to do. CPU time comes from /proc/PID/task/*/schedstat
// (nanoseconds on the CPU, every thread of the process), far finer than the 10 ms ticks of /proc/PID/stat.
import { readdirSync, readFileSync } from 'node:fs';

export interface IdleWait {
  /** How long the wait took. */
  waitedMs: number;
  /** False when the process was still busy at `maxMs` (or /proc is not readable): the request ran anyway. */
  idle: boolean;
}

/** CPU time of every thread of `pid`, in ms; null without /proc. */
function cpuMs(pid: number): number | null {
  try {
    let total = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        total += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
      } catch {
        // The thread ended between the listing and the read.
      }
    }
    return total;
  } catch {
    return null;
  }
}

/**
 * Resolves once `pid` has used at most `busyShare` of one core over a whole `windowMs` (default: 2 % over
 * 100 ms, i.e. timers and sockets only), or after `maxMs`.
 */
export async function waitForIdleProcess(pid: number, options: { windowMs?: number; busyShare?: number; maxMs?: number } = {}): Promise<IdleWait> {
  const { windowMs = 100, busyShare = 0.02, maxMs = 5000 } = options;
  const started = performance.now();
  let before = cpuMs(pid);
  if (before === null) return { waitedMs: 0, idle: false };
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    const now = cpuMs(pid);
    const waitedMs = performance.now() - started;
    if (now === null) return { waitedMs, idle: false };
    if (now - before <= busyShare * windowMs) return { waitedMs, idle: true };
    if (waitedMs >= maxMs) return { waitedMs, idle: false };
    before = now;
  }
}
