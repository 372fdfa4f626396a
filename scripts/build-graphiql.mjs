// Bundles GraphiQL 5 (React + Monaco) into dist/graphiql/ so the API serves its IDE
// from its own assets, with nothing loaded from a CDN.
//
// Output: hashed entry JS + CSS (plus the Monaco codicon font), one hashed file per
// Monaco web worker, and manifest.json naming the entry files for the HTML page
// rendered by src/platform/http/graphiql.ts.
//
// Usage (from anywhere): node scripts/build-graphiql.mjs
import { readdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = path.join(root, 'dist', 'graphiql');
const appEntry = path.join(root, 'src', 'platform', 'http', 'graphiql', 'graphiql-app.js');

// Monaco asks MonacoEnvironment.getWorker() for a worker by label: "json" for the
// JSON editors (variables, headers), "graphql" for the operation editor, anything
// else gets the generic editor worker. Same entry points as graphiql's
// setup-workers/* helpers, which we cannot use: esm.sh loads them from a CDN and
// the vite/webpack variants rely on those bundlers' worker syntax.
const workerEntries = {
  editor: 'monaco-editor/esm/vs/editor/editor.worker.js',
  json: 'monaco-editor/esm/vs/language/json/json.worker.js',
  graphql: 'monaco-graphql/esm/graphql.worker.js',
};

/** @type {import('esbuild').BuildOptions} */
const common = {
  absWorkingDir: root,
  outdir,
  bundle: true,
  minify: true,
  format: 'esm', // the app uses import.meta.url; workers are started with { type: 'module' }
  platform: 'browser',
  target: 'es2022',
  // Content hashes make every emitted name cache-forever safe (see graphiql.ts).
  entryNames: '[name]-[hash]',
  assetNames: '[name]-[hash]',
  loader: { '.ttf': 'file' }, // Monaco's codicon font, referenced from its CSS
  define: { 'process.env.NODE_ENV': '"production"' },
  metafile: true,
  logLevel: 'warning',
};

/**
 * Output file names ({ js, css }) of `entry`, an absolute path or a package path.
 * The metafile names entry points relative to `root`, e.g. node_modules/monaco-editor/….
 */
function outputOf(metafile, entry) {
  for (const [file, output] of Object.entries(metafile.outputs)) {
    const entryPoint = output.entryPoint;
    if (entryPoint === undefined) continue;
    if (path.resolve(root, entryPoint) === entry || entryPoint.endsWith(`node_modules/${entry}`)) {
      return { js: path.basename(file), css: output.cssBundle && path.basename(output.cssBundle) };
    }
  }
  throw new Error(`esbuild produced no output for ${entry}`);
}

const started = performance.now();
await rm(outdir, { recursive: true, force: true });

// Workers first: the app needs their hashed file names, injected through `define`.
const { metafile: workerMeta } = await build({ ...common, entryPoints: Object.values(workerEntries) });
const workerFiles = Object.fromEntries(
  Object.entries(workerEntries).map(([label, entry]) => [label, outputOf(workerMeta, entry).js]),
);

const { metafile: appMeta } = await build({
  ...common,
  entryPoints: [appEntry],
  define: { ...common.define, __GRAPHIQL_WORKER_FILES__: JSON.stringify(workerFiles) },
});
const app = outputOf(appMeta, appEntry);
if (app.css === undefined) throw new Error('esbuild emitted no CSS bundle for the GraphiQL app');
const manifest = { script: app.js, stylesheet: app.css };
await writeFile(path.join(outdir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);

const files = await readdir(outdir);
const sizes = await Promise.all(files.map(async (file) => (await stat(path.join(outdir, file))).size));
const megabytes = (sizes.reduce((sum, size) => sum + size, 0) / 1024 / 1024).toFixed(2);
const elapsed = Math.round(performance.now() - started);
console.log(`graphiql: ${files.length} files, ${megabytes} MiB in ${elapsed} ms -> ${path.relative(root, outdir)}/`);
