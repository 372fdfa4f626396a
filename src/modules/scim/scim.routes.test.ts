import { eq } from 'drizzle-orm';
import { appFixtures, describe, expect } from '../../../test/support/fixtures.js';
import { execute, type TestApp } from '../../../test/support/test-app.js';
import { CreateScimTokenDocument, RevokeScimTokenDocument } from '../../../test/generated/graphql.js';
import { activeMembership, memberships, users } from '../organizations/index.js';

/**
 * SCIM 2.0 over HTTP, replaying what Okta and Microsoft Entra ID send (request bodies after
 * Okta's "SCIM 2.0 reference" and the Entra ID SCIM validator), plus errors and isolation.
 */
const test = appFixtures();

interface Reply {
  status: number;
  headers: Headers;
  body: Record<string, unknown> & { Resources?: Array<Record<string, unknown>>; totalResults?: number };
}

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

function scimClient(app: TestApp, token: string | null) {
  const origin = new URL(app.url).origin;
  return async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> => {
    const response = await fetch(`${origin}/scim/v2${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/scim+json; charset=utf-8' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as Reply['body']) : {} };
  };
}

async function tokenFor(app: TestApp, key: string, name = 'Okta'): Promise<{ id: string; token: string }> {
  const res = await execute(app.url, CreateScimTokenDocument, { input: { name } }, { key });
  expect(res.errors).toBeUndefined();
  return { id: res.data!.createScimToken.scimToken.id, token: res.data!.createScimToken.plaintextToken };
}

async function setup(app: TestApp, key: string) {
  const { token } = await tokenFor(app, key);
  return scimClient(app, token);
}

const q = (filter: string) => `filter=${encodeURIComponent(filter)}`;

function expectError(reply: Reply, status: number, scimType?: string) {
  expect(reply.status).toBe(status);
  expect(reply.headers.get('content-type')).toMatch(/^application\/scim\+json/);
  expect(reply.body['schemas']).toEqual(['urn:ietf:params:scim:api:messages:2.0:Error']);
  expect(reply.body['status']).toBe(String(status));
  if (scimType) expect(reply.body['scimType']).toBe(scimType);
  expect(typeof reply.body['detail']).toBe('string');
  expect(JSON.stringify(reply.body)).not.toMatch(/at .*\.ts:\d+|trscim_/);
}

async function membershipRow(app: TestApp, id: string) {
  const [row] = await app.app.services.db.select().from(memberships).where(eq(memberships.id, Number(id)));
  return row;
}

function oktaUser(userName: string, extra: Record<string, unknown> = {}) {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    userName,
    name: { givenName: 'Test', familyName: 'User' },
    emails: [{ primary: true, value: userName, type: 'work' }],
    displayName: 'Test User',
    locale: 'en-US',
    externalId: '00ujl29u0le5T6Aj10h7',
    groups: [],
    password: '1mz050nq',
    active: true,
    ...extra,
  };
}

describe('SCIM discovery', () => {
  test('ServiceProviderConfig, ResourceTypes and Schemas describe the service without a token', async ({ app }) => {
    const anonymous = scimClient(app, null);
    const config = await anonymous('GET', '/ServiceProviderConfig');
    expect(config.status).toBe(200);
    expect(config.headers.get('content-type')).toMatch(/^application\/scim\+json/);
    expect(config.body).toMatchObject({ patch: { supported: true }, filter: { supported: true, maxResults: 200 }, bulk: { supported: false }, etag: { supported: true } });
    const types = await anonymous('GET', '/ResourceTypes');
    expect(types.body.totalResults).toBe(2);
    expect(types.body.Resources?.map((r) => r['endpoint'])).toEqual(['/Users', '/Groups']);
    expect((await anonymous('GET', '/ResourceTypes/User')).body['schemaExtensions']).toEqual([{ schema: ENTERPRISE, required: false }]);
    const schemas = await anonymous('GET', '/Schemas');
    const user = schemas.body.Resources?.find((s) => s['id'] === 'urn:ietf:params:scim:schemas:core:2.0:User');
    expect((user?.['attributes'] as Array<{ name: string }>).map((a) => a.name)).toContain('userName');
    expect((await anonymous('GET', `/Schemas/${ENTERPRISE}`)).status).toBe(200);
    expectError(await anonymous('GET', '/Schemas/urn:nope'), 404);
  });
});

describe('SCIM Users as Okta provisions them', () => {
  test('create → get → filter → update → deactivate (still listed, cannot sign in) → reactivate → delete', async ({ app, key, org }) => {
    const scim = await setup(app, key);
    const userName = 'test.user@okta.local';
    const none = await scim('GET', `/Users?${q(`userName eq "${userName}"`)}&startIndex=1&count=100`);
    expect(none.status).toBe(200);
    expect(none.body).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: 0, startIndex: 1, itemsPerPage: 0, Resources: [] });

    const created = await scim('POST', '/Users', oktaUser(userName));
    expect(created.status).toBe(201);
    expect(created.headers.get('content-type')).toMatch(/^application\/scim\+json/);
    const id = created.body['id'] as string;
    expect(created.headers.get('location')).toBe(`http://localhost:${app.config.PORT}/scim/v2/Users/${id}`);
    expect(created.headers.get('etag')).toMatch(/^W\/"\d+"$/);
    expect(created.body).toMatchObject({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName,
      externalId: '00ujl29u0le5T6Aj10h7',
      name: { givenName: 'Test', familyName: 'User' },
      displayName: 'Test User',
      locale: 'en-US',
      active: true,
      groups: [],
      emails: [{ primary: true, value: userName, type: 'work' }],
      meta: { resourceType: 'User', location: created.headers.get('location'), version: created.headers.get('etag') },
    });
    expect(created.body).not.toHaveProperty('password');
    expect(Date.parse((created.body['meta'] as { created: string }).created)).not.toBeNaN();

    const fetched = await scim('GET', `/Users/${id}`);
    expect(fetched.status).toBe(200);
    expect(fetched.body).toEqual(created.body);

    const found = await scim('GET', `/Users?${q('userName eq "TEST.USER@okta.local"')}&startIndex=1&count=100`);
    expect(found.body.totalResults).toBe(1);
    expect(found.body.Resources?.[0]?.['id']).toBe(id);

    const replaced = await scim('PUT', `/Users/${id}`, { ...oktaUser(userName), id, name: { givenName: 'Another', familyName: 'User' } });
    expect(replaced.status).toBe(200);
    expect(replaced.body['name']).toEqual({ givenName: 'Another', familyName: 'User' });
    expect(replaced.headers.get('etag')).not.toBe(created.headers.get('etag'));

    const row = await membershipRow(app, id);
    expect(await activeMembership(app.app.services.db, row!.userId, org.id)).not.toBeNull();

    const deactivated = await scim('PATCH', `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: false } }] });
    expect(deactivated.status).toBe(200);
    expect(deactivated.body['active']).toBe(false);
    expect(await activeMembership(app.app.services.db, row!.userId, org.id)).toBeNull();
    expect((await scim('GET', `/Users/${id}`)).body['active']).toBe(false);
    const listed = await scim('GET', '/Users?startIndex=1&count=100');
    expect(listed.body.Resources?.find((r) => r['id'] === id)?.['active']).toBe(false);
    expect((await scim('GET', `/Users?${q('active eq false')}`)).body.Resources?.map((r) => r['id'])).toEqual([id]);

    const reactivated = await scim('PATCH', `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: true } }] });
    expect(reactivated.body['active']).toBe(true);
    expect(await activeMembership(app.app.services.db, row!.userId, org.id)).not.toBeNull();

    const deleted = await scim('DELETE', `/Users/${id}`);
    expect(deleted.status).toBe(204);
    expectError(await scim('GET', `/Users/${id}`), 404);
    expect(await membershipRow(app, id)).toBeUndefined();
    // The global user stays: other organizations and the audit trail may still know the person.
    const [user] = await app.app.services.db.select().from(users).where(eq(users.id, row!.userId));
    expect(user?.email).toBe(userName);
  });

  test('a person who is already a member (not through SCIM) is adopted, not duplicated', async ({ app, key, org }) => {
    const scim = await setup(app, key);
    const db = app.app.services.db;
    const [u] = await db.insert(users).values({ email: 'existing@acme.example', name: 'Existing' });
    await db.insert(memberships).values({ organizationId: org.id, userId: u.insertId, role: 'admin' });
    const created = await scim('POST', '/Users', oktaUser('existing@acme.example'));
    expect(created.status).toBe(201);
    const row = await membershipRow(app, created.body['id'] as string);
    expect(row).toMatchObject({ userId: u.insertId, role: 'admin', scimUserName: 'existing@acme.example' });
  });
});

