// Decoded images, packed: one uint8 file per image shape, with a parallel index of event ids.
// Each image is decoded from its PNG once (on first use) and read back as raw pixels afterwards,
// so no PNG is decoded on the hot path of a repeated run.
//
// Layout under the store directory, for shape HxWxC:
//   pixels-HxWxC.u8    slot k holds H*W*C bytes of image k
//   pixels-HxWxC.ids   slot k holds the event id (int32, little-endian) of image k
// Pixels are written before their id, so after a crash the index never points past the data.
import { mkdirSync, openSync, closeSync, fstatSync, readSync, writeSync, existsSync, ftruncateSync } from 'node:fs';
import path from 'node:path';

export type ImageShape = readonly [height: number, width: number, channels: number];

export class PixelStore {
  private readonly slots = new Map<number, number>();
  private readonly dataFd: number;
  private readonly idsFd: number;
  private readonly imageBytes: number;
  private count = 0;

  private constructor(dir: string, shape: ImageShape) {
    mkdirSync(dir, { recursive: true });
    const base = path.join(dir, `pixels-${shape.join('x')}`);
    this.imageBytes = shape[0] * shape[1] * shape[2];
    this.dataFd = openSync(`${base}.u8`, existsSync(`${base}.u8`) ? 'r+' : 'w+');
    this.idsFd = openSync(`${base}.ids`, existsSync(`${base}.ids`) ? 'r+' : 'w+');
    this.loadIndex();
  }

  private static readonly open = new Map<string, PixelStore>();

  /** One store per directory and shape per process (writes are appends through one descriptor). */
  static for(dir: string, shape: ImageShape): PixelStore {
    const key = `${path.resolve(dir)}|${shape.join('x')}`;
    let store = PixelStore.open.get(key);
    if (!store) {
      store = new PixelStore(dir, shape);
      PixelStore.open.set(key, store);
    }
    return store;
  }

  static closeAll(): void {
    for (const store of PixelStore.open.values()) store.close();
    PixelStore.open.clear();
  }

  get size(): number {
    return this.count;
  }

  has(eventId: number): boolean {
    return this.slots.has(eventId);
  }

  /** Copies the stored pixels of `eventId` into `target` at `offset`; false if not stored. */
  readInto(eventId: number, target: Uint8Array, offset: number): boolean {
    const slot = this.slots.get(eventId);
    if (slot === undefined) return false;
    const read = readSync(this.dataFd, target, offset, this.imageBytes, slot * this.imageBytes);
    return read === this.imageBytes;
  }

  /** Appends images (H*W*C bytes each) with two writes in all; an event already stored is skipped. */
  writeMany(images: ReadonlyArray<{ eventId: number; pixels: Uint8Array }>): void {
    const seen = new Set<number>();
    const fresh = images.filter((image) => !this.slots.has(image.eventId) && !seen.has(image.eventId) && seen.add(image.eventId));
    if (fresh.length === 0) return;
    const data = Buffer.allocUnsafe(fresh.length * this.imageBytes);
    const ids = Buffer.allocUnsafe(fresh.length * 4);
    fresh.forEach((image, k) => {
      if (image.pixels.length !== this.imageBytes) {
        throw new Error(`pixel store: image of event ${image.eventId} has ${image.pixels.length} bytes, expected ${this.imageBytes}`);
      }
      data.set(image.pixels, k * this.imageBytes);
      ids.writeInt32LE(image.eventId, k * 4);
    });
    const first = this.count;
    // Pixels first, then ids: a slot counts once both are complete (loadIndex), so a failed write (a full disk)
    // leaves the store as it was, and the next append overwrites the torn tail.
    writeFullySync(this.dataFd, data, first * this.imageBytes);
    writeFullySync(this.idsFd, ids, first * 4);
    fresh.forEach((image, k) => this.slots.set(image.eventId, first + k));
    this.count += fresh.length;
  }

  close(): void {
    closeSync(this.dataFd);
    closeSync(this.idsFd);
  }

  private loadIndex(): void {
    const idsBytes = fstatSync(this.idsFd).size;
    const dataBytes = fstatSync(this.dataFd).size;
    // Keep only slots whose pixels are complete; drop a torn tail from an interrupted write.
    const count = Math.min(Math.floor(idsBytes / 4), Math.floor(dataBytes / this.imageBytes));
    const ids = Buffer.alloc(count * 4);
    if (count > 0) readSync(this.idsFd, ids, 0, ids.length, 0);
    for (let slot = 0; slot < count; slot++) this.slots.set(ids.readInt32LE(slot * 4), slot);
    this.count = count;
    if (idsBytes !== count * 4) ftruncateSync(this.idsFd, count * 4);
    if (dataBytes !== count * this.imageBytes) ftruncateSync(this.dataFd, count * this.imageBytes);
  }
}

/** writeSync until every byte is written: a short write (the disk filling up) ends in the error of the next one. */
function writeFullySync(fd: number, bytes: Buffer, position: number): void {
  for (let written = 0; written < bytes.length; ) written += writeSync(fd, bytes, written, bytes.length - written, position + written);
}
