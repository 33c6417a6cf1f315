// Entry of a demo-generator worker thread. The project runs TypeScript through tsx without a build
// step, and a worker does not inherit the parent's loader, so it registers tsx itself.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
