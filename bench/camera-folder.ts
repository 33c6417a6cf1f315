// A folder of N demo-camera PNGs (56x56 gray) in two class folders, gamma/ and proton/, for the ingest benches.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { encode } from 'fast-png';
import { generateBatch } from '../server/data/demo/index.ts';

export function writeCameraFolder(dir: string, count: number): void {
  for (const label of ['gamma', 'proton']) mkdirSync(path.join(dir, label), { recursive: true });
  for (let first = 0; first < count; first += 500) {
    const n = Math.min(500, count - first);
    const batch = generateBatch({ seed: 1000 + first, count: n, minTeV: 1, maxTeV: 100 });
    for (let k = 0; k < n; k++) {
      const png = encode({ width: 56, height: 56, channels: 1, depth: 8, data: batch.pixels.subarray(k * 3136, (k + 1) * 3136) });
      writeFileSync(path.join(dir, (first + k) % 2 === 0 ? 'gamma' : 'proton', `${String(first + k).padStart(6, '0')}.png`), png);
    }
  }
}
