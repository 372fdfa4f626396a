import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicAuth, callApi, connectClient, queryPath } from './client.js';
import { startQuickBooksSimulator, type QuickBooksSimulator } from './server.js';

const client = { clientId: 'oauth-client', clientSecret: 'oauth-secret', redirectUris: ['http://127.0.0.1:9/cb'] };
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

async function tokenRequest(sim: QuickBooksSimulator, fields: Record<string, string>, auth = basicAuth(client.clientId, client.clientSecret)) {
  const response = await fetch(sim.tokenUrl, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: form(fields),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

async function authorize(sim: QuickBooksSimulator, params: Record<string, string>) {
  const url = new URL(sim.authorizeUrl);
  url.search = form(params);
  const response = await fetch(url, { redirect: 'manual' });
  const location = response.headers.get('location');
  return { status: response.status, location: location === null ? null : new URL(location), text: location === null ? await response.text() : '' };
}

describe('QuickBooks simulator: OAuth 2.0', () => {
  let sim: QuickBooksSimulator;
  beforeAll(async () => {
    sim = await startQuickBooksSimulator({ clients: [client], accessTokenTtlSeconds: 3600 });
  });
  afterAll(async () => {
    await sim.close();
  });

  const good = { client_id: client.clientId, redirect_uri: client.redirectUris[0]!, response_type: 'code', scope: 'com.intuit.quickbooks.accounting', state: 'xyz' };

  it('redirects with code, state and realmId, and exchanges the code once for Intuit-shaped tokens', async () => {
    const { status, location } = await authorize(sim, good);
    expect(status).toBe(302);
    expect(location!.origin + location!.pathname).toBe(client.redirectUris[0]);
    expect(location!.searchParams.get('state')).toBe('xyz');
    expect(location!.searchParams.get('realmId')).toBe(sim.realmId);
    const code = location!.searchParams.get('code')!;

    const exchanged = await tokenRequest(sim, { grant_type: 'authorization_code', code, redirect_uri: client.redirectUris[0]! });
    expect(exchanged.status).toBe(200);
    expect(exchanged.json).toMatchObject({ token_type: 'bearer', expires_in: 3600, x_refresh_token_expires_in: 8726400 });
    expect(exchanged.json['access_token']).toEqual(expect.any(String));
    expect(exchanged.json['refresh_token']).toEqual(expect.any(String));

    // A code works once; presenting it again also revokes what it issued.
    const again = await tokenRequest(sim, { grant_type: 'authorization_code', code, redirect_uri: client.redirectUris[0]! });
    expect(again).toMatchObject({ status: 400, json: { error: 'invalid_grant' } });
    const api = await callApi(sim, exchanged.json['access_token'] as string, sim.realmId, queryPath('SELECT * FROM Vendor'));
    expect(api.status).toBe(401);
  });

  it('refuses bad authorization requests', async () => {
    const unknownClient = await authorize(sim, { ...good, client_id: 'nobody' });
    expect(unknownClient.status).toBe(400);
    expect(unknownClient.location).toBeNull();
    const wrongRedirect = await authorize(sim, { ...good, redirect_uri: 'http://127.0.0.1:9/cb/other' });
    expect(wrongRedirect.status).toBe(400);
    expect(wrongRedirect.location).toBeNull();
    const badScope = await authorize(sim, { ...good, scope: 'com.intuit.quickbooks.payroll' });
    expect(badScope.location!.searchParams.get('error')).toBe('invalid_scope');
    expect(badScope.location!.searchParams.get('state')).toBe('xyz');
    const badType = await authorize(sim, { ...good, response_type: 'token' });
    expect(badType.location!.searchParams.get('error')).toBe('unsupported_response_type');
    sim.denyAuthorizations(1);
    const denied = await authorize(sim, good);
    expect(denied.location!.searchParams.get('error')).toBe('access_denied');
  });

  it('refuses bad token requests: client authentication, redirect_uri, grant type', async () => {
    const { location } = await authorize(sim, good);
    const code = location!.searchParams.get('code')!;
    expect(await tokenRequest(sim, { grant_type: 'authorization_code', code, redirect_uri: good.redirect_uri }, basicAuth(client.clientId, 'wrong'))).toMatchObject({
      status: 401,
      json: { error: 'invalid_client' },
    });
    expect(await tokenRequest(sim, { grant_type: 'authorization_code', code, redirect_uri: 'http://127.0.0.1:9/elsewhere' })).toMatchObject({
      status: 400,
      json: { error: 'invalid_grant' },
    });
    expect(await tokenRequest(sim, { grant_type: 'password', username: 'a' })).toMatchObject({ status: 400, json: { error: 'unsupported_grant_type' } });
    expect(await tokenRequest(sim, { code })).toMatchObject({ status: 400, json: { error: 'invalid_request' } });
    expect(await tokenRequest(sim, { grant_type: 'refresh_token', refresh_token: 'RT1-made-up' })).toMatchObject({ status: 400, json: { error: 'invalid_grant' } });
  });

  it('expires access tokens after their TTL and rotates refresh tokens (the used one stops working)', async () => {
    const { tokens, realmId } = await connectClient(sim, client);
    expect((await callApi(sim, tokens.access_token, realmId, queryPath('SELECT * FROM Vendor'))).status).toBe(200);

    sim.advanceTime(3601_000);
    const expired = await callApi(sim, tokens.access_token, realmId, queryPath('SELECT * FROM Vendor'));
    expect(expired.status).toBe(401);
    expect(expired.headers.get('www-authenticate')).toContain('Bearer');
    expect(expired.json.fault.error[0].code).toBe('3200');

    const refreshed = await tokenRequest(sim, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
    expect(refreshed.status).toBe(200);
    expect(refreshed.json['refresh_token']).not.toBe(tokens.refresh_token);
    expect((await callApi(sim, refreshed.json['access_token'] as string, realmId, queryPath('SELECT * FROM Vendor'))).status).toBe(200);

    const reused = await tokenRequest(sim, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
    expect(reused).toMatchObject({ status: 400, json: { error: 'invalid_grant' } });
    const next = await tokenRequest(sim, { grant_type: 'refresh_token', refresh_token: refreshed.json['refresh_token'] as string });
    expect(next.status).toBe(200);
  });

  it('answers 401 without a token and 403 for another company', async () => {
    const { tokens, realmId } = await connectClient(sim, client);
    const none = await callApi(sim, null, realmId, queryPath('SELECT * FROM Vendor'));
    expect(none.status).toBe(401);
    const other = sim.createCompany();
    const forbidden = await callApi(sim, tokens.access_token, other, queryPath('SELECT * FROM Vendor'));
    expect(forbidden.status).toBe(403);
    expect(forbidden.json.Fault.Error[0].code).toBe('3100');
  });

  it('revokes a grant through the revoke endpoint and through the control API', async () => {
    const first = await connectClient(sim, client);
    const revoke = await fetch(sim.revokeUrl, {
      method: 'POST',
      headers: { authorization: basicAuth(client.clientId, client.clientSecret), 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ token: first.tokens.refresh_token }),
    });
    expect(revoke.status).toBe(200);
    expect((await callApi(sim, first.tokens.access_token, first.realmId, queryPath('SELECT * FROM Vendor'))).status).toBe(401);
    expect(await tokenRequest(sim, { grant_type: 'refresh_token', refresh_token: first.tokens.refresh_token })).toMatchObject({ status: 400, json: { error: 'invalid_grant' } });

    const second = await connectClient(sim, client);
    expect(sim.revokeRefreshTokens(second.realmId)).toBeGreaterThan(0);
    expect(await tokenRequest(sim, { grant_type: 'refresh_token', refresh_token: second.tokens.refresh_token })).toMatchObject({ status: 400, json: { error: 'invalid_grant' } });
  });
});
