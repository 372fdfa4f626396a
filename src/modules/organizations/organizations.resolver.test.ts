import { describe, expect, test } from '../../../test/support/fixtures.js';
import { codes, execute } from '../../../test/support/test-app.js';
import { CreateProjectDocument, ProjectDocument, ProjectsDocument } from '../../../test/generated/graphql.js';

describe('projects', () => {
  test('createProject and list them, newest first', async ({ app, key }) => {
    const a = await execute(app.url, CreateProjectDocument, { input: { name: 'Riverside Tower', code: 'RT-001' } }, { key });
    const b = await execute(app.url, CreateProjectDocument, { input: { name: 'Harbor Bridge', code: 'HB-7' } }, { key });
    expect(a.data?.createProject).toMatchObject({ name: 'Riverside Tower', code: 'RT-001', status: 'active' });
    const list = await execute(app.url, ProjectsDocument, {}, { key });
    expect(list.data?.projects.nodes.map((p) => p.code)).toEqual(['HB-7', 'RT-001']);
    const one = await execute(app.url, ProjectDocument, { id: b.data!.createProject.id }, { key });
    expect(one.data?.project.name).toBe('Harbor Bridge');
  });

  test('rejects bad and duplicate input', async ({ app, key }) => {
    const bad = await execute(app.url, CreateProjectDocument, { input: { name: 'X', code: 'has spaces' } }, { key });
    expect(codes(bad)).toEqual(['BAD_USER_INPUT']);
    await execute(app.url, CreateProjectDocument, { input: { name: 'One', code: 'DUP' } }, { key });
    const dup = await execute(app.url, CreateProjectDocument, { input: { name: 'Two', code: 'DUP' } }, { key });
    expect(codes(dup)).toEqual(['CONFLICT']);
  });

  test('require authentication and the org scopes', async ({ app, org }) => {
    expect(codes(await execute(app.url, ProjectsDocument, {}))).toEqual(['UNAUTHENTICATED']);
    expect(codes(await execute(app.url, CreateProjectDocument, { input: { name: 'N', code: 'C' } }))).toEqual(['UNAUTHENTICATED']);
    const reader = await app.createKey(org.id, ['org:read']);
    expect((await execute(app.url, ProjectsDocument, {}, { key: reader.plaintext })).errors).toBeUndefined();
    const denied = await execute(app.url, CreateProjectDocument, { input: { name: 'N', code: 'C' } }, { key: reader.plaintext });
    expect(codes(denied)).toEqual(['FORBIDDEN']);
    const keysOnly = await app.createKey(org.id, ['keys:read']);
    expect(codes(await execute(app.url, ProjectsDocument, {}, { key: keysOnly.plaintext }))).toEqual(['FORBIDDEN']);
  });

  test('are invisible to other organizations', async ({ app, key }) => {
    const other = await app.createOrganization();
    const otherKey = await app.createKey(other.id);
    const mine = await execute(app.url, CreateProjectDocument, { input: { name: 'Mine', code: 'MINE-1' } }, { key });
    const theirs = await execute(app.url, ProjectsDocument, {}, { key: otherKey.plaintext });
    expect(theirs.data?.projects.nodes.map((p) => p.code)).not.toContain('MINE-1');
    expect(codes(await execute(app.url, ProjectDocument, { id: mine.data!.createProject.id }, { key: otherKey.plaintext }))).toEqual([
      'NOT_FOUND',
    ]);
    // The same code may exist once per organization.
    const same = await execute(app.url, CreateProjectDocument, { input: { name: 'Theirs', code: 'MINE-1' } }, { key: otherKey.plaintext });
    expect(same.errors).toBeUndefined();
  });
});
