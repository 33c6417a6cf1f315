// The demo dataset: a toy ASTRI camera simulation, written to files and the database, or generated in memory;
// and the multi-class demo (gamma, proton, electron, muon) written as an upload layout.
export { ensureDemoDataset, writeDemoDataset, demoImagePath, DEMO_DATASET_NAME, MANIFEST_FILE, MANIFEST_COLUMNS } from './dataset.ts';
export { DemoDatasetError } from './errors.ts';
export type { DemoProgress, DemoDatasetOptions, DemoDatasetResult, EnsureDemoOptions, EnsureDemoResult } from './dataset.ts';
export { generateEvent, generateSpeciesEvent, TRIGGER_PIXEL_PE, TRIGGER_PIXELS } from './shower.ts';
export type { DemoEvent, SpeciesEvent } from './shower.ts';
export { generateBatch, generateDatasetEvent, generateSpeciesBatch, generateSpeciesDatasetEvent } from './generate.ts';
export type { DemoBatch, DemoBatchOptions, EnergyRange, SpeciesBatch, SpeciesBatchOptions } from './generate.ts';
export { DEMO_SPECIES, isDemoSpecies } from './species.ts';
export type { DemoSpecies } from './species.ts';
export {
  writeMulticlassDemo,
  multiclassImagePath,
  MULTICLASS_MANIFEST_COLUMNS,
  MULTICLASS_MANIFEST_FILE,
  DEFAULT_MULTICLASS_SEED,
  DEFAULT_EVENTS_PER_CLASS,
  DEFAULT_MULTICLASS_EDGES_TEV,
  MulticlassDemoError,
} from './multiclass.ts';
export type { MulticlassDemoOptions, MulticlassDemoResult } from './multiclass.ts';
export { createRng, hashSeed } from '../../random/rng.ts';
export type { Rng } from '../../random/rng.ts';
export { powerLawEnergyTeV, SPECIES_SPECTRAL_INDEX, SPECTRAL_INDEX } from './spectrum.ts';
export { ACTIVE_PIXEL_MASK, ACTIVE_PIXEL_COUNT, ACTIVE_PIXEL_INDICES, CAMERA_WIDTH, CAMERA_HEIGHT, IMAGE_PIXELS, PIXEL_DEG, isModulePresent } from './camera.ts';
