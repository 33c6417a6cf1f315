// Puts files in or out of the operating system's page cache, so that "cold" means the images come from the disk.
// Eviction uses posix_fadvise(POSIX_FADV_DONTNEED) through Python (Node has no binding for it): it works without
// root, on clean pages, for this guest's cache only (a VM host may still cache the disk image).
import { openSync, readSync, closeSync } from 'node:fs';
import { runToEnd } from './processes.ts';

const EVICT_SCRIPT = `
import os, sys
failed = 0
for line in sys.stdin:
    name = line.rstrip("\\n")
    if not name:
        continue
    try:
        fd = os.open(name, os.O_RDONLY)
        try:
            os.fsync(fd)
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)
    except OSError:
        failed += 1
print(failed)
`;

export interface EvictResult {
  files: number;
  failed: number;
  /** Bytes of the files still resident after eviction (from fincore), null if fincore is unavailable. */
  residentBytes: number | null;
}

export async function evictFromPageCache(python: string, files: readonly string[]): Promise<EvictResult> {
  const out = await runToEnd('page-cache eviction', python, ['-c', EVICT_SCRIPT], { input: files.join('\n') + '\n' });
  return { files: files.length, failed: Number(out.trim()) || 0, residentBytes: await residentBytes(files) };
}

/** Reads every file once so that it sits in the page cache. */
export function readIntoPageCache(files: readonly string[]): void {
  const buffer = Buffer.allocUnsafe(1 << 16);
  for (const file of files) {
    const fd = openSync(file, 'r');
    try {
      while (readSync(fd, buffer, 0, buffer.length, null) > 0) {
        // reading is the point
      }
    } finally {
      closeSync(fd);
    }
  }
}

/** Resident bytes of the files according to fincore(1) (util-linux); null when it is not installed. */
export async function residentBytes(files: readonly string[]): Promise<number | null> {
  let total = 0;
  try {
    for (let start = 0; start < files.length; start += 1000) {
      const out = await runToEnd('fincore', 'fincore', ['--bytes', '--noheadings', '--output', 'RES', ...files.slice(start, start + 1000)]);
      for (const line of out.split('\n')) if (line.trim()) total += Number(line.trim()) || 0;
    }
  } catch {
    return null;
  }
  return total;
}
