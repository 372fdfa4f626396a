import { describe, expect, test } from '../../../test/support/fixtures.js';
import { codes, execute } from '../../../test/support/test-app.js';
import {
  ApiKeyDocument,
  ApiKeysDocument,
  AuditEventsDocument,
  CreateApiKeyDocument,
  RegenerateApiKeyDocument,
  RevokeApiKeyDocument,
  UpdateApiKeyDocument,
  ViewerDocument,
} from '../../../test/generated/graphql.js';

const newKey = { name: 'CI deploy', scopes: ['keys:read'], environment: 'TEST' as const };

describe('createApiKey', () => {
  test('returns the secret once and stores only what is safe to show', async ({ app, key }) => {
    const res = await execute(app.url, CreateApiKeyDocument, { input: newKey }, { key });
    expect(res.errors).toBeUndefined();
    const created = res.data!.createApiKey;
    expect(created.plaintextKey).toMatch(/^trk_test_[0-9A-Za-z]{38}$/);
    expect(created.apiKey).toMatchObject({ name: 'CI deploy', environment: 'TEST', scopes: ['keys:read'], status: 'ACTIVE', rateLimit: 1000 });
    expect(created.plaintextKey.startsWith(created.apiKey.prefix)).toBe(true);

    // The new key works and carries exactly its scopes.
    const viewer = await execute(app.url, ViewerDocument, {}, { key: created.plaintextKey });
    expect(viewer.data?.viewer.scopes).toEqual(['keys:read']);

    // The secret never appears again, and the table holds its hash, not the key.
    const listed = await execute(app.url, ApiKeyDocument, { id: created.apiKey.id }, { key });
    expect(JSON.stringify(listed.data)).not.toContain(created.plaintextKey);
    const [rows] = await app.app.services.pool.query('SELECT key_hash FROM api_keys WHERE id = ?', [created.apiKey.id]);
    expect(JSON.stringify(rows)).not.toContain(created.plaintextKey);
  });

  test('writes an audit event naming the creating key and request', async ({ app, key }) => {
    const res = await execute(app.url, CreateApiKeyDocument, { input: newKey }, { key, headers: { 'x-request-id': 'req-audit-1' } });
    const id = res.data!.createApiKey.apiKey.id;
    const audit = await execute(app.url, AuditEventsDocument, { targetType: 'api_key', targetId: id }, { key });
    expect(audit.data?.auditEvents.nodes).toEqual([
      expect.objectContaining({ action: 'api_key.created', actorType: 'api_key', targetId: id, requestId: 'req-audit-1' }),
    ]);
  });

  test('rejects bad input with BAD_USER_INPUT', async ({ app, key }) => {
    const cases = [
      { ...newKey, scopes: ['keys:fly'] },
      { ...newKey, scopes: [] },
      { ...newKey, name: '   ' },
      { ...newKey, rateLimit: 0 },
      { ...newKey, expiresAt: '2001-01-01T00:00:00Z' },
    ];
    for (const input of cases) {
      const res = await execute(app.url, CreateApiKeyDocument, { input }, { key });
      expect(codes(res), JSON.stringify(input)).toEqual(['BAD_USER_INPUT']);
    }
    const wrongType = await execute(app.url, CreateApiKeyDocument, { input: { ...newKey, rateLimit: 'lots' as unknown as number } }, { key });
    expect(wrongType.status).toBe(400);
    expect(codes(wrongType)).toEqual(['BAD_USER_INPUT']);
  });

  test('requires authentication', async ({ app }) => {
    const res = await execute(app.url, CreateApiKeyDocument, { input: newKey });
    expect(res.status).toBe(401);
    expect(codes(res)).toEqual(['UNAUTHENTICATED']);
  });

  test('requires keys:write, and never grants more than the caller holds', async ({ app, org }) => {
    const reader = await app.createKey(org.id, ['keys:read']);
    const denied = await execute(app.url, CreateApiKeyDocument, { input: newKey }, { key: reader.plaintext });
    expect(denied.status).toBe(403);
    expect(denied.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'INSUFFICIENT_SCOPE' });

    const writer = await app.createKey(org.id, ['keys:write']);
    const escalate = await execute(app.url, CreateApiKeyDocument, { input: { ...newKey, scopes: ['*'] } }, { key: writer.plaintext });
    expect(escalate.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'SCOPE_ESCALATION' });
    const allowed = await execute(app.url, CreateApiKeyDocument, { input: { ...newKey, scopes: ['keys:read'] } }, { key: writer.plaintext });
    expect(allowed.errors).toBeUndefined();
  });
});