describe('SCIM Users as Entra ID provisions them', () => {
  test('create with the enterprise extension → filters → PATCH dialect → "False" deactivates → delete', async ({ app, key, org }) => {
    const scim = await setup(app, key);
    const body = {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE],
      externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
      userName: 'Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1@contoso.example',
      active: true,
      emails: [{ primary: true, type: 'work', value: 'Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.example' }],
      meta: { resourceType: 'User' },
      name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
      roles: [],
      [ENTERPRISE]: { department: 'Estimating', employeeNumber: '1001' },
    };
    const created = await scim('POST', '/Users', body);
    expect(created.status).toBe(201);
    const id = created.body['id'] as string;
    expect(created.body['schemas']).toEqual(['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE]);
    expect(created.body[ENTERPRISE]).toEqual({ department: 'Estimating', employeeNumber: '1001' });

    for (const filter of [
      `userName eq "${body.userName}"`,
      `externalId eq "${body.externalId}"`,
      `emails[type eq "work"].value eq "${body.emails[0]!.value}"`,
      `userName eq "${body.userName}" and active eq true`,
      `${ENTERPRISE}:department eq "estimating"`,
    ]) {
      const reply = await scim('GET', `/Users?${q(filter)}`);
      expect(reply.body.totalResults, filter).toBe(1);
      expect(reply.body.Resources?.[0]?.['id'], filter).toBe(id);
    }
    expect((await scim('GET', `/Users?${q('externalId eq "0A21F0F2-8D2A-4F8E-BF98-7363C4AED4EF"')}`)).body.totalResults).toBe(0);

    const manager = await scim('POST', '/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'boss@contoso.example' });
    const patched = await scim('PATCH', `/Users/${id}`, {
      schemas: [PATCH_OP],
      Operations: [
        { op: 'Replace', path: 'emails[type eq "work"].value', value: 'updatedEmail@contoso.example' },
        { op: 'Replace', path: 'name.familyName', value: 'updatedFamilyName' },
        { op: 'Add', path: 'title', value: 'Superintendent' },
        { op: 'Add', path: `${ENTERPRISE}:employeeNumber`, value: '2002' },
        { op: 'Add', path: `${ENTERPRISE}:manager`, value: manager.body['id'] },
        { op: 'Add', path: 'phoneNumbers[type eq "mobile"].value', value: '+1 555 0100' },
      ],
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      emails: [{ primary: true, type: 'work', value: 'updatedEmail@contoso.example' }],
      name: { formatted: 'givenName familyName', familyName: 'updatedFamilyName', givenName: 'givenName' },
      title: 'Superintendent',
      phoneNumbers: [{ type: 'mobile', value: '+1 555 0100' }],
      [ENTERPRISE]: { department: 'Estimating', employeeNumber: '2002', manager: { value: manager.body['id'] } },
    });
    // The account's address follows the primary e-mail (this person belongs to no other organization).
    const row = await membershipRow(app, id);
    const [user] = await app.app.services.db.select().from(users).where(eq(users.id, row!.userId));
    expect(user?.email).toBe('updatedEmail@contoso.example');

    const disabled = await scim('PATCH', `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'active', value: 'False' }] });
    expect(disabled.body['active']).toBe(false);
    expect(await activeMembership(app.app.services.db, row!.userId, org.id)).toBeNull();
    expect((await scim('GET', `/Users?${q(`userName eq "${body.userName}"`)}`)).body.Resources?.[0]?.['active']).toBe(false);

    expect((await scim('DELETE', `/Users/${id}`)).status).toBe(204);
    expectError(await scim('DELETE', `/Users/${id}`), 404);
  });

  test("the shapes of Microsoft's SCIM reference requests: capitalized keys, nulls, string booleans, '+' for spaces", async ({ app, key }) => {
    const scim = await setup(app, key);
    const bob = await scim('POST', '/Users', {
      userName: 'UserName123',
      active: 'True',
      displayName: 'BobIsAmazing',
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      externalId: '5b1e0a52-5f4e-4a57-9d4f-8f0f3c2b6d11',
      name: { formatted: 'Ryan Leenay', familyName: 'Leenay', givenName: 'Ryan' },
      emails: [
        { Primary: true, type: 'work', value: 'testing@bob.example' },
        { Primary: false, type: 'home', value: 'testinghome@bob.example' },
      ],
    });
    expect(bob.status).toBe(201);
    expect(bob.body['emails']).toEqual([
      { primary: true, type: 'work', value: 'testing@bob.example' },
      { primary: false, type: 'home', value: 'testinghome@bob.example' },
    ]);
    const row = await membershipRow(app, bob.body['id'] as string);
    const [user] = await app.app.services.db.select().from(users).where(eq(users.id, row!.userId));
    expect(user?.email).toBe('testing@bob.example');

    const enterprise = await scim('POST', '/Users', {
      userName: 'enterprise',
      active: true,
      addresses: [
        { country: 'BM', formatted: '9132 Jennifer Way', locality: 'West Mercedes', type: 'work', primary: false },
        { country: null, formatted: '18522 Lisa Unions', locality: null, postalCode: null, type: 'other', primary: false },
      ],
      [ENTERPRISE]: { Department: 'some department' },
      displayName: 'Kimberly Baker',
      emails: [
        { type: 'work', primary: true, value: 'anna33@mail.example' },
        { type: 'work', primary: false, value: 'anna33@example.com' },
      ],
      meta: { created: '2019-09-18T18:15:26.5788954+00:00', resourceType: 'User' },
      name: { formatted: 'Daniel Mcgee', familyName: 'Employee', givenName: 'Darl', honorificPrefix: null },
      phoneNumbers: [
        { type: 'fax', primary: false, value: '312-320-0500' },
        { type: 'work', primary: true, value: '312-320-0932' },
      ],
      preferredLanguage: 'xh',
      roles: [],
      title: 'Site engineer',
      externalId: '22fbc523-6032-4c5f-939d-5d4850cf3e52',
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE],
    });
    expect(enterprise.status).toBe(201);
    expect(enterprise.body).toMatchObject({
      addresses: [
        { country: 'BM', formatted: '9132 Jennifer Way', locality: 'West Mercedes', type: 'work', primary: false },
        { formatted: '18522 Lisa Unions', type: 'other', primary: false },
      ],
      [ENTERPRISE]: { department: 'some department' },
      name: { formatted: 'Daniel Mcgee', familyName: 'Employee', givenName: 'Darl' },
    });
    expect((enterprise.body['meta'] as { created: string }).created).not.toBe('2019-09-18T18:15:26.5788954+00:00');

    // Entra ID encodes spaces as '+'; the reference collection also sends /Users/?filter=.
    const origin = new URL(app.url).origin;
    const token = (await tokenFor(app, key, 'Entra')).token;
    const raw = await fetch(`${origin}/scim/v2/Users/?filter=DisplayName+eq+%22BobIsAmazing%22`, { headers: { authorization: `Bearer ${token}` } });
    expect(((await raw.json()) as Reply['body']).Resources?.map((r) => r['id'])).toEqual([bob.body['id']]);
    const byName = await fetch(`${origin}/scim/v2/Users?filter=userName+eq+%22username123%22`, { headers: { authorization: `Bearer ${token}` } });
    expect(((await byName.json()) as Reply['body']).totalResults).toBe(1);
    const renamed = await scim('PATCH', `/Users/${bob.body['id'] as string}`, { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'userName', value: 'ryan3' }] });
    expect(renamed.body['userName']).toBe('ryan3');
    // Garbage from the same collection is refused clearly.
    const group = (await scim('POST', '/Groups', { displayName: 'Group 1', externalId: '015489ea-9410-4306-b583-9f002b2446f7' })).body['id'] as string;
    expectError(await scim('PATCH', `/Groups/${group}`, { Operations: [{ op: 'add', path: 'members', value: 'string id 1' }], schemas: [PATCH_OP] }), 400, 'invalidValue');
    expectError(await scim('GET', `/Users?${q('name.FamilyName eq Employee')}`), 400, 'invalidFilter');
    expectError(await scim('POST', '/Users', '{ "acve": tre }'), 400, 'invalidSyntax');
  });

  test('pages with startIndex and count, and projects attributes', async ({ app, key }) => {
    const scim = await setup(app, key);
    const ids: string[] = [];
    for (let i = 1; i <= 5; i += 1) ids.push((await scim('POST', '/Users', { userName: `page${i}@example.com`, externalId: `p${i}` })).body['id'] as string);
    const page = await scim('GET', '/Users?startIndex=2&count=2');
    expect(page.body).toMatchObject({ totalResults: 5, startIndex: 2, itemsPerPage: 2 });
    expect(page.body.Resources?.map((r) => r['id'])).toEqual(ids.slice(1, 3));
    const filtered = await scim('GET', `/Users?${q('userName sw "page"')}&startIndex=4&count=10`);
    expect(filtered.body).toMatchObject({ totalResults: 5, startIndex: 4, itemsPerPage: 2 });
    expect((await scim('GET', '/Users?count=0')).body).toMatchObject({ totalResults: 5, itemsPerPage: 0, Resources: [] });
    const projected = await scim('GET', '/Users?count=1&attributes=userName,name.givenName');
    expect(Object.keys(projected.body.Resources![0]!).sort()).toEqual(['id', 'schemas', 'userName']);
    const excluded = await scim('GET', `/Users/${ids[0]}?excludedAttributes=groups,emails`);
    expect(excluded.body).not.toHaveProperty('groups');
    expect(excluded.body).not.toHaveProperty('emails');
    const search = await scim('POST', '/Users/.search', { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], filter: 'externalId eq "p3"', startIndex: 1, count: 10 });
    expect(search.body.Resources?.map((r) => r['id'])).toEqual([ids[2]]);
  });
});

describe('SCIM Groups', () => {
  test('Okta and Entra ID member changes, filters, PUT and DELETE', async ({ app, key }) => {
    const scim = await setup(app, key);
    const alice = (await scim('POST', '/Users', { userName: 'alice@example.com', displayName: 'Alice' })).body['id'] as string;
    const bob = (await scim('POST', '/Users', { userName: 'bob@example.com' })).body['id'] as string;

    // Okta
    const created = await scim('POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Test SCIMv2', members: [] });
    expect(created.status).toBe(201);
    const id = created.body['id'] as string;
    expect(created.body).toMatchObject({ displayName: 'Test SCIMv2', members: [], meta: { resourceType: 'Group' } });
    const added = await scim('PATCH', `/Groups/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: alice, display: 'alice@example.com' }] }] });
    expect(added.status).toBe(204);
    const renamed = await scim('PATCH', `/Groups/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { id, displayName: 'Site Managers' } }] });
    expect(renamed.status).toBe(204);
    let group = await scim('GET', `/Groups/${id}`);
    expect(group.body).toMatchObject({ displayName: 'Site Managers', members: [{ value: alice, display: 'Alice', type: 'User' }] });
    expect((await scim('GET', `/Users/${alice}`)).body['groups']).toMatchObject([{ value: id, display: 'Site Managers' }]);
    expect((await scim('GET', `/Users?${q(`groups[value eq "${id}"]`)}`)).body.Resources?.map((u) => u['id'])).toEqual([alice]);
    expect((await scim('GET', `/Users?${q('userName sw "alice"')}`)).body.Resources?.[0]?.['groups']).toMatchObject([{ value: id }]);
    expect((await scim('GET', `/Groups?${q('displayName eq "site managers"')}&startIndex=1&count=100`)).body.Resources?.map((g) => g['id'])).toEqual([id]);
    expect((await scim('GET', `/Groups?${q('displayName eq "Nobody"')}`)).body.totalResults).toBe(0);
    await scim('PATCH', `/Groups/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: `members[value eq "${alice}"]` }] });
    expect((await scim('GET', `/Groups/${id}`)).body['members']).toEqual([]);

    // Entra ID
    const entra = await scim('PATCH', `/Groups/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'Add', path: 'members', value: [{ value: alice }, { value: bob }] }] });
    expect(entra.status).toBe(204);
    const lean = await scim('GET', `/Groups?excludedAttributes=members&${q('displayName eq "Site Managers"')}`);
    expect(lean.body.Resources?.[0]).not.toHaveProperty('members');
    expect(lean.body.Resources?.[0]?.['displayName']).toBe('Site Managers');
    expect((await scim('GET', `/Groups?${q(`members[value eq "${bob}"]`)}`)).body.totalResults).toBe(1);
    await scim('PATCH', `/Groups/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'Remove', path: 'members', value: [{ value: alice }] }] });
    group = await scim('GET', `/Groups/${id}`);
    expect((group.body['members'] as Array<{ value: string }>).map((m) => m.value)).toEqual([bob]);
    const echoed = await scim('PATCH', `/Groups/${id}?attributes=displayName`, { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'displayName', value: 'Crew' }] });
    expect(echoed.status).toBe(200);
    expect(echoed.body).toEqual({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], id, displayName: 'Crew' });

    // PUT replaces the members; deleting a user takes them out of their groups.
    const put = await scim('PUT', `/Groups/${id}`, { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Crew', externalId: 'g-1', members: [{ value: alice }, { value: bob }] });
    expect(put.status).toBe(200);
    expect((put.body['members'] as unknown[]).length).toBe(2);
    await scim('DELETE', `/Users/${bob}`);
    expect((await scim('GET', `/Groups/${id}`)).body['members']).toEqual([expect.objectContaining({ value: alice })]);

    expectError(await scim('POST', '/Groups', { displayName: 'crew' }), 409, 'uniqueness');
    expectError(await scim('PATCH', `/Groups/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: '999999' }] }] }), 400, 'invalidValue');
    expectError(await scim('POST', '/Groups', { members: [] }), 400, 'invalidValue');
    expect((await scim('DELETE', `/Groups/${id}`)).status).toBe(204);
    expectError(await scim('GET', `/Groups/${id}`), 404);
  });
});

describe('SCIM errors', () => {
  test('bad filter, unknown path, duplicates, malformed JSON, wrong content, unknown ids, stale If-Match', async ({ app, key }) => {
    const scim = await setup(app, key);
    const id = (await scim('POST', '/Users', oktaUser('errors@example.com'))).body['id'] as string;
    expectError(await scim('GET', `/Users?${q('userName eq')}`), 400, 'invalidFilter');
    expectError(await scim('GET', `/Users?${q('favouriteColour eq "blue"')}`), 400, 'invalidFilter');
    expectError(await scim('GET', '/Users?startIndex=abc'), 400, 'invalidValue');
    expectError(await scim('PATCH', `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'favouriteColour', value: 'blue' }] }), 400, 'invalidPath');
    expectError(await scim('PATCH', `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'id', value: '1' }] }), 400, 'mutability');
    expectError(await scim('PATCH', `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'remove' }] }), 400, 'noTarget');
    expectError(await scim('PATCH', `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: 'sometimes' }] }), 400, 'invalidValue');
    expectError(await scim('POST', '/Users', oktaUser('ERRORS@example.com', { emails: [{ value: 'another@example.com', primary: true }] })), 409, 'uniqueness');
    expectError(await scim('POST', '/Users', oktaUser('other-name@example.com', { emails: [{ value: 'errors@example.com', primary: true }] })), 409, 'uniqueness');
    const second = (await scim('POST', '/Users', oktaUser('second@example.com'))).body['id'] as string;
    expectError(await scim('PATCH', `/Users/${second}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'userName', value: 'Errors@Example.com' }] }), 409, 'uniqueness');
    expectError(await scim('POST', '/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], name: { givenName: 'No' } }), 400, 'invalidValue');
    expectError(await scim('POST', '/Users', { userName: 'not-an-email' }), 400, 'invalidValue');
    expectError(await scim('POST', '/Users', '{"userName": "broken@example.com",'), 400, 'invalidSyntax');
    expectError(await scim('POST', '/Users', '["an", "array"]'), 400, 'invalidSyntax');
    expectError(await scim('POST', '/Users', 'userName=x', { 'content-type': 'application/x-www-form-urlencoded' }), 415);
    expectError(await scim('GET', '/Users/999999'), 404);
    expectError(await scim('GET', '/Users/not-a-number'), 404);
    expectError(await scim('PUT', '/Users/999999', oktaUser('ghost@example.com')), 404);
    expectError(await scim('GET', '/Nope'), 404);
    expectError(await scim('POST', '/Bulk', { Operations: [] }), 501);
    expectError(await scim('PATCH', `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: false } }] }, { 'if-match': 'W/"0"' }), 412);
    const current = await scim('GET', `/Users/${id}`);
    expect(current.body['active']).toBe(true);
    const matched = await scim('PATCH', `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: false } }] }, { 'if-match': current.headers.get('etag')! });
    expect(matched.status).toBe(200);
    // application/json is accepted as well as application/scim+json.
    const plain = await scim('POST', '/Users', { userName: 'plain@example.com' }, { 'content-type': 'application/json' });
    expect(plain.status).toBe(201);
  });

  test('no token, a wrong token and a revoked token get 401 with a SCIM body', async ({ app, key }) => {
    const { id, token } = await tokenFor(app, key);
    const reply = await scimClient(app, null)('GET', '/Users');
    expectError(reply, 401);
    expect(reply.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expectError(await scimClient(app, key)('GET', '/Users'), 401); // an API key is not a SCIM token
    expectError(await scimClient(app, `${token.slice(0, -1)}x`)('GET', '/Users'), 401);
    expect((await scimClient(app, token)('GET', '/Users')).status).toBe(200);
    await execute(app.url, RevokeScimTokenDocument, { id }, { key });
    expectError(await scimClient(app, token)('GET', '/Users'), 401);
  });
});

