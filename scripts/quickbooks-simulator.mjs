// The QuickBooks Online simulator (test/simulators/quickbooks) outside vitest: for benchmark scripts
// (`const { startQuickBooksSimulator } = await loadQuickBooksSimulator()`) and by hand:
//
//   node scripts/quickbooks-simulator.mjs --port 4100 --client-id app --client-secret s \
//     --redirect-uri http://localhost:4000/integrations/oauth/callback [--vendors 100] [--rpm 500]
//
// The simulator is TypeScript under test/, which tsc does not compile to dist/; esbuild bundles it
// into a temporary ES module that is imported from there.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Bundles and imports test/simulators/quickbooks/server.ts; returns its exports. */
export async function loadQuickBooksSimulator() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'qbo-sim-'));
  const outfile = path.join(dir, 'quickbooks-simulator.mjs');
  try {
    await build({
      entryPoints: [path.join(ROOT, 'test/simulators/quickbooks/server.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node22',
      outfile,
      logLevel: 'warning',
    });
    return await import(pathToFileURL(outfile).href);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function main() {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      'client-id': { type: 'string', default: 'trestle-dev' },
      'client-secret': { type: 'string', default: 'trestle-dev-secret' },
      'redirect-uri': { type: 'string', multiple: true, default: [] },
      rpm: { type: 'string', default: '500' },
      concurrent: { type: 'string', default: '10' },
      vendors: { type: 'string', default: '0' },
      'webhook-url': { type: 'string' },
      'webhook-verifier': { type: 'string', default: 'trestle-dev-verifier' },
    },
  });
  const { startQuickBooksSimulator } = await loadQuickBooksSimulator();
  const sim = await startQuickBooksSimulator({
    port: Number(values.port),
    requestsPerMinute: Number(values.rpm),
    maxConcurrent: Number(values.concurrent),
    clients: [{ clientId: values['client-id'], clientSecret: values['client-secret'], redirectUris: values['redirect-uri'] }],
    ...(values['webhook-url'] ? { webhook: { url: values['webhook-url'], verifierToken: values['webhook-verifier'] } } : {}),
  });
  const vendors = Number(values.vendors);
  if (vendors > 0) sim.seed(sim.realmId, 'Vendor', Array.from({ length: vendors }, (_, i) => ({ DisplayName: `Vendor ${i + 1}` })));
  console.log(JSON.stringify({ url: sim.url, authorizeUrl: sim.authorizeUrl, tokenUrl: sim.tokenUrl, revokeUrl: sim.revokeUrl, apiBaseUrl: sim.apiBaseUrl, realmId: sim.realmId }, null, 2));
  const stop = () => {
    sim.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