describe('apiKeys and apiKey', () => {
  test('list the organization’s keys newest first, paginated', async ({ app, org, key }) => {
    for (let i = 0; i < 4; i += 1) await app.createKey(org.id, ['keys:read']);
    const first = await execute(app.url, ApiKeysDocument, { first: 3 }, { key });
    expect(first.data?.apiKeys.nodes).toHaveLength(3);
    expect(first.data?.apiKeys.pageInfo.hasNextPage).toBe(true);
    const second = await execute(app.url, ApiKeysDocument, { first: 3, after: first.data!.apiKeys.pageInfo.endCursor }, { key });
    expect(second.data?.apiKeys.nodes).toHaveLength(2);
    expect(second.data?.apiKeys.pageInfo.hasNextPage).toBe(false);
    const ids = [...first.data!.apiKeys.nodes, ...second.data!.apiKeys.nodes].map((k) => Number(k.id));
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(new Set(ids).size).toBe(5);
  });

  test('reject page sizes over 100 and forged cursors', async ({ app, key }) => {
    expect(codes(await execute(app.url, ApiKeysDocument, { first: 101 }, { key }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await execute(app.url, ApiKeysDocument, { first: 0 }, { key }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await execute(app.url, ApiKeysDocument, { after: 'not-a-cursor' }, { key }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await execute(app.url, ApiKeyDocument, { id: 'abc' }, { key }))).toEqual(['BAD_USER_INPUT']);
  });

  test('never show another organization’s keys', async ({ app, key }) => {
    const other = await app.createOrganization('Other GC');
    const foreign = await app.createKey(other.id, ['*']);
    const list = await execute(app.url, ApiKeysDocument, { first: 100 }, { key });
    expect(list.data?.apiKeys.nodes.map((k) => Number(k.id))).not.toContain(foreign.id);
    const one = await execute(app.url, ApiKeyDocument, { id: String(foreign.id) }, { key });
    expect(codes(one)).toEqual(['NOT_FOUND']);
    const missing = await execute(app.url, ApiKeyDocument, { id: '99999999' }, { key });
    expect(missing.errors?.[0]?.message).toBe(one.errors?.[0]?.message.replace(String(foreign.id), '99999999'));
  });

  test('require authentication and keys:read', async ({ app, org }) => {
    expect(codes(await execute(app.url, ApiKeysDocument, {}))).toEqual(['UNAUTHENTICATED']);
    const importer = await app.createKey(org.id, ['imports:write']);
    expect(codes(await execute(app.url, ApiKeysDocument, {}, { key: importer.plaintext }))).toEqual(['FORBIDDEN']);
    expect(codes(await execute(app.url, ApiKeyDocument, { id: '1' }, { key: importer.plaintext }))).toEqual(['FORBIDDEN']);
  });
});

describe('revokeApiKey', () => {
  test('makes the key fail at once with REVOKED, and is audited', async ({ app, org, key }) => {
    const victim = await app.createKey(org.id, ['keys:read']);
    expect((await execute(app.url, ViewerDocument, {}, { key: victim.plaintext })).errors).toBeUndefined();
    const res = await execute(app.url, RevokeApiKeyDocument, { id: String(victim.id) }, { key });
    expect(res.data?.revokeApiKey.status).toBe('REVOKED');
    const after = await execute(app.url, ViewerDocument, {}, { key: victim.plaintext });
    expect(after.status).toBe(401);
    expect(after.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'REVOKED' });
    const audit = await execute(app.url, AuditEventsDocument, { targetType: 'api_key', targetId: String(victim.id) }, { key });
    expect(audit.data?.auditEvents.nodes.map((e) => e.action)).toContain('api_key.revoked');
    // Revoking twice is harmless.
    expect((await execute(app.url, RevokeApiKeyDocument, { id: String(victim.id) }, { key })).data?.revokeApiKey.status).toBe('REVOKED');
  });

  test('cannot touch another organization’s key', async ({ app, key }) => {
    const other = await app.createOrganization();
    const foreign = await app.createKey(other.id);
    expect(codes(await execute(app.url, RevokeApiKeyDocument, { id: String(foreign.id) }, { key }))).toEqual(['NOT_FOUND']);
    expect((await execute(app.url, ViewerDocument, {}, { key: foreign.plaintext })).errors).toBeUndefined();
  });

  test('requires authentication and keys:write; rejects a bad id', async ({ app, org, key }) => {
    const victim = await app.createKey(org.id);
    expect(codes(await execute(app.url, RevokeApiKeyDocument, { id: String(victim.id) }))).toEqual(['UNAUTHENTICATED']);
    const reader = await app.createKey(org.id, ['keys:read']);
    expect(codes(await execute(app.url, RevokeApiKeyDocument, { id: String(victim.id) }, { key: reader.plaintext }))).toEqual(['FORBIDDEN']);
    expect(codes(await execute(app.url, RevokeApiKeyDocument, { id: '-4' }, { key }))).toEqual(['BAD_USER_INPUT']);
  });
});

describe('regenerateApiKey', () => {
  test('with an overlap, old and new keys both work until the overlap ends', async ({ app, org, key }) => {
    const old = await app.createKey(org.id, ['keys:read']);
    const res = await execute(app.url, RegenerateApiKeyDocument, { id: String(old.id), overlapSeconds: 2 }, { key });
    expect(res.errors).toBeUndefined();
    const { apiKey, plaintextKey, previousKey } = res.data!.regenerateApiKey;
    expect(previousKey.status).toBe('ROTATING');
    expect(previousKey.replacedById).toBe(apiKey.id);
    expect(apiKey.scopes).toEqual(['keys:read']);
    expect((await execute(app.url, ViewerDocument, {}, { key: old.plaintext })).errors).toBeUndefined();
    expect((await execute(app.url, ViewerDocument, {}, { key: plaintextKey })).errors).toBeUndefined();

    // Once the overlap has passed (and the 5 s verification cache with it), only the new key works.
    await new Promise((resolve) => setTimeout(resolve, 2_100 + app.config.KEY_CACHE_TTL_MS));
    const expired = await execute(app.url, ViewerDocument, {}, { key: old.plaintext });
    expect(expired.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'EXPIRED' });
    expect((await execute(app.url, ViewerDocument, {}, { key: plaintextKey })).errors).toBeUndefined();
    const listed = await execute(app.url, ApiKeyDocument, { id: String(old.id) }, { key });
    expect(listed.data?.apiKey.status).toBe('EXPIRED');
  }, 20_000);

  test('without an overlap, the old key is revoked at once', async ({ app, org, key }) => {
    const old = await app.createKey(org.id, ['keys:read']);
    const res = await execute(app.url, RegenerateApiKeyDocument, { id: String(old.id) }, { key });
    expect(res.data?.regenerateApiKey.previousKey.status).toBe('REVOKED');
    expect(codes(await execute(app.url, ViewerDocument, {}, { key: old.plaintext }))).toEqual(['UNAUTHENTICATED']);
    // A revoked key cannot be regenerated.
    const again = await execute(app.url, RegenerateApiKeyDocument, { id: String(old.id) }, { key });
    expect(again.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', state: 'revoked' });
  });

  test('rejects bad overlaps, other organizations, missing auth and missing scope', async ({ app, org, key }) => {
    const target = await app.createKey(org.id);
    expect(codes(await execute(app.url, RegenerateApiKeyDocument, { id: String(target.id), overlapSeconds: -1 }, { key }))).toEqual([
      'BAD_USER_INPUT',
    ]);
    expect(
      codes(await execute(app.url, RegenerateApiKeyDocument, { id: String(target.id), overlapSeconds: 8 * 24 * 3600 }, { key })),
    ).toEqual(['BAD_USER_INPUT']);
    const other = await app.createOrganization();
    const foreign = await app.createKey(other.id);
    expect(codes(await execute(app.url, RegenerateApiKeyDocument, { id: String(foreign.id) }, { key }))).toEqual(['NOT_FOUND']);
    expect(codes(await execute(app.url, RegenerateApiKeyDocument, { id: String(target.id) }))).toEqual(['UNAUTHENTICATED']);
    const reader = await app.createKey(org.id, ['keys:read']);
    expect(codes(await execute(app.url, RegenerateApiKeyDocument, { id: String(target.id) }, { key: reader.plaintext }))).toEqual([
      'FORBIDDEN',
    ]);
  });
});

describe('key authentication', () => {
  test('accepts Authorization: Bearer and X-API-Key', async ({ app, key }) => {
    expect((await execute(app.url, ViewerDocument, {}, { key })).errors).toBeUndefined();
    expect((await execute(app.url, ViewerDocument, {}, { headers: { 'x-api-key': key } })).errors).toBeUndefined();
  });

  test('types each failure: malformed, unknown, expired', async ({ app, org, key }) => {
    const garbled = key.slice(0, -1) + (key.endsWith('a') ? 'b' : 'a');
    const malformed = await execute(app.url, ViewerDocument, {}, { key: garbled });
    expect(malformed.status).toBe(401);
    expect(malformed.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'MALFORMED' });

    const { generateKey } = await import('./keys.format.js');
    const unknown = await execute(app.url, ViewerDocument, {}, { key: generateKey('live').plaintext });
    expect(unknown.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'UNKNOWN' });

    const soon = await app.createKey(org.id, ['*'], { expiresAt: new Date(Date.now() + 1000) });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const expired = await execute(app.url, ViewerDocument, {}, { key: soon.plaintext });
    expect(expired.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'EXPIRED' });
    expect(JSON.stringify(expired)).not.toContain('stack');
  });

  test('records last_used_at without a write per request', async ({ app, org }) => {
    const used = await app.createKey(org.id);
    for (let i = 0; i < 5; i += 1) await execute(app.url, ViewerDocument, {}, { key: used.plaintext });
    const [before] = await app.app.services.pool.query('SELECT last_used_at FROM api_keys WHERE id = ?', [used.id]);
    expect((before as Array<{ last_used_at: Date | null }>)[0]?.last_used_at).toBeNull();
    await app.app.verifier.flushLastUsed();
    const [after] = await app.app.services.pool.query('SELECT last_used_at FROM api_keys WHERE id = ?', [used.id]);
    expect((after as Array<{ last_used_at: Date | null }>)[0]?.last_used_at).toBeInstanceOf(Date);
  });
});

