// Local copies of objects, by bucket, key and version tag: what a failed read of a bucket already fetched
// is not fetched again when it is resumed, and a model in a bucket is downloaded once per version.
// Anything here can be deleted at any time; it is fetched again when needed.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ObjectInfo } from './object-store.ts';

export class ObjectCache {
  private readonly madeDirs = new Set<string>();

  constructor(private readonly dir: string) {}

  fileFor(bucket: string, object: Pick<ObjectInfo, 'key' | 'etag'>, extension = ''): string {
    const id = createHash('sha256').update(`${bucket}\n${object.key}\n${object.etag}`).digest('hex');
    return path.join(this.dir, id.slice(0, 2), `${id}${extension}`);
  }

  /** The cached copy, when there is one of the object's size (a copy cut short by a crash is not one). */
  async read(bucket: string, object: Pick<ObjectInfo, 'key' | 'etag' | 'size'>): Promise<Buffer | null> {
    if (!object.etag) return null; // without a version tag a copy cannot be told current
    try {
      const bytes = await readFile(this.fileFor(bucket, object));
      return bytes.length === object.size ? bytes : null;
    } catch {
      return null;
    }
  }

  /** Written in place: a partial file fails read()'s size check. One write per object on the hot path of a bucket ingest. */
  async write(bucket: string, object: Pick<ObjectInfo, 'key' | 'etag'>, bytes: Uint8Array, extension = ''): Promise<string> {
    const file = this.fileFor(bucket, object, extension);
    const dir = path.dirname(file);
    if (!this.madeDirs.has(dir)) {
      await mkdir(dir, { recursive: true });
      this.madeDirs.add(dir);
    }
    await writeFile(file, bytes);
    return file;
  }

  async remove(bucket: string, object: Pick<ObjectInfo, 'key' | 'etag'>): Promise<void> {
    await rm(this.fileFor(bucket, object), { force: true });
  }
}
