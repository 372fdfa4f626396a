// A single-page app on another origin uses the API in Chromium: PKCE authorization, the token
// endpoint, GraphQL over HTTP and over WebSocket, refresh; CORS is answered for the client's
// registered web origins only, and never for API keys.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as client from 'openid-client';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { createOAuthClient } from '../src/modules/oauth/index.js';
import { chromiumAvailable, launchChromium } from './support/browser.js';
import { describe, expect, test } from './support/fixtures.js';
import { baseUrl, createUser } from './support/oauth-driver.js';

const SYSTEM = { type: 'system' as const, id: 'test' };
const hasChromium = chromiumAvailable('oauth.cors.test');
let browser: Browser | undefined;
let spa: Server | undefined;
let SPA = '';

beforeAll(async () => {
  spa = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>Partner SPA</title><p>partner app</p>'));
  spa.listen(0, '127.0.0.1');
  await once(spa, 'listening');
  SPA = `http://127.0.0.1:${(spa.address() as AddressInfo).port}`;
  if (hasChromium) browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  spa?.closeAllConnections();
  spa?.close();
});

type Fetched = { status: number; body: Record<string, unknown> } | { failed: string };

describe('browser apps on another origin', () => {
  test('CORS headers: only for a registered origin with that client\'s token; never for API keys', async ({ app, org, key }) => {
    const base = baseUrl(app);
    const { client: registered } = await createOAuthClient(app.app.services.db, SYSTEM, null, org.id, { name: 'SPA', redirectUris: [`${SPA}/callback`], scopes: ['org:read'], isConfidential: false, webOrigins: [SPA] });
    expect(registered.webOrigins).toEqual([SPA]);
    // Validated like redirect URIs.
    for (const bad of ['http://evil.example', 'https://app.example.com/path', 'https://*.example.com', 'not a url', 'https://user@app.example.com']) {
      await expect(createOAuthClient(app.app.services.db, SYSTEM, null, org.id, { name: 'x', redirectUris: [], scopes: ['org:read'], isConfidential: true, webOrigins: [bad] })).rejects.toThrow(/webOrigins/);
    }
    const preflight = (origin: string, headers: string) =>
      fetch(`${base}/graphql`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': headers } });
    const ok = await preflight(SPA, 'authorization, content-type');
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe(SPA);
    expect(ok.headers.get('access-control-allow-headers')).not.toContain('x-api-key');
    expect((await preflight('https://evil.test', 'authorization, content-type')).headers.get('access-control-allow-origin')).toBeNull();
    expect((await preflight(SPA, 'x-api-key, content-type')).headers.get('access-control-allow-origin')).toBeNull();
    const restPreflight = await fetch(`${base}/api/v1/files/1`, { method: 'OPTIONS', headers: { origin: SPA, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' } });
    expect(restPreflight.headers.get('access-control-allow-origin')).toBe(SPA);
    // An API key gets no CORS answer, whatever the origin.
    for (const headers of [{ 'x-api-key': key }, { authorization: `Bearer ${key}` }]) {
      const res = await fetch(`${base}/graphql`, { method: 'POST', headers: { origin: SPA, 'content-type': 'application/json', ...headers }, body: '{"query":"{ viewer { scopes } }"}' });
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
    }
  }, 120_000);

  test.skipIf(!hasChromium)('a single-page app signs in with PKCE, redeems and refreshes tokens and queries /graphql (HTTP and WebSocket) from its own origin', async ({ app, org, key }) => {
    const base = baseUrl(app);
    const { client: registered } = await createOAuthClient(app.app.services.db, SYSTEM, null, org.id, { name: 'Partner SPA', redirectUris: [`${SPA}/callback`], scopes: ['org:read'], isConfidential: false, webOrigins: [SPA] });
    const { client: elsewhere } = await createOAuthClient(app.app.services.db, SYSTEM, null, org.id, { name: 'Other SPA', redirectUris: [`${SPA}/callback`], scopes: ['org:read'], isConfidential: false, webOrigins: ['https://other.example'] });
    const person = await createUser(app, org.id);
    const context = await browser!.newContext();
    const page = await context.newPage();

    async function signIn(clientId: string) {
      const verifier = client.randomPKCECodeVerifier();
      const url = new URL(`${base}/oauth/authorize`);
      url.search = new URLSearchParams({ client_id: clientId, response_type: 'code', redirect_uri: `${SPA}/callback`, scope: 'org:read', code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state: 'spa' }).toString();
      await page.goto(url.href);
      if (await page.locator('#password').count()) {
        await page.fill('#email', person.email);
        await page.fill('#password', person.password);
        await page.click('#sign-in');
      }
      await page.waitForSelector('#approve');
      await Promise.all([page.waitForURL(`${SPA}/callback**`), page.click('#approve')]);
      return { code: new URL(page.url()).searchParams.get('code')!, verifier };
    }
    const tokenRequest = (form: Record<string, string>) =>
      page.evaluate(async ({ endpoint, form }): Promise<Fetched> => {
        try {
          const res = await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() });
          return { status: res.status, body: (await res.json()) as Record<string, unknown> };
        } catch (error) {
          return { failed: String(error) };
        }
      }, { endpoint: `${base}/oauth/token`, form });
    const query = (headers: Record<string, string>) =>
      page.evaluate(async ({ endpoint, headers }): Promise<Fetched> => {
        try {
          const res = await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query: '{ viewer { principalType organization { id } } }' }) });
          return { status: res.status, body: (await res.json()) as Record<string, unknown> };
        } catch (error) {
          return { failed: String(error) };
        }
      }, { endpoint: `${base}/graphql`, headers });

    const { code, verifier } = await signIn(registered.clientId);
    expect(new URL(page.url()).origin).toBe(SPA);
    const tokens = await tokenRequest({ grant_type: 'authorization_code', code, redirect_uri: `${SPA}/callback`, client_id: registered.clientId, code_verifier: verifier });
    expect(tokens).toMatchObject({ status: 200, body: { token_type: 'Bearer' } });
    const access = (tokens as unknown as { body: { access_token: string; refresh_token: string } }).body;
    expect(await query({ authorization: `Bearer ${access.access_token}` })).toEqual({ status: 200, body: { data: { viewer: { principalType: 'oauth_token', organization: { id: String(org.id) } } } } });

    const refreshed = await tokenRequest({ grant_type: 'refresh_token', refresh_token: access.refresh_token, client_id: registered.clientId });
    expect(refreshed).toMatchObject({ status: 200 });
    const second = (refreshed as unknown as { body: { access_token: string } }).body.access_token;
    expect(await query({ authorization: `Bearer ${second}` })).toMatchObject({ status: 200, body: { data: { viewer: { principalType: 'oauth_token' } } } });

    // GraphQL over WebSocket from the SPA: its token is accepted; an API key is not.
    const ws = (params: Record<string, string>) =>
      page.evaluate(({ url, params }) => new Promise<string>((resolve) => {
        const socket = new WebSocket(url, 'graphql-transport-ws');
        socket.onopen = () => socket.send(JSON.stringify({ type: 'connection_init', payload: params }));
        socket.onmessage = (event) => { resolve(String(JSON.parse(String(event.data)).type)); socket.close(); };
        socket.onclose = (event) => resolve(`closed ${event.code}`);
      }), { url: `${base.replace('http', 'ws')}/graphql`, params });
    expect(await ws({ Authorization: `Bearer ${second}` })).toBe('connection_ack');
    expect(await ws({ 'X-API-Key': key })).toMatch(/^closed 4403/);

    // From the SPA's origin: an API key, and a token of a client registered for another origin, cannot be read.
    expect(await query({ 'x-api-key': key })).toMatchObject({ failed: expect.stringContaining('Failed to fetch') });
    expect(await query({ authorization: `Bearer ${key}` })).toMatchObject({ failed: expect.stringContaining('Failed to fetch') });
    const other = await signIn(elsewhere.clientId);
    expect(await tokenRequest({ grant_type: 'authorization_code', code: other.code, redirect_uri: `${SPA}/callback`, client_id: elsewhere.clientId, code_verifier: other.verifier })).toMatchObject({ failed: expect.stringContaining('Failed to fetch') });
    await context.close();
  }, 120_000);
});
