// The 4-class demo as a registered dataset: written in the upload layout (class folders and manifest.csv),
// then registered through the same folder ingest users run, so the demo exercises the general path.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../../config.ts';
import type { Db } from '../db.ts';
import { ingestDataset } from '../ingest.ts';
import { convertToPixelStore } from '../pixel-store-conversion.ts';
import { CAMERA_HEIGHT, CAMERA_WIDTH } from './camera.ts';
import { MULTICLASS_MANIFEST_FILE, writeMulticlassDemo } from './multiclass.ts';

export const MULTICLASS_DEMO_DATASET_NAME = 'demo-4class';

export interface EnsureMulticlassResult {
  generated: boolean;
  reason: string;
}

/**
 * Writes and registers the 4-class demo unless it is registered with its files, or turned off. With `pixelStoreDir`
 * (the serving process only: the store's index lives there) its images are decoded into the pixel store too.
 */
export async function ensureMulticlassDemo(config: Config, db: Db, onProgress: (line: string) => void = () => {}, options: { pixelStoreDir?: string } = {}): Promise<EnsureMulticlassResult> {
  const eventsPerClass = config.demo.multiclassEventsPerClass;
  if (!config.demo.autoGenerate || eventsPerClass === 0) return { generated: false, reason: 'turned off (demo.autoGenerate, demo.multiclassEventsPerClass)' };
  const existing = await db.dataset.findUnique({ where: { name: MULTICLASS_DEMO_DATASET_NAME } });
  if (existing && existsSync(path.join(existing.rootDir, MULTICLASS_MANIFEST_FILE))) return { generated: false, reason: 'already registered' };
  const outDir = path.join(config.data.dir, 'demo-multiclass');
  const written = await writeMulticlassDemo(outDir, { seed: config.demo.seed, eventsPerClass, edgesTeV: config.energyBins.edgesTeV });
  onProgress(`wrote ${written.events} 4-class demo images in ${(written.elapsedMs / 1000).toFixed(1)} s`);
  const report = await ingestDataset(db, {
    classFolders: written.classes.map((label) => ({ label, dir: path.join(outDir, label) })),
    manifest: written.manifestFile,
    dataset: MULTICLASS_DEMO_DATASET_NAME,
    energyEdgesTeV: [...config.energyBins.edgesTeV],
    source: 'demo',
    prune: true,
  });
  if (report.rejected.length > 0) throw new Error(`the 4-class demo has ${report.rejected.length} unusable images, e.g. ${report.rejected[0].reason}`);
  if (options.pixelStoreDir && report.datasetId !== null) {
    await convertToPixelStore(db, options.pixelStoreDir, [[CAMERA_HEIGHT, CAMERA_WIDTH, 1]], { datasetIds: [report.datasetId] });
  }
  return { generated: true, reason: existing ? 'its files were missing' : 'it was not registered' };
}
