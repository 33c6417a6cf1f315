// TEMPORARY: the seeded generator moved to server/random/rng.ts (pure, shared with client/). This re-export
// only keeps server/data/datasets.ts building while the class redesign owns that file; point its import at
// '../random/rng.ts' and delete this file when the redesign lands.
export { createRng, hashSeed, type Rng } from '../../random/rng.ts';
