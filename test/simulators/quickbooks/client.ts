import type { OAuthClient } from './oauth.js';
import type { QuickBooksSimulator } from './server.js';

/**
 * Test helpers that speak to the simulator as a connector would: the authorization redirect, the
 * code exchange, and authenticated API calls.
 */

export interface TokenSet {
  access_token: string;
  refresh_token: string;
  expires_in: number;
  x_refresh_token_expires_in: number;
  token_type: string;
}

/** Answers are read freely in tests. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON of many shapes, asserted by the tests
export type Json = any;

export const basicAuth = (clientId: string, clientSecret: string) =>
  `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`;

/** Follows the authorization endpoint (auto-approved) and exchanges the code. */
export async function connectClient(
  sim: QuickBooksSimulator,
  client: OAuthClient,
  redirectUri = client.redirectUris[0]!,
): Promise<{ realmId: string; tokens: TokenSet }> {
  const authorize = new URL(sim.authorizeUrl);
  authorize.search = new URLSearchParams({
    client_id: client.clientId,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: 'com.intuit.quickbooks.accounting',
    state: 'state-1',
  }).toString();
  const redirect = await fetch(authorize, { redirect: 'manual' });
  const location = new URL(redirect.headers.get('location') ?? '');
  const code = location.searchParams.get('code');
  const realmId = location.searchParams.get('realmId');
  if (!code || !realmId) throw new Error(`authorization failed: ${location.toString()}`);
  const response = await fetch(sim.tokenUrl, {
    method: 'POST',
    headers: { authorization: basicAuth(client.clientId, client.clientSecret), 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri }).toString(),
  });
  if (response.status !== 200) throw new Error(`token exchange failed: ${response.status} ${await response.text()}`);
  return { realmId, tokens: (await response.json()) as TokenSet };
}

/** Calls `/v3/company/{realmId}/{path}` with a bearer token; returns status, headers and parsed JSON. */
export async function callApi(
  sim: QuickBooksSimulator,
  accessToken: string | null,
  realmId: string,
  path: string,
  init: { method?: string; body?: unknown; contentType?: string } = {},
): Promise<{ status: number; headers: Headers; json: Json }> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (accessToken !== null) headers['authorization'] = `Bearer ${accessToken}`;
  let body: string | undefined;
  if (init.body !== undefined) {
    body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
    headers['content-type'] = init.contentType ?? 'application/json';
  }
  const response = await fetch(`${sim.apiBaseUrl}/${realmId}/${path}`, { method: init.method ?? (body === undefined ? 'GET' : 'POST'), headers, ...(body === undefined ? {} : { body }) });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: response.status, headers: response.headers, json: json as Json };
}

/** `query?query=…&minorversion=75` */
export const queryPath = (statement: string) => `query?query=${encodeURIComponent(statement)}&minorversion=75`;
