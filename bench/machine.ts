// Facts about the machine and the working tree a benchmark ran on (shared by bench/run.ts and bench/models.ts).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../server/config.ts';
import type { BenchResults } from './results.ts';

export function gitCommit(): string | null {
  try {
    // git itself first: in a worktree .git is a file, not a folder.
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: PROJECT_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().slice(0, 12);
  } catch {
    // no git on PATH: read .git below
  }
  try {
    const head = readFileSync(path.join(PROJECT_ROOT, '.git', 'HEAD'), 'utf8').trim();
    if (!head.startsWith('ref: ')) return head.slice(0, 12);
    const ref = head.slice(5);
    const loose = path.join(PROJECT_ROOT, '.git', ref);
    if (existsSync(loose)) return readFileSync(loose, 'utf8').trim().slice(0, 12);
    const packed = readFileSync(path.join(PROJECT_ROOT, '.git', 'packed-refs'), 'utf8').split('\n').find((line) => line.endsWith(` ${ref}`));
    return packed ? packed.slice(0, 12) : null;
  } catch {
    return null;
  }
}

export function machineFacts(): BenchResults['machine'] {
  let cpuModel = os.cpus()[0]?.model ?? 'unknown CPU';
  try {
    const match = readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.+)$/m);
    if (match) cpuModel = match[1].trim();
  } catch {
    // not Linux: os.cpus() is what there is
  }
  return {
    cpuModel,
    cores: os.availableParallelism(),
    memoryGiB: os.totalmem() / 2 ** 30,
    kernel: os.release(),
    node: process.version,
    loadBefore: os.loadavg(),
    loadAfter: null,
    busyProcesses: [],
  };
}

/** Other processes using at least 10 % of a CPU over one second (the machine is shared); not this bench's own. */
export async function busyProcesses(): Promise<string[]> {
  const ticks = () => {
    const byPid = new Map<number, { ticks: number; name: string }>();
    for (const entry of readdirSafe('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        const close = stat.lastIndexOf(')');
        const fields = stat.slice(close + 2).split(' ');
        const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
        byPid.set(Number(entry), { ticks: Number(fields[11]) + Number(fields[12]), name: cmdline || stat.slice(stat.indexOf('(') + 1, close) });
      } catch {
        // the process ended meanwhile
      }
    }
    return byPid;
  };
  const before = ticks();
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const after = ticks();
  const ticksPerSecond = 100; // USER_HZ on Linux
  const busy: Array<{ percent: number; name: string }> = [];
  for (const [pid, now] of after) {
    const then = before.get(pid);
    if (!then || pid === process.pid || pid === process.ppid) continue;
    const percent = ((now.ticks - then.ticks) * 100) / ticksPerSecond;
    if (percent >= 10) busy.push({ percent, name: now.name.slice(0, 70) });
  }
  return busy.sort((a, b) => b.percent - a.percent).slice(0, 5).map((p) => `${p.name} (${p.percent.toFixed(0)} % CPU)`);
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
