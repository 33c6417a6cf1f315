// Local copies of objects, by bucket, key and version tag: what a failed read of a bucket already fetched
// is not fetched again when it is resumed, and a model in a bucket is downloaded once per version.
// Anything here can be deleted at any time; it is fetched again when needed.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ObjectInfo } from './object-store.ts';

export class ObjectCache {
  constructor(private readonly dir: string) {}

  fileFor(bucket: string, object: Pick<ObjectInfo, 'key' | 'etag'>, extension = ''): string {
    const id = createHash('sha256').update(`${bucket}\n${object.key}\n${object.etag}`).digest('hex');
    return path.join(this.dir, id.slice(0, 2), `${id}${extension}`);
  }

  async read(bucket: string, object: Pick<ObjectInfo, 'key' | 'etag'>): Promise<Buffer | null> {
    if (!object.etag) return null; // without a version tag a copy cannot be told current
    try {
      return await readFile(this.fileFor(bucket, object));
    } catch {
      return null;
    }
  }

  /** Written whole or not at all (a temporary name, then a rename). */
  async write(bucket: string, object: Pick<ObjectInfo, 'key' | 'etag'>, bytes: Uint8Array, extension = ''): Promise<string> {
    const file = this.fileFor(bucket, object, extension);
    await mkdir(path.dirname(file), { recursive: true });
    const partial = `${file}.${process.pid}.partial`;
    await writeFile(partial, bytes);
    await rename(partial, file);
    return file;
  }

  async remove(bucket: string, object: Pick<ObjectInfo, 'key' | 'etag'>): Promise<void> {
    await rm(this.fileFor(bucket, object), { force: true });
  }
}
