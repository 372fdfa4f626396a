import { appFixtures, describe, expect } from './support/fixtures.js';

const test = appFixtures({ RATE_LIMIT_REFUSED_CREDENTIALS_PER_MINUTE: '3' });

async function viewer(url: string, headers: Record<string, string>) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query: '{ viewer { scopes } }' }) });
  const body = (await res.json()) as { errors?: Array<{ extensions?: Record<string, unknown> }> };
  return { status: res.status, retryAfter: res.headers.get('retry-after'), code: body.errors?.[0]?.extensions?.['code'] };
}

describe('two credentials in one request', () => {
  test('X-API-Key and Authorization with different credentials: 400, over GraphQL and REST', async ({ app, org, key }) => {
    const other = (await app.createKey(org.id, ['*'])).plaintext;
    const both = { 'x-api-key': key, authorization: `Bearer ${other}` };
    const graphql = await fetch(app.url, { method: 'POST', headers: { 'content-type': 'application/json', ...both }, body: JSON.stringify({ query: '{ viewer { scopes } }' }) });
    const graphqlBody = (await graphql.json()) as { data?: unknown; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };
    expect(graphql.status).toBe(400);
    expect(graphqlBody.data).toBeUndefined();
    expect(graphqlBody.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'AMBIGUOUS_CREDENTIALS' });
    expect(graphqlBody.errors?.[0]?.message).toMatch(/two different credentials/);

    const rest = await fetch(app.url.replace(/\/graphql$/, '/api/v1/export/1'), { headers: both });
    expect(rest.status).toBe(400);
    expect(await rest.json()).toMatchObject({ error: { code: 'BAD_USER_INPUT', reason: 'AMBIGUOUS_CREDENTIALS' } });

    // The same key in both headers is one credential.
    expect((await viewer(app.url, { 'x-api-key': key, authorization: `Bearer ${key}` })).status).toBe(200);
  });
});

// Runs last: it leaves this address refused for a minute.
describe('refused credentials from one address', () => {
  test('get 401 up to the limit, then 429 for a minute without any lookup', async ({ app, key }) => {
    const made = ['Bearer trk_live_notarealkey', 'Bearer a-made-up-opaque-access-token-value-0123456789', 'Bearer trk_live_anotherfake'];
    for (const authorization of made) expect(await viewer(app.url, { authorization })).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    const refused = await viewer(app.url, { authorization: 'Bearer trk_live_onemore' });
    expect(refused).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
    expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(refused.retryAfter)).toBeLessThanOrEqual(60);
    // The address is refused for any credential until the minute ends, a valid one included:
    // the gate does not look credentials up for it any more.
    expect((await viewer(app.url, { authorization: `Bearer ${key}` })).status).toBe(429);
    // Without a credential, the anonymous limit applies as before (401: the query needs a key).
    expect((await viewer(app.url, {})).status).toBe(401);
  });
});
