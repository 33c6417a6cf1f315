// The demo dataset: a toy ASTRI camera simulation, written to files and the database, or generated in memory.
export { ensureDemoDataset, writeDemoDataset, demoImagePath, DEMO_DATASET_NAME, MANIFEST_FILE, MANIFEST_COLUMNS } from './dataset.ts';
export { DemoDatasetError } from './errors.ts';
export type { DemoProgress, DemoDatasetOptions, DemoDatasetResult, EnsureDemoOptions, EnsureDemoResult } from './dataset.ts';
export { generateEvent, TRIGGER_PIXEL_PE, TRIGGER_PIXELS } from './shower.ts';
export type { DemoEvent } from './shower.ts';
export { generateBatch, generateDatasetEvent } from './generate.ts';
export type { DemoBatch, DemoBatchOptions, EnergyRange } from './generate.ts';
export { createRng, hashSeed } from '../../random/rng.ts';
export type { Rng } from '../../random/rng.ts';
export { powerLawEnergyTeV, SPECTRAL_INDEX } from './spectrum.ts';
export { ACTIVE_PIXEL_MASK, ACTIVE_PIXEL_COUNT, ACTIVE_PIXEL_INDICES, CAMERA_WIDTH, CAMERA_HEIGHT, IMAGE_PIXELS, PIXEL_DEG, isModulePresent } from './camera.ts';
