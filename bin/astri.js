#!/usr/bin/env node
// The `astri` command. Sources are TypeScript run through tsx, so there is no build step to forget.

// libuv's thread pool (4 threads by default) carries file reads and ONNX Runtime's asynchronous runs alike;
// a larger pool keeps a batch's inference from queueing behind image reads. Set before anything uses it.
process.env.UV_THREADPOOL_SIZE ??= '16';

const { register } = await import('tsx/esm/api');
register();
const { main } = await import('../server/cli/main.ts');
await main(process.argv);
