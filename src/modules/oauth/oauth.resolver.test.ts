import * as client from 'openid-client';
import { describe, expect, test } from '../../../test/support/fixtures.js';
import { codes, execute } from '../../../test/support/test-app.js';
import { discover, graphql } from '../../../test/support/oauth-driver.js';
import {
  CreateOAuthClientDocument,
  DeleteOAuthClientDocument,
  OAuthClientDocument,
  OAuthClientsDocument,
  RotateOAuthClientSecretDocument,
  UpdateOAuthClientDocument,
} from '../../../test/generated/graphql.js';

const input = { name: 'Scheduler sync', redirectUris: ['https://partner.example/callback'], scopes: ['records:read'] };

describe('createOAuthClient', () => {
  test('returns the secret once; only its hash is stored; the client then gets tokens', async ({ app, key }) => {
    const res = await execute(app.url, CreateOAuthClientDocument, { input }, { key });
    expect(res.errors).toBeUndefined();
    const created = res.data!.createOAuthClient;
    expect(created.client).toMatchObject({ name: 'Scheduler sync', redirectUris: input.redirectUris, scopes: ['records:read'], isConfidential: true });
    expect(created.client.clientId).toMatch(/^tco_[0-9A-Za-z]{24}$/);
    expect(created.clientSecret).toMatch(/^tcs_[0-9A-Za-z]{43}$/);
    const [rows] = await app.app.services.pool.query('SELECT client_secret FROM oauth_clients WHERE id = ?', [created.client.id]);
    expect(JSON.stringify(rows)).not.toContain(created.clientSecret);
    expect(JSON.stringify(rows)).toContain('sha256:');
    const listed = await execute(app.url, OAuthClientDocument, { id: created.client.id }, { key });
    expect(JSON.stringify(listed.data)).not.toContain(created.clientSecret);

    const tokens = await client.clientCredentialsGrant(await discover(app, created.client.clientId, created.clientSecret), { scope: 'records:read' });
    expect(tokens.access_token).toBeTruthy();
  });

  test("a client's rate limit applies to its tokens (the server default otherwise)", async ({ app, key }) => {
    const limited = (await execute(app.url, CreateOAuthClientDocument, { input: { ...input, rateLimit: 7 } }, { key })).data!.createOAuthClient;
    expect(limited.client.rateLimit).toBe(7);
    const tokens = await client.clientCredentialsGrant(await discover(app, limited.client.clientId, limited.clientSecret), { scope: 'records:read' });
    const windows = await graphql(app, tokens.access_token, '{ viewer { rateLimits { name limit } } }');
    expect(windows.body.data).toEqual({ viewer: { rateLimits: expect.arrayContaining([{ name: 'hour', limit: 7 }]) } });

    const plain = (await execute(app.url, CreateOAuthClientDocument, { input }, { key })).data!.createOAuthClient;
    expect(plain.client.rateLimit).toBeNull();
    const other = await client.clientCredentialsGrant(await discover(app, plain.client.clientId, plain.clientSecret), { scope: 'records:read' });
    const defaults = await graphql(app, other.access_token, '{ viewer { rateLimits { name limit } } }');
    expect(defaults.body.data).toEqual({ viewer: { rateLimits: expect.arrayContaining([{ name: 'hour', limit: app.config.RATE_LIMIT_PER_HOUR }]) } });
  });

  test('a public client has no secret', async ({ app, key }) => {
    const res = await execute(app.url, CreateOAuthClientDocument, { input: { ...input, isConfidential: false } }, { key });
    expect(res.data?.createOAuthClient).toMatchObject({ clientSecret: null, client: { isConfidential: false } });
  });

  test('rejects bad input with BAD_USER_INPUT', async ({ app, key }) => {
    const cases = [
      { ...input, name: ' ' },
      { ...input, scopes: [] },
      { ...input, scopes: ['records:fly'] },
      { ...input, redirectUris: ['not a url'] },
      { ...input, redirectUris: ['http://partner.example/callback'] },
      { ...input, redirectUris: ['https://partner.example/callback#frag'] },
      { ...input, redirectUris: [], isConfidential: false },
      { ...input, rateLimit: 0 },
    ];
    for (const bad of cases) {
      const res = await execute(app.url, CreateOAuthClientDocument, { input: bad }, { key });
      expect(codes(res), JSON.stringify(bad)).toEqual(['BAD_USER_INPUT']);
    }
  });

  test('requires authentication', async ({ app }) => {
    const res = await execute(app.url, CreateOAuthClientDocument, { input });
    expect(res.status).toBe(401);
    expect(codes(res)).toEqual(['UNAUTHENTICATED']);
  });

  test('requires keys:write, and never grants more than the caller holds', async ({ app, org }) => {
    const reader = await app.createKey(org.id, ['keys:read', 'records:read']);
    const denied = await execute(app.url, CreateOAuthClientDocument, { input }, { key: reader.plaintext });
    expect(denied.status).toBe(403);
    expect(denied.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'INSUFFICIENT_SCOPE' });
    const writer = await app.createKey(org.id, ['keys:write', 'records:read']);
    const escalate = await execute(app.url, CreateOAuthClientDocument, { input: { ...input, scopes: ['records:write'] } }, { key: writer.plaintext });
    expect(escalate.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'SCOPE_ESCALATION' });
    expect((await execute(app.url, CreateOAuthClientDocument, { input }, { key: writer.plaintext })).errors).toBeUndefined();
  });
});

