// What one benchmark run measured; filled by run.ts, rendered by report.ts.
import type { PredictionTiming, ServerInfo } from './astri-server.ts';
import type { BaselineTiming } from './baseline-server.ts';
import type { MemoryPeak } from './memory.ts';
import type { ThreadProfile } from './profile.ts';
import type { RawThroughput } from './raw-model.ts';

export interface Measured<T> {
  result: T;
  memory: MemoryPeak;
  /** Bytes of the requested bin's PNGs still in the page cache after eviction (cold runs only). */
  residentAfterEvictBytes?: number | null;
}

export interface SizeResult {
  eventsPerClass: number;
  /**
   * cold: the first predict after ingest (the server has converted the dataset into its pixel store, the PNGs are
   * evicted); coldFromPng: the first predict on a server that never decoded them (data.convertAtStart off);
   * newEvents: after the warm repeats, runs of the same size on other energy bins, whose events are not cached.
   */
  astri: {
    cold: Measured<PredictionTiming>;
    coldFromPng?: Measured<PredictionTiming>;
    conversionMs?: number;
    warm: Measured<PredictionTiming>[];
    newEvents: Measured<PredictionTiming>[];
    startupMs: number;
  } | null;
  baseline: { cold: Measured<BaselineTiming>; warm: Measured<BaselineTiming>[]; startupMs: number } | null;
}

export interface ConcurrentResult {
  runs: number;
  eventsPerClass: number;
  bins: number[];
  totalMs: number;
  memory: MemoryPeak;
  perRun: PredictionTiming[];
}

/** demo: the demo CNN (I/O-bound here); heavy: the bench's compute-bound CNN; file: a model given by path. */
export type ModelKind = 'demo' | 'heavy' | 'file';

export interface BenchResults {
  /** The --models entry this section measured. */
  modelName: string;
  modelKind: ModelKind;
  startedAt: Date;
  finishedAt: Date | null;
  command: string;
  /** HEAD when the bench ran (uncommitted changes are not recorded). */
  commit: string | null;
  machine: {
    cpuModel: string;
    cores: number;
    memoryGiB: number;
    kernel: string;
    node: string;
    loadBefore: number[];
    loadAfter: number[] | null;
    busyProcesses: string[];
  };
  model: { file: string; sha256: string; standIn: boolean; parameters: number | null; layers: string | null };
  dataset: { inferenceDir: string; events: number; generated: boolean };
  bin: { index: number; minTeV: number; maxTeV: number; gamma: number; proton: number };
  warmRepeats: number;
  baselineVersions: string | null;
  baselineSkipped: string | null;
  server: ServerInfo | null;
  sizes: SizeResult[];
  /** The largest size once more on a restarted server: pixel store kept, prediction cache emptied. */
  reinference: Measured<PredictionTiming> | null;
  concurrent: ConcurrentResult | null;
  raw: RawThroughput[];
  rawBatch: number;
  /** --profile: per thread, over the largest cold run and over one warm repeat of it. */
  profile: { cold: ThreadProfile[]; warm: ThreadProfile[] } | null;
  notes: string[];
}
