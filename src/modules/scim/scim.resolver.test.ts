import { appFixtures, describe, expect } from '../../../test/support/fixtures.js';
import { codes, execute, type TestApp } from '../../../test/support/test-app.js';
import {
  AuditEventsDocument,
  CreateScimTokenDocument,
  RevokeScimTokenDocument,
  RotateScimTokenDocument,
  ScimTokenDocument,
  ScimTokensDocument,
} from '../../../test/generated/graphql.js';

// Small SCIM windows, so the limits can be reached here.
const test = appFixtures({ SCIM_RATE_LIMIT_PER_MINUTE: '5', RATE_LIMIT_ANONYMOUS_PER_MINUTE: '4' });

async function scimStatus(app: TestApp, token: string): Promise<number> {
  const response = await fetch(`${new URL(app.url).origin}/scim/v2/Users`, { headers: { authorization: `Bearer ${token}` } });
  await response.arrayBuffer();
  return response.status;
}

describe('SCIM tokens', () => {
  test('create (shown once) → list → use → rotate (old refused) → revoke', async ({ app, key }) => {
    const created = await execute(app.url, CreateScimTokenDocument, { input: { name: '  Okta production ' } }, { key });
    expect(created.errors).toBeUndefined();
    const payload = created.data!.createScimToken;
    expect(payload.plaintextToken).toMatch(/^trscim_[0-9A-Za-z]{43}$/);
    expect(payload.baseUrl).toBe(`http://localhost:${app.config.PORT}/scim/v2`);
    expect(payload.scimToken).toMatchObject({ name: 'Okta production', active: true, revokedAt: null, prefix: payload.plaintextToken.slice(0, 13) });
    expect(await scimStatus(app, payload.plaintextToken)).toBe(200);

    const listed = await execute(app.url, ScimTokensDocument, {}, { key });
    expect(listed.data?.scimTokens.nodes.map((t) => t.id)).toEqual([payload.scimToken.id]);
    expect(JSON.stringify(listed.data)).not.toContain(payload.plaintextToken);
    const one = await execute(app.url, ScimTokenDocument, { id: payload.scimToken.id }, { key });
    expect(one.data?.scimToken.name).toBe('Okta production');

    const rotated = await execute(app.url, RotateScimTokenDocument, { id: payload.scimToken.id }, { key });
    expect(rotated.errors).toBeUndefined();
    const next = rotated.data!.rotateScimToken;
    expect(next.plaintextToken).not.toBe(payload.plaintextToken);
    expect(next.scimToken.name).toBe('Okta production');
    expect(await scimStatus(app, payload.plaintextToken)).toBe(401);
    expect(await scimStatus(app, next.plaintextToken)).toBe(200);
    const old = await execute(app.url, ScimTokenDocument, { id: payload.scimToken.id }, { key });
    expect(old.data?.scimToken).toMatchObject({ active: false, replacedById: next.scimToken.id });
    expect(codes(await execute(app.url, RotateScimTokenDocument, { id: payload.scimToken.id }, { key }))).toEqual(['CONFLICT']);

    const revoked = await execute(app.url, RevokeScimTokenDocument, { id: next.scimToken.id }, { key });
    expect(revoked.data?.revokeScimToken.active).toBe(false);
    expect(await scimStatus(app, next.plaintextToken)).toBe(401);
    // Revoking again is a no-op.
    expect((await execute(app.url, RevokeScimTokenDocument, { id: next.scimToken.id }, { key })).errors).toBeUndefined();

    const audit = await execute(app.url, AuditEventsDocument, { targetType: 'scim_token' }, { key });
    expect(audit.data?.auditEvents.nodes.map((e) => e.action)).toEqual(['scim_token.revoked', 'scim_token.rotated', 'scim_token.created']);
  });

  test('rejects bad input', async ({ app, key }) => {
    expect(codes(await execute(app.url, CreateScimTokenDocument, { input: { name: '   ' } }, { key }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await execute(app.url, CreateScimTokenDocument, { input: { name: 'x'.repeat(256) } }, { key }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await execute(app.url, RevokeScimTokenDocument, { id: 'abc' }, { key }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await execute(app.url, ScimTokenDocument, { id: '999999' }, { key }))).toEqual(['NOT_FOUND']);
  });

  test('require authentication and the scim scopes', async ({ app, org }) => {
    expect(codes(await execute(app.url, ScimTokensDocument, {}))).toEqual(['UNAUTHENTICATED']);
    expect(codes(await execute(app.url, CreateScimTokenDocument, { input: { name: 'n' } }))).toEqual(['UNAUTHENTICATED']);
    const reader = await app.createKey(org.id, ['scim:read']);
    expect((await execute(app.url, ScimTokensDocument, {}, { key: reader.plaintext })).errors).toBeUndefined();
    expect(codes(await execute(app.url, CreateScimTokenDocument, { input: { name: 'n' } }, { key: reader.plaintext }))).toEqual(['FORBIDDEN']);
    const orgAdmin = await app.createKey(org.id, ['org:write', 'keys:write']);
    expect(codes(await execute(app.url, ScimTokensDocument, {}, { key: orgAdmin.plaintext }))).toEqual(['FORBIDDEN']);
    expect(codes(await execute(app.url, CreateScimTokenDocument, { input: { name: 'n' } }, { key: orgAdmin.plaintext }))).toEqual(['FORBIDDEN']);
    const writer = await app.createKey(org.id, ['scim:write']);
    expect((await execute(app.url, CreateScimTokenDocument, { input: { name: 'n' } }, { key: writer.plaintext })).errors).toBeUndefined();
  });

  test("are invisible to other organizations and their tokens reach only their own organization", async ({ app, key }) => {
    const mine = (await execute(app.url, CreateScimTokenDocument, { input: { name: 'Mine' } }, { key })).data!.createScimToken;
    const other = await app.createOrganization();
    const otherKey = (await app.createKey(other.id)).plaintext;
    expect((await execute(app.url, ScimTokensDocument, {}, { key: otherKey })).data?.scimTokens.nodes).toEqual([]);
    expect(codes(await execute(app.url, ScimTokenDocument, { id: mine.scimToken.id }, { key: otherKey }))).toEqual(['NOT_FOUND']);
    expect(codes(await execute(app.url, RotateScimTokenDocument, { id: mine.scimToken.id }, { key: otherKey }))).toEqual(['NOT_FOUND']);
    expect(codes(await execute(app.url, RevokeScimTokenDocument, { id: mine.scimToken.id }, { key: otherKey }))).toEqual(['NOT_FOUND']);
    expect(await scimStatus(app, mine.plaintextToken)).toBe(200);
  });
});

describe('SCIM rate limits', () => {
  /** Sends requests until one is refused; the refusal must come within `limit` + 1 requests of a window (two windows if one turns meanwhile). */
  async function untilRefused(app: TestApp, token: string, limit: number) {
    const statuses: number[] = [];
    for (let i = 0; i < 2 * limit + 2; i += 1) {
      const response = await fetch(`${new URL(app.url).origin}/scim/v2/Users`, { headers: { authorization: `Bearer ${token}` } });
      const body = (await response.json()) as Record<string, unknown>;
      statuses.push(response.status);
      if (response.status === 429) return { statuses, retryAfter: response.headers.get('retry-after'), body };
    }
    return { statuses, retryAfter: null, body: {} };
  }

  test('a token is limited per minute, without touching other tokens; so are requests without a valid token', async ({ app, key }) => {
    const first = (await execute(app.url, CreateScimTokenDocument, { input: { name: 'busy' } }, { key })).data!.createScimToken.plaintextToken;
    const second = (await execute(app.url, CreateScimTokenDocument, { input: { name: 'quiet' } }, { key })).data!.createScimToken.plaintextToken;
    const busy = await untilRefused(app, first, 5);
    expect(busy.statuses.at(-1)).toBe(429);
    expect(busy.statuses.slice(0, -1).every((s) => s === 200)).toBe(true);
    expect(Number(busy.retryAfter)).toBeGreaterThan(0);
    expect(busy.body).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '429' });
    expect(await scimStatus(app, second)).toBe(200);

    const anonymous = await untilRefused(app, `trscim_${'x'.repeat(43)}`, 4);
    expect(anonymous.statuses.at(-1)).toBe(429);
    expect(anonymous.statuses.slice(0, -1).every((s) => s === 401)).toBe(true);
  });
});
