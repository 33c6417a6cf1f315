import { appendFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PixelStore } from '../../server/data/pixel-store.ts';
import { temporaryDir } from '../helpers/temp-dir.ts';

const shape = [4, 4, 1] as const;
const image = (value: number) => new Uint8Array(16).fill(value);

describe('pixel store', () => {
  afterEach(() => PixelStore.closeAll());

  it('reads back what it stored, after a reopen, and skips events it already has', () => {
    const dir = temporaryDir('astri-pixels-');
    PixelStore.for(dir, shape).writeMany([
      { eventId: 7, pixels: image(7) },
      { eventId: 9, pixels: image(9) },
      { eventId: 7, pixels: image(99) },
    ]);
    PixelStore.closeAll();
    const store = PixelStore.for(dir, shape);
    store.writeMany([{ eventId: 9, pixels: image(42) }]);
    expect(store.size).toBe(2);
    const target = new Uint8Array(32);
    expect(store.readInto(9, target, 16)).toBe(true);
    expect(store.readInto(7, target, 0)).toBe(true);
    expect([...target]).toEqual([...image(7), ...image(9)]);
    expect(store.readInto(8, target, 0)).toBe(false);
  });

  it('drops a torn tail left by an interrupted write', () => {
    const dir = temporaryDir('astri-pixels-');
    PixelStore.for(dir, shape).writeMany([{ eventId: 1, pixels: image(1) }]);
    PixelStore.closeAll();
    appendFileSync(path.join(dir, 'pixels-4x4x1.u8'), new Uint8Array(10));
    appendFileSync(path.join(dir, 'pixels-4x4x1.ids'), new Uint8Array(4));
    const store = PixelStore.for(dir, shape);
    expect(store.size).toBe(1);
    expect(statSync(path.join(dir, 'pixels-4x4x1.u8')).size).toBe(16);
    store.writeMany([{ eventId: 2, pixels: image(2) }]);
    const target = new Uint8Array(16);
    expect(store.readInto(2, target, 0)).toBe(true);
    expect(target).toEqual(image(2));
  });

  it('refuses an image of the wrong size', () => {
    const store = PixelStore.for(temporaryDir('astri-pixels-'), shape);
    expect(() => store.writeMany([{ eventId: 3, pixels: new Uint8Array(5) }])).toThrow(/event 3 has 5 bytes, expected 16/);
  });
});
