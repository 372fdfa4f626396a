// Bundles the web console (src/console, React 19) into dist/console/ so the server serves it
// from its own assets at /console, with nothing loaded from a CDN.
//
// Output: a hashed entry JS + CSS, and manifest.json naming them for the HTML page rendered
// by src/modules/console/console.router.ts. The TypeScript is type-checked by
// `npm run typecheck` (src/console/tsconfig.json); esbuild only strips the types.
//
// Usage (from anywhere): node scripts/build-console.mjs
import { readdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = path.join(root, 'dist', 'console');
const entry = path.join(root, 'src', 'console', 'main.tsx');

const started = performance.now();
await rm(outdir, { recursive: true, force: true });
const { metafile } = await build({
  absWorkingDir: root,
  entryPoints: [entry],
  outdir,
  bundle: true,
  minify: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  jsx: 'automatic',
  tsconfig: path.join(root, 'src', 'console', 'tsconfig.json'),
  // Content hashes make every emitted name cache-forever safe (see console.router.ts).
  entryNames: '[name]-[hash]',
  assetNames: '[name]-[hash]',
  define: { 'process.env.NODE_ENV': '"production"' },
  metafile: true,
  logLevel: 'warning',
});

const [script, output] = Object.entries(metafile.outputs).find(([, o]) => o.entryPoint !== undefined && path.resolve(root, o.entryPoint) === entry) ?? [];
if (!script || !output?.cssBundle) throw new Error('esbuild produced no script and stylesheet for the console');
const manifest = { script: path.basename(script), stylesheet: path.basename(output.cssBundle) };
await writeFile(path.join(outdir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);

const files = await readdir(outdir);
const sizes = await Promise.all(files.map(async (file) => (await stat(path.join(outdir, file))).size));
const kilobytes = Math.round(sizes.reduce((sum, size) => sum + size, 0) / 1024);
console.log(`console: ${files.length} files, ${kilobytes} KiB in ${Math.round(performance.now() - started)} ms -> ${path.relative(root, outdir)}/`);
