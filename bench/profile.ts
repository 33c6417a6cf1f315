// Summarises the V8 CPU profiles a server wrote with --cpu-prof: self time per function, per thread, restricted
// to a measurement window. Profile timestamps are CLOCK_MONOTONIC microseconds, the clock of process.hrtime,
// so the bench's own hrtime marks select the samples of one prediction run.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileEntry {
  name: string;
  selfMs: number;
  share: number;
}

export interface ThreadProfile {
  file: string;
  /** "main" or "worker <tid>". */
  thread: string;
  windowMs: number;
  sampledMs: number;
  /** True when no sample fell inside the window and the whole profile was summarised instead. */
  wholeProfile: boolean;
  top: ProfileEntry[];
}

/** `windowUs`: [start, end] in process.hrtime microseconds. */
export function summariseProfiles(dir: string, windowUs: [number, number], topN = 12): ThreadProfile[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((name) => name.endsWith('.cpuprofile')).sort();
  } catch {
    return [];
  }
  return files.map((name) => summarise(path.join(dir, name), windowUs, topN));
}

function summarise(file: string, windowUs: [number, number], topN: number): ThreadProfile {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  // CPU.<date>.<time>.<pid>.<tid>.<seq>.cpuprofile; tid 0 is the main thread.
  const tid = path.basename(file).split('.')[4];
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const selfUs = new Map<string, number>();
  let timestamp = profile.startTime;
  let sampledUs = 0;
  const collect = (inWindow: (t: number) => boolean) => {
    selfUs.clear();
    sampledUs = 0;
    timestamp = profile.startTime;
    for (let i = 0; i < profile.samples.length; i++) {
      const delta = profile.timeDeltas[i] ?? 0;
      timestamp += delta;
      if (!inWindow(timestamp)) continue;
      const frame = frames.get(profile.samples[i]);
      if (!frame) continue;
      const where = frame.url ? `${shortUrl(frame.url)}:${frame.lineNumber + 1}` : '';
      const key = `${frame.functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
      // A sample's weight is the time until the next one.
      const weight = profile.timeDeltas[i + 1] ?? delta;
      selfUs.set(key, (selfUs.get(key) ?? 0) + weight);
      sampledUs += weight;
    }
  };
  collect((t) => t >= windowUs[0] && t <= windowUs[1]);
  const wholeProfile = sampledUs === 0;
  if (wholeProfile) collect(() => true);
  const top = [...selfUs.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, topN)
    .map(([name, us]) => ({ name, selfMs: us / 1000, share: sampledUs ? us / sampledUs : 0 }));
  return {
    file,
    thread: tid === '0' || tid === undefined ? 'main' : `worker ${tid}`,
    windowMs: (windowUs[1] - windowUs[0]) / 1000,
    sampledMs: sampledUs / 1000,
    wholeProfile,
    top,
  };
}

function shortUrl(url: string): string {
  const marker = url.lastIndexOf('/node_modules/');
  if (marker >= 0) return url.slice(marker + '/node_modules/'.length);
  const server = url.lastIndexOf('/server/');
  if (server >= 0) return url.slice(server + 1);
  return url.replace(/^file:\/\//, '');
}
