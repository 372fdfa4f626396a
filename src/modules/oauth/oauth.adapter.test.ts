import { eq } from 'drizzle-orm';
import { describe, expect, test } from '../../../test/support/fixtures.js';
import { createLogger } from '../../platform/logging/logger.js';
import { SecretBox } from '../../platform/crypto/secret-box.js';
import { BrowserSessions } from '../../platform/http/browser-session.js';
import { WindowLimiter } from '../../platform/rate-limit/window-limiter.js';
import { oauthArtifacts } from './oauth-artifacts.table.js';
import { oauthSigningKeys } from './oauth-signing-keys.table.js';
import { MySqlArtifactAdapter, pruneExpiredArtifacts } from './oauth.adapter.js';
import { hashPassword, verifyPassword } from './oauth.passwords.js';
import { OAuthServer } from './oauth.server.js';
import { loadSigningKeys, rotateSigningKey } from './oauth.signing-keys.js';

const unique = (prefix: string) => `${prefix}-${Math.random().toString(36).slice(2)}`;

describe('MySQL adapter', () => {
  test('stores, finds (also by uid), honours expiry and destroys', async ({ app }) => {
    const db = app.app.services.db;
    const sessions = new MySqlArtifactAdapter(db, 'Session');
    const id = unique('s');
    await sessions.upsert(id, { uid: `${id}-uid`, accountId: '1:1' }, 60);
    expect(await sessions.find(id)).toMatchObject({ uid: `${id}-uid`, accountId: '1:1' });
    expect(await sessions.findByUid(`${id}-uid`)).toMatchObject({ accountId: '1:1' });
    // Ids are case-sensitive.
    expect(await sessions.find(id.toUpperCase())).toBeUndefined();
    // Another model with the same id is another row.
    expect(await new MySqlArtifactAdapter(db, 'Interaction').find(id)).toBeUndefined();

    await db.update(oauthArtifacts).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(oauthArtifacts.id, id));
    expect(await sessions.find(id)).toBeUndefined();
    expect(await pruneExpiredArtifacts(db)).toBeGreaterThanOrEqual(1);
    expect(await db.select().from(oauthArtifacts).where(eq(oauthArtifacts.id, id))).toEqual([]);

    const other = unique('s');
    await sessions.upsert(other, { accountId: '2:2' }, 60);
    await sessions.destroy(other);
    expect(await sessions.find(other)).toBeUndefined();
  });

  test('consume is atomic: of two racing consumers one wins, the other revokes the grant', async ({ app }) => {
    const db = app.app.services.db;
    const tokens = new MySqlArtifactAdapter(db, 'RefreshToken');
    const access = new MySqlArtifactAdapter(db, 'AccessToken');
    const grantId = unique('g');
    const id = unique('rt');
    await tokens.upsert(id, { grantId, clientId: 'c' }, 600);
    await access.upsert(unique('at'), { grantId, clientId: 'c' }, 600);
    const results = await Promise.allSettled([tokens.consume(id), tokens.consume(id)]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toMatchObject({ error: 'invalid_grant' });
    expect(await db.select().from(oauthArtifacts).where(eq(oauthArtifacts.grantId, grantId))).toEqual([]);
  });

  test('find reports consumption; revokeByGrantId removes only its model', async ({ app }) => {
    const db = app.app.services.db;
    const codes = new MySqlArtifactAdapter(db, 'AuthorizationCode');
    const access = new MySqlArtifactAdapter(db, 'AccessToken');
    const grantId = unique('g');
    const code = unique('code');
    await codes.upsert(code, { grantId }, 60);
    await codes.consume(code);
    expect((await codes.find(code))?.consumed).toEqual(expect.any(Number));
    const at = unique('at');
    await access.upsert(at, { grantId }, 60);
    await access.revokeByGrantId(grantId);
    expect(await access.find(at)).toBeUndefined();
    expect(await codes.find(code)).toBeDefined();
  });
});

describe('signing keys', () => {
  test('sealed in MySQL; a rotation adds a newest key and keeps the old one published until it retires', async ({ app }) => {
    const db = app.app.services.db;
    const secrets = SecretBox.fromPassphrase('signing-key-test');
    const first = await loadSigningKeys(db, secrets);
    expect(first.length).toBeGreaterThanOrEqual(1);
    const [row] = await app.app.services.pool.query('SELECT sealed_jwk FROM oauth_signing_keys LIMIT 1');
    expect(JSON.stringify(row)).not.toContain('"d"');

    const server = new OAuthServer({
      db,
      secrets,
      sessions: new BrowserSessions(secrets.deriveKey('browser-session'), { secure: false }),
      loginLimiter: new WindowLimiter(app.app.services.pool, { maxLease: 1 }),
      throttle: { perAccount: 5, perAddress: 50, windowSeconds: 60 },
      ttls: { accessTokenSeconds: 600, refreshTokenSeconds: 3600 },
      publicUrl: () => 'https://trestle.example',
      keyCheckIntervalMs: 0,
      logger: createLogger('silent'),
    });
    const before = await server.provider();
    expect(before.issuer).toBe('https://trestle.example/oauth');
    const { kid } = await rotateSigningKey(db, secrets, 3600);
    const after = await server.provider();
    expect(after).not.toBe(before);
    const keys = await loadSigningKeys(db, secrets);
    expect(keys[0]?.kid).toBe(kid);
    expect(keys.map((k) => k.kid)).toEqual(expect.arrayContaining(first.map((k) => k.kid)));

    // Retired at once: the key that was signing leaves the JWKS; keys already retiring keep their date.
    const { kid: newest } = await rotateSigningKey(db, secrets, 0);
    const published = (await loadSigningKeys(db, secrets)).map((k) => k.kid);
    expect(published[0]).toBe(newest);
    expect(published).not.toContain(kid);
    expect(published).toEqual(expect.arrayContaining(first.map((k) => k.kid)));
  });
});

describe('the first signing key', () => {
  test('processes starting together agree on one key', async ({ app }) => {
    const db = app.app.services.db;
    const secrets = SecretBox.fromPassphrase('first-key-test');
    await db.delete(oauthSigningKeys);
    const loaded = await Promise.all([loadSigningKeys(db, secrets), loadSigningKeys(db, secrets), loadSigningKeys(db, secrets)]);
    const kids = loaded.map((keys) => keys.map((k) => k.kid));
    expect(kids[0]).toHaveLength(1);
    expect(kids[1]).toEqual(kids[0]);
    expect(kids[2]).toEqual(kids[0]);
  });
});

describe('passwords', () => {
  test('scrypt with its parameters in the hash; wrong, empty and malformed never match', async () => {
    const hash = await hashPassword('correct horse battery staple');
    expect(hash).toMatch(/^scrypt\$15\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{86}$/);
    expect(await verifyPassword('correct horse battery staple', hash)).toBe(true);
    expect(await verifyPassword('correct horse battery stapler', hash)).toBe(false);
    expect(await verifyPassword('', hash)).toBe(false);
    expect(await verifyPassword('anything', null)).toBe(false);
    expect(await verifyPassword('anything', 'plaintext')).toBe(false);
    expect(await hashPassword('same')).not.toBe(await hashPassword('same'));
  });
});
