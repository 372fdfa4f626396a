import type { RowDataPacket } from 'mysql2/promise';
import { markDomainsVerified } from '../../../test/support/sso-domains.js';
import { afterAll, beforeAll } from 'vitest';
import { appFixtures, describe, expect } from '../../../test/support/fixtures.js';
import { execute, type TestApp } from '../../../test/support/test-app.js';
import { chromiumAvailable, launchChromium } from '../../../test/support/browser.js';
import { CookieJar, startOidcUpstream, type OidcUpstream } from '../../../test/support/oidc-upstream.js';
import { CreateSsoConnectionDocument, UpdateSsoConnectionDocument } from '../../../test/generated/graphql.js';

const test = appFixtures({ SSO_ALLOW_INSECURE_IDPS: 'true' });

let upstream: OidcUpstream;
beforeAll(async () => {
  upstream = await startOidcUpstream();
});
afterAll(async () => {
  await upstream?.close();
});

const baseOf = (app: TestApp) => app.url.replace('127.0.0.1', 'localhost').replace(/\/graphql$/, '');
const pool = (app: TestApp) => app.app.services.pool;

type Conn = { id: string; domain: string; base: string; key: string; organization: string };
let connection: Conn | null = null;

/** One OIDC connection for the file (the upstream provider has one client), of the first test's organization. */
async function oidcConnection(app: TestApp, key: string, organization: string): Promise<Conn> {
  if (connection) return connection;
  const domain = 'builders.example.org';
  const created = await execute(
    app.url,
    CreateSsoConnectionDocument,
    { input: { name: 'Upstream', protocol: 'OIDC', domains: [domain], defaultRole: 'MEMBER', oidc: { issuer: upstream.issuer, clientId: 'trestle', clientSecret: 'upstream-client-secret' } } },
    { key },
  );
  expect(created.errors).toBeUndefined();
  const c = created.data!.createSsoConnection;
  await markDomainsVerified(pool(app), c.id);
  await upstream.register({ clientId: 'trestle', clientSecret: 'upstream-client-secret', redirectUri: c.oidc!.redirectUri });
  connection = { id: c.id, domain, base: baseOf(app), key, organization };
  return connection;
}

/**
 * Drives a login by hand up to our callback: our login redirect, the provider's authorization
 * endpoint, its login form, its redirect back. Returns the callback URL, not yet requested.
 */
async function toCallback(conn: { id: string; base: string }, account: string, jar: CookieJar): Promise<string> {
  let url = `${conn.base}/sso/${conn.id}/login`;
  for (let hop = 0; hop < 10; hop += 1) {
    if (url.startsWith(`${conn.base}/sso/oidc/`)) return url;
    const interaction = /\/interaction\/([\w-]+)$/.exec(new URL(url).pathname);
    const res = interaction
      ? await fetch(`${url}/login`, {
          method: 'POST',
          redirect: 'manual',
          headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: jar.header(url) },
          body: new URLSearchParams({ login: account }).toString(),
        })
      : await fetch(url, { redirect: 'manual', headers: { cookie: jar.header(url) } });
    jar.store(url, res);
    const location = res.headers.get('location');
    if (!location) throw new Error(`no redirect from ${url}: ${res.status} ${await res.text()}`);
    url = new URL(location, url).href;
  }
  throw new Error('too many redirects');
}

async function callback(url: string, jar: CookieJar): Promise<Response> {
  const res = await fetch(url, { redirect: 'manual', headers: { cookie: jar.header(url) } });
  jar.store(url, res);
  return res;
}

