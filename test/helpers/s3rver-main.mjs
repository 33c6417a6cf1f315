// A real S3-compatible server (s3rver) as its own process, for tests and benchmarks: `node
// --openssl-legacy-provider s3rver-main.mjs DIR [PORT]` prints "listening PORT" once it answers. The flag is
// s3rver's need: its ListObjectsV2 continuation tokens use DES, which OpenSSL 3 keeps in its legacy provider.
import S3rver from 's3rver';

const [directory, port = '0'] = process.argv.slice(2);
const server = new S3rver({ address: '127.0.0.1', port: Number(port), silent: true, directory });
const { port: listening } = await server.run();
process.stdout.write(`listening ${listening}\n`);
const stop = () => server.close().finally(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