describe('oauthClients, updateOAuthClient, rotateOAuthClientSecret, deleteOAuthClient', () => {
  test('list and read; other organizations see nothing and change nothing', async ({ app, key }) => {
    const created = (await execute(app.url, CreateOAuthClientDocument, { input }, { key })).data!.createOAuthClient.client;
    const list = await execute(app.url, OAuthClientsDocument, { first: 10 }, { key });
    expect(list.data?.oauthClients.nodes.map((c) => c.id)).toContain(created.id);

    const other = await app.createOrganization();
    const otherKey = (await app.createKey(other.id, ['*'])).plaintext;
    expect((await execute(app.url, OAuthClientsDocument, {}, { key: otherKey })).data?.oauthClients.nodes).toEqual([]);
    expect(codes(await execute(app.url, OAuthClientDocument, { id: created.id }, { key: otherKey }))).toEqual(['NOT_FOUND']);
    expect(codes(await execute(app.url, UpdateOAuthClientDocument, { id: created.id, input: { name: 'hijack' } }, { key: otherKey }))).toEqual(['NOT_FOUND']);
    expect(codes(await execute(app.url, RotateOAuthClientSecretDocument, { id: created.id }, { key: otherKey }))).toEqual(['NOT_FOUND']);
    expect(codes(await execute(app.url, DeleteOAuthClientDocument, { id: created.id }, { key: otherKey }))).toEqual(['NOT_FOUND']);
    expect((await execute(app.url, OAuthClientDocument, { id: created.id }, { key })).data?.oauthClient.name).toBe('Scheduler sync');
  });

  test('reads need keys:read; bad ids are BAD_USER_INPUT; no key is UNAUTHENTICATED', async ({ app, org }) => {
    const none = await app.createKey(org.id, ['records:read']);
    expect(codes(await execute(app.url, OAuthClientsDocument, {}, { key: none.plaintext }))).toEqual(['FORBIDDEN']);
    expect(codes(await execute(app.url, OAuthClientsDocument, {}))).toEqual(['UNAUTHENTICATED']);
    const reader = await app.createKey(org.id, ['keys:read']);
    expect(codes(await execute(app.url, OAuthClientDocument, { id: 'abc' }, { key: reader.plaintext }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await execute(app.url, UpdateOAuthClientDocument, { id: '1', input: { name: 'x' } }, { key: reader.plaintext }))).toEqual(['FORBIDDEN']);
    expect(codes(await execute(app.url, DeleteOAuthClientDocument, { id: '1' }))).toEqual(['UNAUTHENTICATED']);
  });

  test('update narrows scopes of existing tokens at once; bad input refused', async ({ app, key }) => {
    const created = (await execute(app.url, CreateOAuthClientDocument, { input: { ...input, scopes: ['records:read', 'org:read'] } }, { key })).data!.createOAuthClient;
    const config = await discover(app, created.client.clientId, created.clientSecret);
    const tokens = await client.clientCredentialsGrant(config, { scope: 'records:read org:read' });
    expect((await graphql(app, tokens.access_token, '{ viewer { scopes } }')).body.data).toEqual({ viewer: { scopes: ['records:read', 'org:read'] } });

    const updated = await execute(app.url, UpdateOAuthClientDocument, { id: created.client.id, input: { scopes: ['records:read'], name: 'Renamed' } }, { key });
    expect(updated.data?.updateOAuthClient).toMatchObject({ name: 'Renamed', scopes: ['records:read'], redirectUris: input.redirectUris });
    expect((await graphql(app, tokens.access_token, '{ viewer { scopes } }')).body.data).toEqual({ viewer: { scopes: ['records:read'] } });

    expect(codes(await execute(app.url, UpdateOAuthClientDocument, { id: created.client.id, input: { redirectUris: ['ftp://x'] } }, { key }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await execute(app.url, UpdateOAuthClientDocument, { id: created.client.id, input: { scopes: ['nope'] } }, { key }))).toEqual(['BAD_USER_INPUT']);
  });

  test('rotating the secret: the old one stops working, the new one works; public clients have none', async ({ app, key }) => {
    const created = (await execute(app.url, CreateOAuthClientDocument, { input }, { key })).data!.createOAuthClient;
    const rotated = await execute(app.url, RotateOAuthClientSecretDocument, { id: created.client.id }, { key });
    const secret = rotated.data!.rotateOAuthClientSecret.clientSecret!;
    expect(secret).not.toBe(created.clientSecret);
    await expect(client.clientCredentialsGrant(await discover(app, created.client.clientId, created.clientSecret, 'post'), { scope: 'records:read' })).rejects.toMatchObject({ error: 'invalid_client' });
    expect((await client.clientCredentialsGrant(await discover(app, created.client.clientId, secret), { scope: 'records:read' })).access_token).toBeTruthy();

    const pub = (await execute(app.url, CreateOAuthClientDocument, { input: { ...input, isConfidential: false } }, { key })).data!.createOAuthClient;
    expect(codes(await execute(app.url, RotateOAuthClientSecretDocument, { id: pub.client.id }, { key }))).toEqual(['CONFLICT']);
  });

  test('deleting a client revokes its tokens', async ({ app, key }) => {
    const created = (await execute(app.url, CreateOAuthClientDocument, { input }, { key })).data!.createOAuthClient;
    const tokens = await client.clientCredentialsGrant(await discover(app, created.client.clientId, created.clientSecret), { scope: 'records:read' });
    expect((await graphql(app, tokens.access_token, '{ viewer { scopes } }')).status).toBe(200);
    const deleted = await execute(app.url, DeleteOAuthClientDocument, { id: created.client.id }, { key });
    expect(deleted.data?.deleteOAuthClient).toBe(created.client.id);
    expect((await graphql(app, tokens.access_token, '{ viewer { scopes } }')).status).toBe(401);
    expect(codes(await execute(app.url, OAuthClientDocument, { id: created.client.id }, { key }))).toEqual(['NOT_FOUND']);
  });
});
