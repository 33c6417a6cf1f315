// The S3 API as this service uses it (list, get, put, head), through the AWS SDK, on AWS S3 or any
// S3-compatible store (MinIO, Ceph RGW). Configuration follows the AWS conventions: the endpoint from
// config or AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL, the region from config or AWS_REGION, credentials from
// the SDK's default chain (environment, shared profile files, web identity, container and instance roles).
// Every call is retried here, body included, on 5xx, throttling, resets and timeouts; the SDK's own
// retries are off so that one policy applies everywhere.
import type { Readable } from 'node:stream';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { ObjectStoreError, type ObjectStoreProblem } from './errors.ts';
import { asPrefix, formatObjectUrl, type ObjectLocation } from './object-url.ts';
import { DEFAULT_RETRY, withRetry, type RetryPolicy } from './retry.ts';

export interface ObjectStoreSettings {
  /** S3-compatible endpoint (MinIO: http://host:9000); null: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, else AWS S3. */
  endpoint: string | null;
  /** null: AWS_REGION / AWS_DEFAULT_REGION / the profile's region; us-east-1 for a custom endpoint without one. */
  region: string | null;
  /** Path-style addressing (http://host/bucket/key); null: on for a custom endpoint (MinIO, Ceph), off for AWS. */
  forcePathStyle: boolean | null;
  /** Attempts per request, the first included. */
  maxAttempts: number;
  /** A request (or a pause inside its body) that takes longer is abandoned and retried. */
  requestTimeoutMs: number;
  /** Keys per ListObjectsV2 page; S3's maximum (1000) unless a test wants many pages. */
  listPageSize?: number;
}

export interface ObjectInfo {
  key: string;
  size: number;
  /** The store's version tag of the content (quoted MD5 for simple uploads): a changed object has a new one. */
  etag: string;
}

/** What a GET or PUT counts, for progress and benchmarks. */
export interface TransferCounters {
  requests: number;
  retries: number;
  bytesRead: number;
}

const TRANSIENT_NAMES = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestTimeout',
  'RequestTimeoutException',
  'InternalError',
  'ServiceUnavailable',
  'TimeoutError',
  'AbortError',
]);
const TRANSIENT_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_SOCKET']);

export class ObjectStore {
  readonly counters: TransferCounters = { requests: 0, retries: 0, bytesRead: 0 };
  private readonly client: S3Client;
  private readonly retry: RetryPolicy;
  private readonly listPageSize: number;
  /** Where requests go, for messages: the endpoint, or "AWS S3". */
  readonly endpointLabel: string;

