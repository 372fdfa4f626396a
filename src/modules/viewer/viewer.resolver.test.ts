import { describe, expect, test } from '../../../test/support/fixtures.js';
import { codes, execute } from '../../../test/support/test-app.js';
import { ViewerDocument } from '../../../test/generated/graphql.js';

describe('viewer', () => {
  test('names the organization, credential, scopes and rate-limit state', async ({ app, org }) => {
    const created = await app.createKey(org.id, ['keys:read', 'imports:write'], { rateLimit: 500 });
    const res = await execute(app.url, ViewerDocument, {}, { key: created.plaintext });
    expect(res.errors).toBeUndefined();
    expect(res.data?.viewer).toMatchObject({
      organization: { id: String(org.id), name: org.name },
      principalType: 'api_key',
      principalId: String(created.id),
      scopes: ['keys:read', 'imports:write'],
    });
    expect(created.plaintext.startsWith(res.data!.viewer.label)).toBe(true);
    const hour = res.data?.viewer.rateLimits.find((w) => w.name === 'hour');
    expect(hour).toMatchObject({ limit: 500, remaining: 499, windowSeconds: 3600 });
  });

  test('sends IETF RateLimit headers', async ({ app, key }) => {
    const res = await execute(app.url, ViewerDocument, {}, { key });
    expect(res.headers.get('ratelimit-policy')).toMatch(/^"hour";q=1000;w=3600, "burst";q=\d+;w=\d+$/);
    expect(res.headers.get('ratelimit')).toMatch(/^"hour";r=\d+;t=\d+, "burst";r=\d+;t=\d+$/);
  });

  test('is UNAUTHENTICATED without a key and for a garbled key', async ({ app }) => {
    const none = await execute(app.url, ViewerDocument, {});
    expect(none.status).toBe(401);
    expect(codes(none)).toEqual(['UNAUTHENTICATED']);
    const garbled = await execute(app.url, ViewerDocument, {}, { key: 'trk_live_nonsense' });
    expect(garbled.status).toBe(401);
    expect(garbled.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'MALFORMED' });
  });

  test('needs no particular scope, and shows only the caller’s own organization', async ({ app }) => {
    const a = await app.createOrganization('Alpha Builders');
    const b = await app.createOrganization('Beta Builders');
    const keyA = await app.createKey(a.id, ['imports:read']);
    const keyB = await app.createKey(b.id, ['imports:read']);
    const resA = await execute(app.url, ViewerDocument, {}, { key: keyA.plaintext });
    const resB = await execute(app.url, ViewerDocument, {}, { key: keyB.plaintext });
    expect(resA.data?.viewer.organization.name).toBe('Alpha Builders');
    expect(resB.data?.viewer.organization.name).toBe('Beta Builders');
  });
});
