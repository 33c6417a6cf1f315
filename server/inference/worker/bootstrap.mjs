// Entry point of the inference worker threads. Worker threads do not inherit the TypeScript loader of the main
// thread (bin/astri.js, vitest), so this plain-JS file registers tsx itself, then loads the TypeScript worker.
import { register } from 'tsx/esm/api';

// The big plain-JS dependencies are loaded before tsx's hooks exist: through them, h5wasm's 4 MB module takes
// seconds to load instead of a fraction of one. Later imports of the same modules come from the module cache.
await import('h5wasm/node');
await import('@tensorflow/tfjs');
await import('@tensorflow/tfjs-backend-wasm');

register();
await import('./inference-worker.ts');
