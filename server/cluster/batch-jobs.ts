// What travels through the queue: one job per inference batch of a run, and what a worker answers. Plain JSON,
// so that a worker of another version can read it; the raw outputs as base64 float32, 4 bytes per value.

/** The BullMQ queue every API replica feeds and every worker takes batches from (keys bull:astri-batches:*). */
export const BATCH_QUEUE = 'astri-batches';

export interface BatchJob {
  runId: string;
  /** Whose turn the batch takes in a worker's engine (fair turns between users and runs). */
  user: string;
  modelId: number;
  /** The model file's content hash: the key of its outputs in the shared prediction cache. */
  modelSha256: string;
  datasetId: number;
  classIndex: number;
  /** The batch's index in its class. */
  index: number;
  inputShape: [number, number, number];
  /** The events whose images the worker reads and infers (those not cached yet). */
  events: Array<{ id: number; file: string }>;
}

export interface BatchJobResult {
  /** Event ids of the images inferred, in order: `outputs` holds outputsPerImage values for each. */
  inferred: number[];
  /** base64 of a little-endian Float32Array. */
  outputs: string;
  outputsPerImage: number;
  /** Images that could not be read, with why. */
  errors: Array<[eventId: number, message: string]>;
  inferenceMs: number;
  worker: string;
  backend: string;
}

/** The job's id: the same batch of the same run is one job, whoever adds it and however often. */
export function batchJobId(job: Pick<BatchJob, 'runId' | 'classIndex' | 'index'>): string {
  return `${job.runId}.${job.classIndex}.${job.index}`;
}

export function encodeOutputs(outputs: Float32Array): string {
  return Buffer.from(outputs.buffer, outputs.byteOffset, outputs.byteLength).toString('base64');
}

export function decodeOutputs(encoded: string): Float32Array {
  const bytes = Buffer.from(encoded, 'base64');
  // A copy into an aligned buffer: a Buffer's offset in its pool need not be a multiple of 4.
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return new Float32Array(copy.buffer);
}
