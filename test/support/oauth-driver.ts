import * as client from 'openid-client';
import type { TestApp } from './test-app.js';
import { createLocalUser, createOAuthClient } from '../../src/modules/oauth/index.js';

/*
 * Drives the OAuth flows the way a partner app and a person would, over HTTP only: openid-client
 * 6 is the client; a cookie-keeping fetch stands in for the browser on the login and consent
 * pages (the Chromium suite covers the real browser).
 */

const SYSTEM = { type: 'system' as const, id: 'test' };
/** Never contacted: the fake browser stops at any other origin. */
export const REDIRECT_URI = 'http://localhost:3999/callback';

/** The public base URL of the test app (its issuer is this + /oauth). */
export function baseUrl(app: TestApp): string {
  return app.url.replace('127.0.0.1', 'localhost').replace(/\/graphql$/, '');
}

export async function registerClient(
  app: TestApp,
  organizationId: number,
  input: { scopes: string[]; redirectUris?: string[]; isConfidential?: boolean; name?: string },
): Promise<{ clientId: string; secret: string | null; id: number }> {
  const created = await createOAuthClient(app.app.services.db, SYSTEM, null, organizationId, {
    name: input.name ?? 'Partner app',
    redirectUris: input.redirectUris ?? [REDIRECT_URI],
    scopes: input.scopes,
    isConfidential: input.isConfidential ?? true,
  });
  return { clientId: created.client.clientId, secret: created.secret, id: created.client.id };
}

let userCounter = 0;
export async function createUser(app: TestApp, organizationId: number, role = 'admin'): Promise<{ email: string; password: string; userId: number }> {
  userCounter += 1;
  const email = `user${userCounter}.${Date.now()}@example.com`;
  const password = `correct horse ${userCounter} battery`;
  const { userId } = await createLocalUser(app.app.services.db, SYSTEM, { organizationId, email, password, role });
  return { email, password, userId };
}

/** openid-client's view of the server, for a confidential (secret) or public (no secret) client. */
export async function discover(app: TestApp, clientId: string, secret: string | null, auth: 'basic' | 'post' = 'basic'): Promise<client.Configuration> {
  const authMethod = secret === null ? client.None() : auth === 'basic' ? client.ClientSecretBasic(secret) : client.ClientSecretPost(secret);
  return client.discovery(new URL(`${baseUrl(app)}/oauth`), clientId, undefined, authMethod, { execute: [client.allowInsecureRequests] });
}

/** A minimal cookie jar: name → value, paths ignored (every cookie goes to every request). */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a) || /^\s*expires=thu, 01 jan 1970/i.test(a));
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  set(name: string, value: string): void {
    this.cookies.set(name, value);
  }

  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

export interface BrowserStep {
  status: number;
  url: string;
  location: string | null;
  body: string;
}

/** A tiny browser: follows redirects within the server, keeping cookies, and stops at any other origin. */
export class FakeBrowser {
  readonly jar = new CookieJar();

  constructor(private readonly origin: string) {}

  async request(url: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<BrowserStep> {
    let current = url;
    let method = init.method ?? 'GET';
    let body: string | undefined = init.form ? new URLSearchParams(init.form).toString() : undefined;
    for (let hops = 0; hops < 15; hops += 1) {
      const response = await fetch(current, {
        method,
        redirect: 'manual',
        headers: { cookie: this.jar.header(), ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
        ...(body ? { body } : {}),
      });
      this.jar.store(response);
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        const next = new URL(location, current).href;
        if (!next.startsWith(this.origin)) return { status: response.status, url: current, location: next, body: await response.text() };
        current = next;
        method = 'GET';
        body = undefined;
        continue;
      }
      return { status: response.status, url: current, location, body: await response.text() };
    }
    throw new Error('too many redirects');
  }
}

/** The value of a hidden form field, and the form's action, from a page. */
export function formOf(html: string): { action: string; csrf: string; fields: Record<string, string> } {
  const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
  const fields: Record<string, string> = {};
  for (const match of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) fields[match[1]!] = match[2]!.replaceAll('&amp;', '&');
  if (!action || !fields['csrf']) throw new Error(`no form on the page: ${html.slice(0, 300)}`);
  return { action: action.replaceAll('&amp;', '&'), csrf: fields['csrf'], fields };
}

/**
 * Signs in and answers the consent page; resolves with the URL the browser was finally sent to
 * (the client's redirect URI with code or error).
 */
export async function authorizeInBrowser(
  app: TestApp,
  authorizationUrl: URL,
  person: { email: string; password: string } | null,
  decision: 'approve' | 'deny' = 'approve',
  browser = new FakeBrowser(baseUrl(app)),
): Promise<{ callback: URL | null; last: BrowserStep }> {
  const origin = baseUrl(app);
  let step = await browser.request(authorizationUrl.href);
  for (let pages = 0; pages < 5 && !step.location; pages += 1) {
    if (step.status !== 200) return { callback: null, last: step };
    const form = formOf(step.body);
    const target = new URL(form.action, origin).href;
    if (form.action.endsWith('/login')) {
      if (!person) return { callback: null, last: step };
      step = await browser.request(target, { method: 'POST', form: { ...form.fields, email: person.email, password: person.password } });
    } else if (form.action.endsWith('/confirm')) {
      step = await browser.request(target, { method: 'POST', form: { ...form.fields, decision } });
    } else {
      return { callback: null, last: step };
    }
  }
  return { callback: step.location ? new URL(step.location) : null, last: step };
}

/**
 * The authorization-code flow with PKCE (S256) up to the redirect: the callback URL, and the
 * verifier that redeems its code.
 */
export async function authorizeWithPkce(
  app: TestApp,
  config: client.Configuration,
  person: { email: string; password: string },
  params: { scope: string; state: string; nonce?: string },
): Promise<{ callback: URL; verifier: string }> {
  const verifier = client.randomPKCECodeVerifier();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: params.scope,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state: params.state,
    ...(params.nonce ? { nonce: params.nonce } : {}),
  });
  const { callback } = await authorizeInBrowser(app, url, person);
  if (!callback) throw new Error('the authorization did not come back to the redirect URI');
  return { callback, verifier };
}

/** POSTs a GraphQL query with a bearer token. */
export async function graphql(app: TestApp, token: string, query: string): Promise<{ status: number; body: { data?: Record<string, unknown> | null; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> } }> {
  const response = await fetch(app.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query }) });
  return { status: response.status, body: (await response.json()) as never };
}
