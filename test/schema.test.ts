import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { getMetadataStorage } from 'type-graphql';
import { describe, expect, it } from 'vitest';
import { buildDetachedSchema, printAppSchema } from '../src/schema.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const schema = buildDetachedSchema;

describe('GraphQL schema', () => {
  it('matches the committed schema/schema.graphql (run `npm run schema:emit` after changing the API)', async () => {
    const committed = readFileSync(path.join(ROOT, 'schema/schema.graphql'), 'utf8');
    expect(printAppSchema(await schema())).toBe(committed);
  });

  it('guards every query, mutation and subscription with @Authorized', async () => {
    const built = await schema();
    const storage = getMetadataStorage();
    const guarded = new Set(storage.authorizedFields.map((f) => `${f.target.name}.${f.fieldName}`));
    const roots = [...storage.queries, ...storage.mutations, ...storage.subscriptions];
    const unguarded = roots.filter((r) => !guarded.has(`${r.target.name}.${r.methodName}`)).map((r) => r.schemaName);
    expect(unguarded).toEqual([]);
    // And the schema exposes nothing the metadata does not know of.
    const fields = [built.getQueryType(), built.getMutationType(), built.getSubscriptionType()].flatMap((t) => Object.keys(t?.getFields() ?? {}));
    expect(fields.sort()).toEqual(roots.map((r) => r.schemaName).sort());
  });
});