  constructor(settings: ObjectStoreSettings, env: NodeJS.ProcessEnv = process.env) {
    // The pinned SDK runs on Node 20; its notice about releases after January 2027 is in the README, not on every start.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    const endpoint = settings.endpoint ?? nonEmpty(env.AWS_ENDPOINT_URL_S3) ?? nonEmpty(env.AWS_ENDPOINT_URL);
    const region = settings.region ?? nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION) ?? (endpoint ? 'us-east-1' : undefined);
    this.endpointLabel = endpoint ?? 'AWS S3';
    this.retry = { ...DEFAULT_RETRY, maxAttempts: settings.maxAttempts };
    this.listPageSize = settings.listPageSize ?? 1000;
    this.client = new S3Client({
      ...(endpoint ? { endpoint } : {}),
      ...(region ? { region } : {}),
      forcePathStyle: settings.forcePathStyle ?? Boolean(endpoint),
      maxAttempts: 1,
      requestHandler: { requestTimeout: settings.requestTimeoutMs, connectionTimeout: Math.min(settings.requestTimeoutMs, 10_000) },
    });
  }

  /** Fails with a clear ObjectStoreError when the bucket cannot be reached, does not exist or refuses these credentials. */
  async checkBucket(bucket: string, signal?: AbortSignal): Promise<void> {
    // A one-key listing rather than HeadBucket: a HEAD answer has no body, so it cannot say which refusal it is.
    await this.call({ bucket, key: '' }, 'bucket', () => this.client.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 1 }), { abortSignal: signal }), signal);
  }

  /** Every object under a prefix, page by page (ListObjectsV2), in the store's key order. */
  async *list(location: ObjectLocation, signal?: AbortSignal): AsyncGenerator<ObjectInfo> {
    const prefix = asPrefix(location.key);
    let token: string | undefined;
    do {
      const page = await this.call(
        { bucket: location.bucket, key: prefix },
        'bucket',
        () => this.client.send(new ListObjectsV2Command({ Bucket: location.bucket, Prefix: prefix, ContinuationToken: token, MaxKeys: this.listPageSize }), { abortSignal: signal }),
        signal,
      );
      for (const item of page.Contents ?? []) {
        if (item.Key !== undefined) yield { key: item.Key, size: item.Size ?? 0, etag: item.ETag ?? '' };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  /** An object's bytes, read whole (images, manifests, model files); the body's read is retried with the request. */
  async get(location: ObjectLocation, signal?: AbortSignal): Promise<Buffer> {
    return this.call(
      location,
      'object',
      async () => {
        const response = await this.client.send(new GetObjectCommand({ Bucket: location.bucket, Key: location.key }), { abortSignal: signal });
        if (!response.Body) return Buffer.alloc(0);
        const bytes = Buffer.from(await response.Body.transformToByteArray());
        if (response.ContentLength !== undefined && bytes.length !== response.ContentLength) {
          throw Object.assign(new Error(`short body: ${bytes.length} of ${response.ContentLength} bytes`), { code: 'ECONNRESET' });
        }
        this.counters.bytesRead += bytes.length;
        return bytes;
      },
      signal,
    );
  }

  /** The object's bytes, or null when it does not exist. */
  async getIfExists(location: ObjectLocation, signal?: AbortSignal): Promise<Buffer | null> {
    try {
      return await this.get(location, signal);
    } catch (error) {
      if (error instanceof ObjectStoreError && error.problem === 'no-object') return null;
      throw error;
    }
  }

  /** Size and tag of an object, or null when it does not exist. */
  async head(location: ObjectLocation, signal?: AbortSignal): Promise<ObjectInfo | null> {
    try {
      const response = await this.call(location, 'object', () => this.client.send(new HeadObjectCommand({ Bucket: location.bucket, Key: location.key }), { abortSignal: signal }), signal);
      return { key: location.key, size: response.ContentLength ?? 0, etag: response.ETag ?? '' };
    } catch (error) {
      if (error instanceof ObjectStoreError && error.problem === 'no-object') return null;
      throw error;
    }
  }

  /** Writes an object; `body` is called again for each attempt (a stream cannot be replayed). */
  async put(location: ObjectLocation, body: () => Buffer | Readable, contentLength: number, signal?: AbortSignal): Promise<void> {
    await this.call(
      location,
      'object',
      () => this.client.send(new PutObjectCommand({ Bucket: location.bucket, Key: location.key, Body: body(), ContentLength: contentLength }), { abortSignal: signal }),
      signal,
    );
  }

  close(): void {
    this.client.destroy();
  }

  private async call<T>(location: ObjectLocation, about: 'bucket' | 'object', request: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    try {
      return await withRetry(
        async (attempt) => {
          this.counters.requests++;
          if (attempt > 1) this.counters.retries++;
          return await request();
        },
        isTransient,
        this.retry,
        signal,
      );
    } catch (error) {
      if (signal?.aborted) throw error;
      throw this.explain(error, location, about);
    }
  }

  private explain(error: unknown, location: ObjectLocation, about: 'bucket' | 'object'): ObjectStoreError {
    const url = about === 'bucket' ? `s3://${location.bucket}` : formatObjectUrl(location);
    const status = error instanceof S3ServiceException ? error.$metadata.httpStatusCode : undefined;
    // The SDK names an error it cannot parse (a HEAD answer has no body) "Unknown": the status says more.
    const given = (error as { name?: string }).name ?? '';
    const name = given === 'Unknown' || given === 'UnknownError' ? (status ? `HTTP ${status}` : '') : given;
    const problem = classify(name, status, about, error);
    const attempts = this.retry.maxAttempts;
    const messages: Record<ObjectStoreProblem, string> = {
      unreachable: `the object store at ${this.endpointLabel} did not answer for ${url} after ${attempts} attempt(s) (${describeNetworkError(error)})`,
      credentials: `the object store at ${this.endpointLabel} refused the credentials (${name || 'no credentials'}): set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE`,
      denied: `access to ${url} is denied (${name || status}) for these credentials`,
      'no-bucket': `the bucket "${location.bucket}" does not exist at ${this.endpointLabel}`,
      'no-object': `${url} does not exist`,
      refused: `the object store refused the request for ${url} (${name || status || 'error'}${status ? `, HTTP ${status}` : ''})`,
    };
    return new ObjectStoreError(messages[problem], problem);
  }
}

function classify(name: string, status: number | undefined, about: 'bucket' | 'object', error: unknown): ObjectStoreProblem {
  if (name === 'NoSuchBucket' || (about === 'bucket' && status === 404)) return 'no-bucket';
  if (name === 'NoSuchKey' || (about === 'object' && status === 404)) return 'no-object';
  if (['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'ExpiredToken', 'InvalidToken', 'CredentialsProviderError', 'TokenProviderError'].includes(name)) return 'credentials';
  if (name === 'AccessDenied' || status === 403) return 'denied';
  if (isTransient(error)) return 'unreachable';
  return 'refused';
}

function isTransient(error: unknown): boolean {
  if (error instanceof S3ServiceException) {
    const status = error.$metadata.httpStatusCode ?? 0;
    return status >= 500 || status === 429 || TRANSIENT_NAMES.has(error.name);
  }
  const { name = '', code = '', message = '' } = error as { name?: string; code?: string; message?: string };
  return TRANSIENT_NAMES.has(name) || TRANSIENT_CODES.has(code) || /socket hang up|aborted|premature close|ECONNRESET|other side closed/i.test(message);
}

function describeNetworkError(error: unknown): string {
  if (error instanceof S3ServiceException) return `HTTP ${error.$metadata.httpStatusCode ?? '?'} ${error.name}`;
  const { name, code, message } = error as { name?: string; code?: string; message?: string };
  return code || name || message || 'no answer';
}

function nonEmpty(value: string | undefined): string | undefined {
  return value && value.trim() !== '' ? value.trim() : undefined;
}

