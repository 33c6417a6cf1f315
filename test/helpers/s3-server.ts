// A real S3 server on a loopback port (s3rver in a child process that can be killed and restarted on the
// same folder and port), the SDK client the tests use to fill it, and the environment that points the
// service at it the standard AWS way.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { temporaryDir } from './temp-dir.ts';

const MAIN = fileURLToPath(new URL('./s3rver-main.mjs', import.meta.url));

/** s3rver's one account. */
export const S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

export interface S3TestServer {
  endpoint: string;
  port: number;
  dir: string;
  client: S3Client;
  /** AWS_* variables that reach this server, and only those. */
  env: Record<string, string>;
  createBucket(bucket: string): Promise<void>;
  /** Puts every file under `localDir` at `prefix/<relative path>`; returns how many. */
  putFolder(bucket: string, prefix: string, localDir: string): Promise<number>;
  put(bucket: string, key: string, body: Buffer | string): Promise<void>;
  /** SIGKILLs the server process (the folder stays). */
  kill(): Promise<void>;
  /** Starts it again on the same folder and port. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export async function startS3Server(dir = temporaryDir('astri-s3-')): Promise<S3TestServer> {
  let child: ChildProcess;
  let port = 0;
  const launch = async (): Promise<void> => {
    child = spawn(process.execPath, ['--openssl-legacy-provider', MAIN, dir, String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
    port = await new Promise<number>((resolve, reject) => {
      let out = '';
      let err = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /listening (\d+)/.exec(out);
        if (match) resolve(Number(match[1]));
      });
      child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
      child.once('exit', (code) => reject(new Error(`s3rver exited (${code}): ${err}`)));
    });
  };
  await launch();
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: S3_CREDENTIALS });
  const put = async (bucket: string, key: string, body: Buffer | string): Promise<void> => {
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  };
  const exited = (): Promise<void> => new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
  return {
    endpoint,
    port,
    dir,
    client,
    env: { AWS_ENDPOINT_URL: endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: S3_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: S3_CREDENTIALS.secretAccessKey },
    createBucket: async (bucket) => {
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
    },
    put,
    putFolder: async (bucket, prefix, localDir) => {
      const files = filesUnder(localDir);
      for (let i = 0; i < files.length; i += 16) {
        await Promise.all(files.slice(i, i + 16).map((file) => put(bucket, `${prefix.replace(/\/$/, '')}/${path.relative(localDir, file).split(path.sep).join('/')}`, readFileSync(file))));
      }
      return files.length;
    },
    kill: async () => {
      child.kill('SIGKILL');
      await exited();
    },
    restart: launch,
    stop: async () => {
      client.destroy();
      child.kill('SIGTERM');
      await exited();
    },
  };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => path.join(dir, name))
    .filter((file) => statSync(file).isFile())
    .sort();
}