describe('OpenID Connect sign-in', () => {
  test('authorization code with PKCE: user created just in time, lands on /account; state used once', async ({ app, org, key }) => {
    const conn = await oidcConnection(app, key, org.name);
    upstream.accounts.set('lin', { email: `lin@${conn.domain}`, emailVerified: true, name: 'Lin Okafor' });
    const jar = new CookieJar();
    const url = await toCallback(conn, 'lin', jar);
    const parsed = new URL(url);
    expect(parsed.searchParams.get('code')).toBeTruthy();
    const [states] = await pool(app).query<RowDataPacket[]>('SELECT code_verifier, nonce FROM sso_oidc_states WHERE state = ?', [parsed.searchParams.get('state')]);
    expect(states).toHaveLength(1);

    const res = await callback(url, jar);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/account');
    const page = await fetch(`${conn.base}/account`, { headers: { cookie: jar.header(conn.base) } });
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain('<dd id="name">Lin Okafor</dd>');
    expect(html).toContain(`<dd id="email">lin@${conn.domain}</dd>`);
    expect(html).toContain(`<dd id="organization">${conn.organization}</dd>`);
    expect(html).toContain('<dd id="role">member</dd>');
    expect(html).toContain('<dd id="method">OIDC</dd>');

    // The same callback again: its state is gone.
    jar.set(url, 'trestle_sso_state', parsed.searchParams.get('state')!);
    expect((await callback(url, jar)).status).toBe(401);

    // A second sign-in reuses the user.
    expect((await callback(await toCallback(conn, 'lin', new CookieJar()), new CookieJar())).status).toBe(401);
    const jar2 = new CookieJar();
    expect((await callback(await toCallback(conn, 'lin', jar2), jar2)).status).toBe(303);
    const [users] = await pool(app).query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM users WHERE email = ?', [`lin@${conn.domain}`]);
    expect(Number(users[0]!['n'])).toBe(1);
  });

  test('state mismatch, nonce mismatch and PKCE verifier mismatch are refused', async ({ app, org, key }) => {
    const conn = await oidcConnection(app, key, org.name);
    upstream.accounts.set('sam', { email: `sam@${conn.domain}`, emailVerified: true, name: 'Sam' });

    // State: the callback's state is not the one this browser was given.
    {
      const jar = new CookieJar();
      const url = await toCallback(conn, 'sam', jar);
      jar.set(url, 'trestle_sso_state', 'another-state');
      expect((await callback(url, jar)).status).toBe(401);
      const forged = new URL(url);
      forged.searchParams.set('state', 'forged');
      jar.set(url, 'trestle_sso_state', 'forged');
      expect((await callback(forged.href, jar)).status).toBe(401);
    }
    // Nonce: the id_token carries the nonce of the request, which no longer matches ours.
    {
      const jar = new CookieJar();
      const url = await toCallback(conn, 'sam', jar);
      await pool(app).query('UPDATE sso_oidc_states SET nonce = ? WHERE state = ?', ['another-nonce', new URL(url).searchParams.get('state')]);
      const res = await callback(url, jar);
      expect(res.status).toBe(401);
      expect(res.headers.getSetCookie().some((c) => c.startsWith('trestle_session=') && !c.startsWith('trestle_session=;'))).toBe(false);
    }
    // PKCE: the provider refuses the code with another verifier.
    {
      const jar = new CookieJar();
      const url = await toCallback(conn, 'sam', jar);
      await pool(app).query('UPDATE sso_oidc_states SET code_verifier = ? WHERE state = ?', ['x'.repeat(64), new URL(url).searchParams.get('state')]);
      expect((await callback(url, jar)).status).toBe(401);
    }
    // Bad input at the callback: no code, an error from the provider.
    expect((await fetch(`${conn.base}/sso/oidc/${conn.id}/callback`, { redirect: 'manual' })).status).toBe(400);
    expect((await fetch(`${conn.base}/sso/oidc/${conn.id}/callback?error=access_denied&state=x`, { redirect: 'manual' })).status).toBe(401);
  });

  test('an unverified e-mail, a foreign domain or a disabled connection is refused', async ({ app, org, key }) => {
    const conn = await oidcConnection(app, key, org.name);
    upstream.accounts.set('unverified', { email: `unverified@${conn.domain}`, emailVerified: false, name: 'U' });
    upstream.accounts.set('foreign', { email: 'foreign@elsewhere.example.com', emailVerified: true, name: 'F' });
    for (const account of ['unverified', 'foreign']) {
      const jar = new CookieJar();
      expect((await callback(await toCallback(conn, account, jar), jar)).status, account).toBe(403);
    }
    const [users] = await pool(app).query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM users WHERE email IN (?, ?)', [`unverified@${conn.domain}`, 'foreign@elsewhere.example.com']);
    expect(Number(users[0]!['n'])).toBe(0);

    upstream.accounts.set('late', { email: `late@${conn.domain}`, emailVerified: true, name: 'L' });
    const jar = new CookieJar();
    const url = await toCallback(conn, 'late', jar);
    await execute(app.url, UpdateSsoConnectionDocument, { id: conn.id, input: { enabled: false } }, { key: conn.key });
    try {
      expect((await callback(url, jar)).status).toBe(403);
    } finally {
      await execute(app.url, UpdateSsoConnectionDocument, { id: conn.id, input: { enabled: true } }, { key: conn.key });
    }
  });

  test('a browser signs in at the upstream provider and lands on /account as a member', async ({ app, org, key }) => {
    if (!chromiumAvailable('OIDC browser sign-in')) return;
    const conn = await oidcConnection(app, key, org.name);
    upstream.accounts.set('noor', { email: `noor@${conn.domain}`, emailVerified: true, name: 'Noor Haddad' });
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(`${app.url.replace(/\/graphql$/, '')}/sso/${conn.id}/login?returnTo=${encodeURIComponent('/account')}`);
      await page.fill('#upstream-login', 'noor');
      await page.click('#upstream-sign-in');
      await page.waitForURL(/\/account$/);
      expect(await page.textContent('#name')).toBe('Noor Haddad');
      expect(await page.textContent('#organization')).toBe(conn.organization);
      expect(await page.textContent('#role')).toBe('member');
      expect(await page.textContent('#method')).toBe('OIDC');
    } finally {
      await browser.close();
    }
  });
});