describe('burst limit per key', () => {
  test('set on create, enforced over the burst window, changed and reset by updateApiKey', async ({ app, key }) => {
    const res = await execute(app.url, CreateApiKeyDocument, { input: { ...newKey, scopes: ['keys:read'], burstLimit: 3 } }, { key });
    expect(res.errors).toBeUndefined();
    const created = res.data!.createApiKey;
    expect(created.apiKey).toMatchObject({ rateLimit: 1000, burstLimit: 3 });
    const statuses = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await execute(app.url, ViewerDocument, {}, { key: created.plaintextKey })).status);
    expect(statuses).toEqual([200, 200, 200, 429]);

    const updated = await execute(app.url, UpdateApiKeyDocument, { id: created.apiKey.id, input: { burstLimit: 50, rateLimit: 2000, name: 'renamed' } }, { key });
    expect(updated.errors).toBeUndefined();
    expect(updated.data?.updateApiKey).toMatchObject({ burstLimit: 50, rateLimit: 2000, name: 'renamed' });
    const reset = await execute(app.url, UpdateApiKeyDocument, { id: created.apiKey.id, input: { burstLimit: null } }, { key });
    expect(reset.data?.updateApiKey).toMatchObject({ burstLimit: null, rateLimit: 2000, name: 'renamed' });
    const audit = await execute(app.url, AuditEventsDocument, { targetType: 'api_key', targetId: created.apiKey.id }, { key });
    expect(audit.data?.auditEvents.nodes.map((e) => e.action)).toContain('api_key.updated');
  });

  test('rejects limits out of range and empty updates with BAD_USER_INPUT', async ({ app, key }) => {
    for (const burstLimit of [0, -5, 1_000_001]) {
      const res = await execute(app.url, CreateApiKeyDocument, { input: { ...newKey, burstLimit } }, { key });
      expect(codes(res), String(burstLimit)).toEqual(['BAD_USER_INPUT']);
      expect(res.errors?.[0]?.extensions?.['field']).toBe('burstLimit');
    }
    const created = (await execute(app.url, CreateApiKeyDocument, { input: newKey }, { key })).data!.createApiKey.apiKey;
    expect(codes(await execute(app.url, UpdateApiKeyDocument, { id: created.id, input: { burstLimit: 0 } }, { key }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await execute(app.url, UpdateApiKeyDocument, { id: created.id, input: { rateLimit: 0 } }, { key }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await execute(app.url, UpdateApiKeyDocument, { id: created.id, input: {} }, { key }))).toEqual(['BAD_USER_INPUT']);
  });

  test('updateApiKey requires authentication and keys:write, and cannot touch another organization’s key', async ({ app, org, key }) => {
    const created = (await execute(app.url, CreateApiKeyDocument, { input: newKey }, { key })).data!.createApiKey.apiKey;
    expect(codes(await execute(app.url, UpdateApiKeyDocument, { id: created.id, input: { burstLimit: 5 } }))).toEqual(['UNAUTHENTICATED']);
    const reader = (await app.createKey(org.id, ['keys:read'])).plaintext;
    expect(codes(await execute(app.url, UpdateApiKeyDocument, { id: created.id, input: { burstLimit: 5 } }, { key: reader }))).toEqual(['FORBIDDEN']);
    const other = await app.createOrganization();
    const otherKey = (await app.createKey(other.id, ['*'])).plaintext;
    expect(codes(await execute(app.url, UpdateApiKeyDocument, { id: created.id, input: { burstLimit: 5 } }, { key: otherKey }))).toEqual(['NOT_FOUND']);
  });

  test('over REST: POST /api/v1/keys and PATCH /api/v1/keys/{id}, with the same checks', async ({ app, key }) => {
    const base = app.url.replace(/\/graphql$/, '/api/v1/keys');
    const send = (method: string, url: string, body: unknown, credential?: string) =>
      fetch(url, { method, headers: { 'content-type': 'application/json', ...(credential ? { authorization: `Bearer ${credential}` } : {}) }, body: JSON.stringify(body) });
    const created = await send('POST', base, { name: 'rest key', scopes: ['keys:read'], burstLimit: 7 }, key);
    expect(created.status).toBe(201);
    const body = (await created.json()) as { apiKey: { id: string; burstLimit: number | null; rateLimit: number }; plaintextKey: string };
    expect(body.apiKey).toMatchObject({ burstLimit: 7, rateLimit: 1000 });
    expect(body.plaintextKey).toMatch(/^trk_live_/);

    const patched = await send('PATCH', `${base}/${body.apiKey.id}`, { burstLimit: 9 }, key);
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({ apiKey: { id: body.apiKey.id, burstLimit: 9 } });

    const invalid = await send('PATCH', `${base}/${body.apiKey.id}`, { burstLimit: 0 }, key);
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toMatchObject({ error: { code: 'BAD_USER_INPUT', field: 'burstLimit' } });
    expect((await send('PATCH', `${base}/${body.apiKey.id}`, { burstLimit: 'many' }, key)).status).toBe(400);
    expect((await send('PATCH', `${base}/${body.apiKey.id}`, { burstLimit: 5 })).status).toBe(401);
    const other = await app.createOrganization();
    const otherKey = (await app.createKey(other.id, ['*'])).plaintext;
    expect((await send('PATCH', `${base}/${body.apiKey.id}`, { burstLimit: 5 }, otherKey)).status).toBe(404);
  });
});
