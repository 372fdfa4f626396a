// Fails when a committed, generated file no longer matches the code it comes from:
//   schema/schema.graphql      from the type-graphql resolvers   (npm run schema:emit)
//   test/generated/graphql.ts  from the schema and test/operations (npm run codegen)
//   migrations/                from the drizzle tables           (npm run db:generate)
// Expects dist/ to be built (npm run build:ts).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate, loadCodegenConfig } from '@graphql-codegen/cli';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const problems = [];

const schema = execFileSync(process.execPath, [path.join(root, 'dist/cli.js'), 'schema', 'print'], { cwd: root, encoding: 'utf8' });
if (schema !== readFileSync(path.join(root, 'schema/schema.graphql'), 'utf8')) {
  problems.push('schema/schema.graphql is stale: run `npm run schema:emit` and commit it');
}

const { config } = await loadCodegenConfig({ configFilePath: path.join(root, 'codegen.yml') });
const outputs = await generate({ ...config, cwd: root, silent: true }, false);
for (const output of outputs) {
  const committed = readFileSync(path.resolve(root, output.filename), 'utf8');
  if (committed !== output.content) problems.push(`${output.filename} is stale: run \`npm run codegen\` and commit it`);
}

const before = execFileSync('git', ['status', '--porcelain', '--', 'migrations'], { cwd: root, encoding: 'utf8' });
execFileSync(process.execPath, [path.join(root, 'node_modules/drizzle-kit/bin.cjs'), 'generate'], { cwd: root, stdio: 'pipe' });
const after = execFileSync('git', ['status', '--porcelain', '--', 'migrations'], { cwd: root, encoding: 'utf8' });
if (before !== after) problems.push('migrations/ does not match the drizzle tables: review and commit the migration just generated');

if (problems.length) {
  console.error(problems.map((p) => `✗ ${p}`).join('\n'));
  process.exit(1);
}
console.log('generated files are current: schema, typed operations, migrations');
