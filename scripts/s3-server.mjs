// The S3-compatible server of local development and tests: s3rver (the @20minutes fork, a
// maintained continuation of jamhall/s3rver), files under --directory, on 127.0.0.1:--port.
// Started and stopped by scripts/s3-server.sh; its package publishes no runnable bin, so this
// file starts it through its API. Credentials: S3RVER / S3RVER (s3rver's built-in account).
import { parseArgs } from 'node:util';
import S3rver from '@20minutes/s3rver';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '54568' },
    directory: { type: 'string' },
    bucket: { type: 'string', multiple: true, default: [] },
  },
});
if (!values.directory) {
  console.error('usage: s3-server.mjs --directory <path> [--port <n>] [--bucket <name>…]');
  process.exit(2);
}
const server = new S3rver({
  address: '127.0.0.1',
  port: Number(values.port),
  directory: values.directory,
  silent: true,
  // Path-style only (http://127.0.0.1:port/bucket/key): no virtual-host names to resolve.
  vhostBuckets: false,
  configureBuckets: values.bucket.map((name) => ({ name, configs: [] })),
});
const { address, port } = await server.run();
console.log(`s3rver listening on ${address}:${port}`);
const stop = () => void server.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
