// Peak memory of a server process over a measurement window, two ways: the kernel's high-water mark (VmHWM,
// reset at the start of the window through /proc/PID/clear_refs) and our own sampling of VmRSS.
import { readFileSync, writeFileSync } from 'node:fs';

const SAMPLE_INTERVAL_MS = 20;

export interface MemoryPeak {
  /** VmHWM at the end of the window, in MiB; null when /proc is not readable. */
  vmHwmMiB: number | null;
  /** Whether VmHWM was reset at the start (else it also covers everything before the window). */
  hwmReset: boolean;
  /** Largest VmRSS seen by sampling every 20 ms, in MiB. */
  sampledPeakRssMiB: number | null;
}

function readStatusKiB(pid: number, key: 'VmHWM' | 'VmRSS'): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = status.match(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm'));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

export function currentRssMiB(pid: number): number | null {
  const kiB = readStatusKiB(pid, 'VmRSS');
  return kiB === null ? null : kiB / 1024;
}

/** Starts watching `pids` (summed: the processes of one server); call the returned function to end the window. */
export function watchMemory(pids: readonly number[]): () => MemoryPeak {
  let hwmReset = true;
  for (const pid of pids) {
    try {
      // "5" resets the peak RSS counter (Linux >= 4.0, see proc(5)).
      writeFileSync(`/proc/${pid}/clear_refs`, '5');
    } catch {
      hwmReset = false;
    }
  }
  let peakKiB: number | null = null;
  const sample = () => {
    let total = 0;
    for (const pid of pids) {
      const kiB = readStatusKiB(pid, 'VmRSS');
      if (kiB === null) return;
      total += kiB;
    }
    peakKiB = Math.max(peakKiB ?? 0, total);
  };
  sample();
  const timer = setInterval(sample, SAMPLE_INTERVAL_MS);
  return () => {
    clearInterval(timer);
    sample();
    let hwmKiB: number | null = 0;
    for (const pid of pids) {
      const kiB = readStatusKiB(pid, 'VmHWM');
      hwmKiB = kiB === null || hwmKiB === null ? null : hwmKiB + kiB;
    }
    return { vmHwmMiB: hwmKiB === null ? null : hwmKiB / 1024, hwmReset, sampledPeakRssMiB: peakKiB === null ? null : peakKiB / 1024 };
  };
}
