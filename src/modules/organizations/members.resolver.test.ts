import { and, eq } from 'drizzle-orm';
import { describe, expect, test } from '../../../test/support/fixtures.js';
import { codes, execute } from '../../../test/support/test-app.js';
import { MemberDocument, MembersDocument, UpdateMemberDocument } from '../../../test/generated/graphql.js';
import { createLocalUser } from '../oauth/index.js';
import { memberships } from './memberships.table.js';

const system = { type: 'system' as const, id: 'test' };
const PASSWORD = 'correct horse battery staple';

describe('members', () => {
  test('list, filter and page the members; change a role; deactivate and reactivate', async ({ app, org, key }) => {
    const db = app.app.services.db;
    await createLocalUser(db, system, { organizationId: org.id, email: 'owner@gc.test', password: PASSWORD, role: 'owner', name: 'Olga Owner' });
    await createLocalUser(db, system, { organizationId: org.id, email: 'pm@gc.test', password: PASSWORD, role: 'member', name: 'Pat Manager' });
    await createLocalUser(db, system, { organizationId: org.id, email: 'viewer@gc.test', password: PASSWORD, role: 'viewer' });

    const all = await execute(app.url, MembersDocument, {}, { key });
    expect(all.data!.members.nodes.map((m) => [m.email, m.role, m.active])).toEqual([
      ['viewer@gc.test', 'VIEWER', true],
      ['pm@gc.test', 'MEMBER', true],
      ['owner@gc.test', 'OWNER', true],
    ]);
    const first = await execute(app.url, MembersDocument, { first: 2 }, { key });
    expect(first.data!.members.pageInfo.hasNextPage).toBe(true);
    const rest = await execute(app.url, MembersDocument, { first: 2, after: first.data!.members.pageInfo.endCursor }, { key });
    expect(rest.data!.members.nodes.map((m) => m.email)).toEqual(['owner@gc.test']);
    expect((await execute(app.url, MembersDocument, { search: 'manager' }, { key })).data!.members.nodes.map((m) => m.email)).toEqual(['pm@gc.test']);

    const pm = all.data!.members.nodes[1]!;
    const promoted = await execute(app.url, UpdateMemberDocument, { id: pm.id, input: { role: 'ADMIN' } }, { key });
    expect(promoted.data!.updateMember).toMatchObject({ email: 'pm@gc.test', role: 'ADMIN', active: true });
    const off = await execute(app.url, UpdateMemberDocument, { id: pm.id, input: { active: false } }, { key });
    expect(off.data!.updateMember).toMatchObject({ role: 'ADMIN', active: false });
    expect((await execute(app.url, MembersDocument, { active: false }, { key })).data!.members.nodes.map((m) => m.email)).toEqual(['pm@gc.test']);
    expect((await execute(app.url, UpdateMemberDocument, { id: pm.id, input: { active: true } }, { key })).data!.updateMember.active).toBe(true);
    expect((await execute(app.url, MemberDocument, { id: pm.id }, { key })).data!.member.role).toBe('ADMIN');
  });

  test('keep an active owner, and leave SCIM members’ activation to the identity provider', async ({ app, org, key }) => {
    const db = app.app.services.db;
    const { userId } = await createLocalUser(db, system, { organizationId: org.id, email: 'only-owner@gc.test', password: PASSWORD, role: 'owner' });
    await createLocalUser(db, system, { organizationId: org.id, email: 'scim@gc.test', password: PASSWORD, role: 'member' });
    const list = (await execute(app.url, MembersDocument, {}, { key })).data!.members.nodes;
    const owner = list.find((m) => m.email === 'only-owner@gc.test')!;
    const scimMember = list.find((m) => m.email === 'scim@gc.test')!;

    expect(codes(await execute(app.url, UpdateMemberDocument, { id: owner.id, input: { role: 'ADMIN' } }, { key }))).toEqual(['CONFLICT']);
    expect(codes(await execute(app.url, UpdateMemberDocument, { id: owner.id, input: { active: false } }, { key }))).toEqual(['CONFLICT']);
    // With a second owner, the first may step down.
    await execute(app.url, UpdateMemberDocument, { id: scimMember.id, input: { role: 'OWNER' } }, { key });
    expect((await execute(app.url, UpdateMemberDocument, { id: owner.id, input: { role: 'ADMIN' } }, { key })).data!.updateMember.role).toBe('ADMIN');
    const [row] = await db.select({ role: memberships.role }).from(memberships).where(and(eq(memberships.organizationId, org.id), eq(memberships.userId, userId)));
    expect(row!.role).toBe('admin');

    await db.update(memberships).set({ scimUserName: 'scim@gc.test' }).where(eq(memberships.id, Number(scimMember.id)));
    const refused = await execute(app.url, UpdateMemberDocument, { id: scimMember.id, input: { active: false } }, { key });
    expect(codes(refused)).toEqual(['CONFLICT']);
    expect(refused.errors![0]!.message).toMatch(/SCIM/);
    expect((await execute(app.url, MemberDocument, { id: scimMember.id }, { key })).data!.member).toMatchObject({ provisionedByScim: true, active: true });
  });

  test('refuse bad input', async ({ app, org, key }) => {
    await createLocalUser(app.app.services.db, system, { organizationId: org.id, email: 'someone@gc.test', password: PASSWORD, role: 'member' });
    const [member] = (await execute(app.url, MembersDocument, {}, { key })).data!.members.nodes;
    expect(codes(await execute(app.url, UpdateMemberDocument, { id: member!.id, input: {} }, { key }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await execute(app.url, UpdateMemberDocument, { id: 'x', input: { role: 'ADMIN' } }, { key }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await execute(app.url, UpdateMemberDocument, { id: '999999', input: { role: 'ADMIN' } }, { key }))).toEqual(['NOT_FOUND']);
    expect((await execute(app.url, MembersDocument, { first: 0 }, { key })).errors).toBeDefined();
  });

  test('require authentication and the members scopes', async ({ app, org }) => {
    await createLocalUser(app.app.services.db, system, { organizationId: org.id, email: 'x@gc.test', password: PASSWORD, role: 'member' });
    expect(codes(await execute(app.url, MembersDocument, {}))).toEqual(['UNAUTHENTICATED']);
    const reader = (await app.createKey(org.id, ['members:read'])).plaintext;
    const [member] = (await execute(app.url, MembersDocument, {}, { key: reader })).data!.members.nodes;
    expect(codes(await execute(app.url, UpdateMemberDocument, { id: member!.id, input: { role: 'ADMIN' } }, { key: reader }))).toEqual(['FORBIDDEN']);
    const orgOnly = (await app.createKey(org.id, ['org:write'])).plaintext;
    expect(codes(await execute(app.url, MembersDocument, {}, { key: orgOnly }))).toEqual(['FORBIDDEN']);
  });

  test('are invisible to other organizations', async ({ app, org, key }) => {
    await createLocalUser(app.app.services.db, system, { organizationId: org.id, email: 'mine@gc.test', password: PASSWORD, role: 'member' });
    const [mine] = (await execute(app.url, MembersDocument, {}, { key })).data!.members.nodes;
    const other = await app.createOrganization();
    const otherKey = (await app.createKey(other.id)).plaintext;
    expect((await execute(app.url, MembersDocument, {}, { key: otherKey })).data!.members.nodes).toEqual([]);
    expect(codes(await execute(app.url, MemberDocument, { id: mine!.id }, { key: otherKey }))).toEqual(['NOT_FOUND']);
    expect(codes(await execute(app.url, UpdateMemberDocument, { id: mine!.id, input: { active: false } }, { key: otherKey }))).toEqual(['NOT_FOUND']);
    expect((await execute(app.url, MemberDocument, { id: mine!.id }, { key })).data!.member.active).toBe(true);
  });
});
