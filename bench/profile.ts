// Summarises the V8 CPU profiles a server wrote with --cpu-prof: self time per function, per thread, restricted
// to a measurement window. Profile timestamps are CLOCK_MONOTONIC microseconds, the clock of process.hrtime,
// so the bench's own hrtime marks select the samples of one prediction run.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }>;
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
  /** Non-idle sampled time inside the window. */
  busyMs: number;
  /** Busy time per coarse category (PNG decoding, database, GraphQL and sockets, GC, ...), largest first. */
  categories: ProfileEntry[];
  /** "main" or "worker <tid>". */
  thread: string;
  windowMs: number;
  sampledMs: number;
  /** True when no sample fell inside the window and the whole profile was summarised instead. */
  wholeProfile: boolean;
  /** Largest self times among busy samples; shares are of the busy time. */
  top: ProfileEntry[];
}

/**
 * Coarse buckets for a first look at where a thread spends its time. A sample counts for the first *domain*
 * bucket met walking from the sampled frame up its callers (so fs.writeSync under the pixel store is pixel-store
 * time, JSON.stringify under GraphQL is GraphQL time, Prisma's query-compiler wasm is database time); failing
 * that, for the first *generic* bucket; idle and GC are pseudo-frames and count as themselves.
 */
const CATEGORIES: ReadonlyArray<[name: string, kind: 'pseudo' | 'domain' | 'generic', test: (functionName: string, url: string) => boolean]> = [
  ['idle', 'pseudo', (fn) => fn === '(idle)'],
  ['garbage collection', 'pseudo', (fn) => fn === '(garbage collector)'],
  ['PNG decoding (fast-png, fflate)', 'domain', (_, url) => /fflate|fast-png|iobuffer|\/png\.ts/.test(url)],
  ['pixel store', 'domain', (_, url) => /pixel-store\.ts/.test(url)],
  ['database (Prisma, SQLite, cache rows)', 'domain', (_, url) => /@prisma|better-sqlite3|prisma\/|prediction-cache\.ts/.test(url)],
  ['model (tfjs / onnxruntime)', 'domain', (_, url) => /@tensorflow|tfjs|onnxruntime|batch-runner|onnx-runner|inference-worker/.test(url)],
  ['GraphQL, WebSocket, HTTP', 'domain', (_, url) => /graphql|@envelop|@whatwg-node|graphql-ws|\/ws\/|node:_http|node:net|node:internal\/(streams|stream_base)/.test(url)],
  ['metrics', 'domain', (_, url) => /server\/metrics\//.test(url)],
  ['JSON', 'generic', (fn) => /^JSON|stringify|^parse$/.test(fn)],
  ['file system', 'generic', (_, url) => /node:fs|node:internal\/fs/.test(url)],
  ['prediction pipeline', 'generic', (_, url) => /server\/(predictions|inference|data)\//.test(url)],
];

function categoryOf(functionName: string, url: string): { name: string; kind: 'pseudo' | 'domain' | 'generic' } | null {
  const found = CATEGORIES.find(([, , test]) => test(functionName, url));
  return found ? { name: found[0], kind: found[1] } : null;
}

/** Now on the profiles' clock: process.hrtime in microseconds. */
export function hrtimeUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
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
  const parents = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  const categoryCache = new Map<number, string>();
  const categorise = (id: number): string => {
    const cached = categoryCache.get(id);
    if (cached) return cached;
    const leaf = frames.get(id)!;
    const own = categoryOf(leaf.functionName, leaf.url);
    let category = own?.kind === 'pseudo' ? own.name : null;
    let generic: string | null = null;
    for (let node: number | undefined = id; category === null && node !== undefined; node = parents.get(node)) {
      const frame = frames.get(node)!;
      const candidate = categoryOf(frame.functionName, frame.url);
      if (candidate?.kind === 'domain') category = candidate.name;
      else if (candidate?.kind === 'generic') generic ??= candidate.name;
    }
    category ??= generic ?? 'other';
    categoryCache.set(id, category);
    return category;
  };
  const selfUs = new Map<string, number>();
  const categoryUs = new Map<string, number>();
  let timestamp = profile.startTime;
  let sampledUs = 0;
  const collect = (inWindow: (t: number) => boolean) => {
    selfUs.clear();
    categoryUs.clear();
    sampledUs = 0;
    timestamp = profile.startTime;
    for (let i = 0; i < profile.samples.length; i++) {
      const delta = profile.timeDeltas[i] ?? 0;
      timestamp += delta;
      if (!inWindow(timestamp)) continue;
      const frame = frames.get(profile.samples[i]);
      if (!frame) continue;
      const where = frame.url ? `${shortUrl(frame.url)}${frame.lineNumber > 0 ? `:${frame.lineNumber + 1}` : ''}` : '';
      const key = `${frame.functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
      // A sample's weight is the time until the next one.
      const weight = profile.timeDeltas[i + 1] ?? delta;
      selfUs.set(key, (selfUs.get(key) ?? 0) + weight);
      const category = categorise(profile.samples[i]);
      categoryUs.set(category, (categoryUs.get(category) ?? 0) + weight);
      sampledUs += weight;
    }
  };
  collect((t) => t >= windowUs[0] && t <= windowUs[1]);
  const wholeProfile = sampledUs === 0;
  if (wholeProfile) collect(() => true);
  const busyUs = sampledUs - (categoryUs.get('idle') ?? 0);
  const top = [...selfUs.entries()]
    .filter(([name]) => !name.startsWith('(idle)'))
    .sort((a, b) => b[1] - a[1])
    .slice(0, topN)
    .map(([name, us]) => ({ name, selfMs: us / 1000, share: busyUs ? us / busyUs : 0 }));
  const categories = [...categoryUs.entries()]
    .filter(([name]) => name !== 'idle')
    .sort((a, b) => b[1] - a[1])
    .map(([name, us]) => ({ name, selfMs: us / 1000, share: busyUs ? us / busyUs : 0 }));
  return {
    file,
    busyMs: busyUs / 1000,
    categories,
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