describe('SCIM across organizations', () => {
  test("another organization's token never sees or changes this organization's users and groups", async ({ app, key }) => {
    const mine = await setup(app, key);
    const other = await app.createOrganization();
    const theirs = await setup(app, (await app.createKey(other.id)).plaintext);
    const id = (await mine('POST', '/Users', oktaUser('private@example.com'))).body['id'] as string;
    const group = (await mine('POST', '/Groups', { displayName: 'Private', members: [{ value: id }] })).body['id'] as string;

    expectError(await theirs('GET', `/Users/${id}`), 404);
    expectError(await theirs('PATCH', `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: false } }] }), 404);
    expectError(await theirs('PUT', `/Users/${id}`, oktaUser('private@example.com')), 404);
    expectError(await theirs('DELETE', `/Users/${id}`), 404);
    expect((await theirs('GET', `/Users?${q('userName eq "private@example.com"')}`)).body.totalResults).toBe(0);
    expect((await theirs('GET', '/Users')).body.totalResults).toBe(0);
    expectError(await theirs('GET', `/Groups/${group}`), 404);
    expectError(await theirs('PATCH', `/Groups/${group}`, { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: 'members' }] }), 404);
    expectError(await theirs('DELETE', `/Groups/${group}`), 404);
    expect((await theirs('GET', '/Groups')).body.totalResults).toBe(0);
    // Nor can it put this organization's user into one of its groups.
    expectError(await theirs('POST', '/Groups', { displayName: 'Theirs', members: [{ value: id }] }), 400, 'invalidValue');

    const still = await mine('GET', `/Users/${id}`);
    expect(still.body['active']).toBe(true);
    expect((await mine('GET', `/Groups/${group}`)).body['members']).toEqual([expect.objectContaining({ value: id })]);
  });

  test('the same person provisioned by two organizations: active and deletion are per organization', async ({ app, key, org }) => {
    const a = await setup(app, key);
    const other = await app.createOrganization();
    const b = await setup(app, (await app.createKey(other.id)).plaintext);
    const inA = await a('POST', '/Users', oktaUser('shared@example.com', { name: { givenName: 'Sam', familyName: 'A' } }));
    const inB = await b('POST', '/Users', oktaUser('shared@example.com', { name: { givenName: 'Samuel', familyName: 'B' } }));
    expect(inA.status).toBe(201);
    expect(inB.status).toBe(201);
    const rowA = await membershipRow(app, inA.body['id'] as string);
    const rowB = await membershipRow(app, inB.body['id'] as string);
    expect(rowA!.userId).toBe(rowB!.userId);
    expect((await a('GET', `/Users/${rowA!.id}`)).body['name']).toEqual({ givenName: 'Sam', familyName: 'A' });

    await a('PATCH', `/Users/${rowA!.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: false } }] });
    expect(await activeMembership(app.app.services.db, rowA!.userId, org.id)).toBeNull();
    expect(await activeMembership(app.app.services.db, rowB!.userId, other.id)).not.toBeNull();
    expect((await b('GET', `/Users/${rowB!.id}`)).body['active']).toBe(true);

    // A new address in B moves only B's membership to a user of that address; A keeps the old one.
    await b('PATCH', `/Users/${rowB!.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'emails[type eq "work"].value', value: 'samuel@b.example' }] });
    const movedB = await membershipRow(app, String(rowB!.id));
    expect(movedB!.userId).not.toBe(rowA!.userId);
    const [oldUser] = await app.app.services.db.select().from(users).where(eq(users.id, rowA!.userId));
    expect(oldUser?.email).toBe('shared@example.com');

    expect((await a('DELETE', `/Users/${rowA!.id}`)).status).toBe(204);
    expect((await b('GET', `/Users/${rowB!.id}`)).status).toBe(200);
  });
});

describe('SCIM under concurrent requests (identity providers send many at once)', () => {
  test('parallel creates, duplicate userNames, the same person from two organizations, parallel member adds', async ({ app, key }) => {
    const scim = await setup(app, key);
    const created = await Promise.all(Array.from({ length: 10 }, (_, i) => scim('POST', '/Users', { userName: `burst${i}@example.com` })));
    expect(created.map((r) => r.status)).toEqual(Array(10).fill(201));

    const same = await Promise.all(Array.from({ length: 5 }, () => scim('POST', '/Users', { userName: 'once@example.com' })));
    expect(same.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409]);

    const other = await app.createOrganization();
    const b = await setup(app, (await app.createKey(other.id)).plaintext);
    const pairs = await Promise.all(
      Array.from({ length: 5 }, (_, i) => Promise.all([scim('POST', '/Users', { userName: `both${i}@example.com` }), b('POST', '/Users', { userName: `both${i}@example.com` })])),
    );
    for (const [inA, inB] of pairs) {
      expect([inA.status, inB.status]).toEqual([201, 201]);
      const [rowA, rowB] = [await membershipRow(app, inA.body['id'] as string), await membershipRow(app, inB.body['id'] as string)];
      expect(rowA!.userId).toBe(rowB!.userId);
    }

    const group = (await scim('POST', '/Groups', { displayName: 'Burst' })).body['id'] as string;
    const adds = await Promise.all(
      created.map((r) => scim('PATCH', `/Groups/${group}`, { schemas: [PATCH_OP], Operations: [{ op: 'Add', path: 'members', value: [{ value: r.body['id'] }] }] })),
    );
    expect(adds.map((r) => r.status)).toEqual(Array(10).fill(204));
    const members = (await scim('GET', `/Groups/${group}`)).body['members'] as Array<{ value: string }>;
    expect(members.map((m) => m.value).sort()).toEqual(created.map((r) => r.body['id'] as string).sort());
  });
});
