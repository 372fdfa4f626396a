import type { RowDataPacket } from 'mysql2/promise';
import { markDomainsVerified } from '../../../test/support/sso-domains.js';
import { appFixtures, describe, expect } from '../../../test/support/fixtures.js';
import { execute, type TestApp } from '../../../test/support/test-app.js';
import { chromiumAvailable, launchChromium } from '../../../test/support/browser.js';
import { idpKeys, startSamlIdpServer, TestSamlIdp } from '../../../test/support/saml-idp.js';
import { CreateSsoConnectionDocument, UpdateSsoConnectionDocument } from '../../../test/generated/graphql.js';
import { createApp } from '../../app.js';
import { createLogger } from '../../platform/logging/logger.js';

const test = appFixtures({ SSO_ALLOW_INSECURE_IDPS: 'true' });

const IDP_URL = 'https://idp.example.test';
const idp = new TestSamlIdp(IDP_URL, idpKeys('idp'));
const nextIdp = new TestSamlIdp(IDP_URL, idpKeys('idp-next'), idp.entityId);
const rogueIdp = new TestSamlIdp(IDP_URL, idpKeys('other'), idp.entityId);

let domainCounter = 0;
const newDomain = () => `corp${(domainCounter += 1)}.example.com`;

/** The app's public base URL (PUBLIC_URL default: localhost and the port listened on). */
const baseOf = (app: TestApp) => app.url.replace('127.0.0.1', 'localhost').replace(/\/graphql$/, '');
const pool = (app: TestApp) => app.app.services.pool;

interface Conn {
  id: string;
  domain: string;
  base: string;
  sp: ReturnType<typeof TestSamlIdp.spFrom>;
  acs: string;
}

async function samlConnection(
  app: TestApp,
  key: string,
  options: { certificates?: string[]; allowIdpInitiated?: boolean; defaultRole?: 'member' | 'admin' | 'viewer'; ssoUrl?: string } = {},
): Promise<Conn> {
  const domain = newDomain();
  const created = await execute(
    app.url,
    CreateSsoConnectionDocument,
    {
      input: {
        name: 'Okta',
        protocol: 'SAML',
        domains: [domain],
        defaultRole: options.defaultRole === 'admin' ? 'ADMIN' : options.defaultRole === 'viewer' ? 'VIEWER' : 'MEMBER',
        allowIdpInitiated: options.allowIdpInitiated ?? false,
        saml: { idpEntityId: idp.entityId, ssoUrl: options.ssoUrl ?? `${IDP_URL}/sso`, certificates: options.certificates ?? [idpKeys('idp').cert] },
      },
    },
    { key },
  );
  expect(created.errors).toBeUndefined();
  const connection = created.data!.createSsoConnection;
  await markDomainsVerified(app.app.services.pool, connection.id);
  const base = baseOf(app);
  const metadata = await fetch(`${base}/sso/saml/${connection.id}/metadata`);
  expect(metadata.status).toBe(200);
  const sp = TestSamlIdp.spFrom(await metadata.text());
  return { id: connection.id, domain, base, sp, acs: `${base}/sso/saml/${connection.id}/acs` };
}

/** SP-initiated: our login redirect, read by the IdP; returns the AuthnRequest id and RelayState. */
async function startLogin(conn: Conn, returnTo?: string): Promise<{ requestId: string; relayState: string }> {
  const res = await fetch(`${conn.base}/sso/${conn.id}/login${returnTo ? `?returnTo=${encodeURIComponent(returnTo)}` : ''}`, { redirect: 'manual' });
  expect(res.status).toBe(302);
  const location = new URL(res.headers.get('location')!);
  expect(location.origin + location.pathname).toBe(`${IDP_URL}/sso`);
  const query = Object.fromEntries(location.searchParams);
  return { requestId: await idp.parseRequest(conn.sp, query), relayState: query['RelayState'] ?? '' };
}

async function post(conn: Conn, samlResponse: string, relayState = ''): Promise<Response> {
  return fetch(conn.acs, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ SAMLResponse: samlResponse, RelayState: relayState }).toString(),
  });
}

const cookieOf = (res: Response) => res.headers.getSetCookie().find((c) => c.startsWith('trestle_session='))?.split(';')[0];
const b64 = (xml: string) => Buffer.from(xml).toString('base64');
const xmlOf = (samlResponse: string) => Buffer.from(samlResponse, 'base64').toString('utf8');

async function account(conn: Conn, cookie: string | undefined) {
  const res = await fetch(`${conn.base}/account`, { headers: cookie ? { cookie } : {} });
  return { status: res.status, html: await res.text() };
}

async function userCount(app: TestApp, email: string): Promise<number> {
  const [rows] = await pool(app).query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM users WHERE email = ?', [email]);
  return Number(rows[0]!['n']);
}

describe('SAML 2.0 sign-in', () => {
  test('SP-initiated: signed response, user and membership created just in time, then reused; lands on returnTo', async ({ app, org, key }) => {
    const conn = await samlConnection(app, key, { defaultRole: 'viewer' });
    const email = `ada@${conn.domain}`;
    const { requestId, relayState } = await startLogin(conn, '/account?tab=1');
    expect(relayState).toBe('/account?tab=1');
    const res = await post(conn, await idp.response(conn.sp, email, { InResponseTo: requestId }), relayState);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/account?tab=1');
    const page = await account(conn, cookieOf(res));
    expect(page.status).toBe(200);
    expect(page.html).toContain(email);
    expect(page.html).toContain(`<dd id="organization">${org.name}</dd>`);
    expect(page.html).toContain('<dd id="role">viewer</dd>');

    const again = await startLogin(conn);
    const second = await post(conn, await idp.response(conn.sp, email, { InResponseTo: again.requestId }), again.relayState);
    expect(second.status).toBe(303);
    expect(second.headers.get('location')).toBe('/account');
    expect(await userCount(app, email)).toBe(1);
    const [links] = await pool(app).query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM sso_identities WHERE connection_id = ?', [conn.id]);
    expect(Number(links[0]!['n'])).toBe(1);
    const [trail] = await pool(app).query<RowDataPacket[]>('SELECT actor_type, metadata FROM audit_events WHERE action = ? AND target_id = ? ORDER BY id', ['sso.signed_in', conn.id]);
    expect(trail.map((r): [unknown, boolean] => [r['actor_type'], (r['metadata'] as { userCreated: boolean }).userCreated])).toEqual([
      ['user', true],
      ['user', false],
    ]);
  });

  test('signed by either certificate during a rotation; a certificate not configured is refused', async ({ app, key }) => {
    const conn = await samlConnection(app, key, { certificates: [idpKeys('idp').cert, idpKeys('idp-next').cert] });
    for (const signer of [idp, nextIdp]) {
      const { requestId } = await startLogin(conn);
      expect((await post(conn, await signer.response(conn.sp, `rot@${conn.domain}`, { InResponseTo: requestId }))).status).toBe(303);
    }
    const { requestId } = await startLogin(conn);
    expect((await post(conn, await rogueIdp.response(conn.sp, `rot@${conn.domain}`, { InResponseTo: requestId }))).status).toBe(401);
  });

  test('IdP-initiated only when the connection allows it; its replay is refused', async ({ app, key }) => {
    const conn = await samlConnection(app, key);
    const email = `idp@${conn.domain}`;
    expect((await post(conn, await idp.response(conn.sp, email))).status).toBe(401);
    const enabled = await execute(app.url, UpdateSsoConnectionDocument, { id: conn.id, input: { allowIdpInitiated: true } }, { key });
    expect(enabled.data!.updateSsoConnection.saml!.allowIdpInitiated).toBe(true);
    const unsolicited = await idp.response(conn.sp, email);
    const res = await post(conn, unsolicited, 'https://evil.example/steal');
    expect(res.status).toBe(303);
    // A RelayState that is not a path here is ignored: no open redirect.
    expect(res.headers.get('location')).toBe('/account');
    const replay = await post(conn, unsolicited);
    expect(replay.status).toBe(401);
    expect(await replay.text()).toContain('already used');

    // Two first sign-ins of one new person at once: both succeed, one user.
    const newcomer = `new@${conn.domain}`;
    const both = await Promise.all([idp.response(conn.sp, newcomer), idp.response(conn.sp, newcomer)].map(async (r) => post(conn, await r)));
    expect(both.map((r) => r.status)).toEqual([303, 303]);
    expect(await userCount(app, newcomer)).toBe(1);
  });

  test('attacks are refused', async ({ app, key }) => {
    const conn = await samlConnection(app, key, { allowIdpInitiated: false });
    const email = `eve@${conn.domain}`;
    const fresh = async () => (await startLogin(conn)).requestId;
    const refused = async (samlResponse: string) => {
      const res = await post(conn, samlResponse);
      expect([401, 403]).toContain(res.status);
      expect(res.headers.get('set-cookie') ?? '').not.toContain('trestle_session=e');
      return res;
    };

    // Replayed SP-initiated response.
    const good = await idp.response(conn.sp, email, { InResponseTo: await fresh() });
    expect((await post(conn, good)).status).toBe(303);
    await refused(good);

    // Unsigned assertion.
    await refused(b64(idp.unsignedXml(conn.sp, email, { InResponseTo: await fresh() })));

    // Signature wrapping 1: an extra unsigned assertion beside the signed one.
    {
      const xml = xmlOf(await idp.response(conn.sp, email, { InResponseTo: await fresh() }));
      const evil = idp.unsignedXml(conn.sp, `admin@${conn.domain}`).match(/<saml:Assertion[\s\S]*<\/saml:Assertion>/)![0];
      await refused(b64(xml.replace('<saml:Assertion', `${evil}<saml:Assertion`)));
    }
    // Signature wrapping 2: the signed assertion moved into Extensions, an altered copy (keeping
    // the signature) in its place.
    {
      const xml = xmlOf(await idp.response(conn.sp, email, { InResponseTo: await fresh() }));
      const signed = xml.match(/<saml:Assertion[\s\S]*<\/saml:Assertion>/)![0];
      const forged = signed.replace(/ID="[^"]+"/, 'ID="_forged"').replace(email, `admin@${conn.domain}`);
      const wrapped = xml.replace(signed, forged).replace('<samlp:Status>', `<samlp:Extensions>${signed}</samlp:Extensions><samlp:Status>`);
      await refused(b64(wrapped));
    }
    // Comment injection in NameID: the IdP signed "user@evil.com.example.com"; a comment does not
    // change the signed text, and a parser reading only the first text node would see user@evil.com.
    {
      const injected = `user@evil.com.${conn.domain}`;
      const xml = xmlOf(await idp.response(conn.sp, injected, { InResponseTo: await fresh() }));
      const res = await refused(b64(xml.replace(injected, `user@evil.com<!---->.${conn.domain}`)));
      expect(res.status).toBe(403);
      expect(await userCount(app, 'user@evil.com')).toBe(0);
      expect(await userCount(app, injected)).toBe(0);
    }
    // Wrong audience, recipient, destination; expired; unknown InResponseTo; other issuer.
    await refused(await idp.response(conn.sp, email, { InResponseTo: await fresh(), Audience: 'https://sp.other.example/metadata' }));
    await refused(await idp.response(conn.sp, email, { InResponseTo: await fresh(), SubjectRecipient: 'https://sp.other.example/acs' }));
    await refused(await idp.response(conn.sp, email, { InResponseTo: await fresh(), Destination: 'https://sp.other.example/acs' }));
    const past = (ms: number) => new Date(Date.now() - ms).toISOString();
    await refused(
      await idp.response(conn.sp, email, {
        InResponseTo: await fresh(),
        IssueInstant: past(3_600_000),
        ConditionsNotBefore: past(3_600_000),
        ConditionsNotOnOrAfter: past(60_000),
        SubjectConfirmationDataNotOnOrAfter: past(60_000),
      }),
    );
    await refused(await idp.response(conn.sp, email, { InResponseTo: '_neverRequested123' }));
    await refused(await idp.response(conn.sp, email, { InResponseTo: await fresh(), StatusCode: 'urn:oasis:names:tc:SAML:2.0:status:Responder' }));
    await refused(await idp.response(conn.sp, email, { InResponseTo: await fresh(), Issuer: 'https://idp.other.example/metadata' }));
    // An e-mail of a domain the connection does not own.
    const res = await refused(await idp.response(conn.sp, 'someone@elsewhere.example.org', { InResponseTo: await fresh() }));
    expect(res.status).toBe(403);
    // A domain it claims but has not verified (DNS TXT): its people are not provisioned.
    const claimed = newDomain();
    await execute(app.url, UpdateSsoConnectionDocument, { id: conn.id, input: { domains: [conn.domain, claimed] } }, { key });
    const unverified = await refused(await idp.response(conn.sp, `pat@${claimed}`, { InResponseTo: await fresh() }));
    expect(unverified.status).toBe(403);
    expect(await userCount(app, `pat@${claimed}`)).toBe(0);
  });

  test('bad input gets a clear 4xx, never a crash', async ({ app, key }) => {
    const conn = await samlConnection(app, key);
    const cases: Array<[string, string, number]> = [
      ['missing', '', 400],
      ['base64 garbage', '%%%not-base64%%%', 400],
      ['not XML', b64('this is not <xml'), 400],
      ['not a SAML response', b64('<hello xmlns="urn:x">world</hello>'), 400],
      ['entity expansion', b64('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">&b;</samlp:Response>'), 400],
      ['oversized', b64(`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">${'x'.repeat(400 * 1024)}</samlp:Response>`), 413],
    ];
    for (const [label, body, status] of cases) {
      const res = await post(conn, body);
      expect(res.status, label).toBe(status);
      const text = await res.text();
      expect(text, label).not.toMatch(/at .*\.(js|ts):\d+/);
    }
    // The app still works afterwards.
    const { requestId } = await startLogin(conn);
    expect((await post(conn, await idp.response(conn.sp, `ok@${conn.domain}`, { InResponseTo: requestId }))).status).toBe(303);
  });

  test('refused: disabled connection, deactivated user, open redirects, unknown connection', async ({ app, key }) => {
    const conn = await samlConnection(app, key);
    const email = `kim@${conn.domain}`;
    const bad = await fetch(`${conn.base}/sso/${conn.id}/login?returnTo=${encodeURIComponent('//evil.example/x')}`, { redirect: 'manual' });
    expect(bad.status).toBe(400);
    expect((await fetch(`${conn.base}/sso/${conn.id}/login?returnTo=https%3A%2F%2Fevil.example`, { redirect: 'manual' })).status).toBe(400);
    expect((await fetch(`${conn.base}/sso/999999/login`, { redirect: 'manual' })).status).toBe(404);
    expect((await fetch(`${conn.base}/sso/saml/999999/metadata`)).status).toBe(404);
    // Sign-out: not from another site's form.
    expect((await fetch(`${conn.base}/account/sign-out`, { method: 'POST', redirect: 'manual', headers: { origin: 'https://evil.example' } })).status).toBe(400);
    const out = await fetch(`${conn.base}/account/sign-out`, { method: 'POST', redirect: 'manual', headers: { origin: conn.base } });
    expect(out.status).toBe(303);
    expect(out.headers.getSetCookie().join()).toContain('trestle_session=;');

    const first = await startLogin(conn);
    expect((await post(conn, await idp.response(conn.sp, email, { InResponseTo: first.requestId }))).status).toBe(303);
    await pool(app).query('UPDATE users SET is_active = false WHERE email = ?', [email]);
    const second = await startLogin(conn);
    expect((await post(conn, await idp.response(conn.sp, email, { InResponseTo: second.requestId }))).status).toBe(403);

    // Deactivated in this organization only (SCIM active=false): refused too, and not undone.
    const other = `lee@${conn.domain}`;
    const lee = await startLogin(conn);
    const leeSignedIn = await post(conn, await idp.response(conn.sp, other, { InResponseTo: lee.requestId }));
    expect(leeSignedIn.status).toBe(303);
    await pool(app).query('UPDATE memberships m JOIN users u ON u.id = m.user_id SET m.active = false WHERE u.email = ?', [other]);
    expect((await account(conn, cookieOf(leeSignedIn))).status).toBe(401);
    const leeAgain = await startLogin(conn);
    expect((await post(conn, await idp.response(conn.sp, other, { InResponseTo: leeAgain.requestId }))).status).toBe(403);
    const [still] = await pool(app).query<RowDataPacket[]>('SELECT m.active FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = ?', [other]);
    expect(still.map((r) => Boolean(r['active']))).toEqual([false]);

    const third = await startLogin(conn);
    await execute(app.url, UpdateSsoConnectionDocument, { id: conn.id, input: { enabled: false } }, { key });
    expect((await post(conn, await idp.response(conn.sp, `new@${conn.domain}`, { InResponseTo: third.requestId }))).status).toBe(403);
    expect((await fetch(`${conn.base}/sso/${conn.id}/login`, { redirect: 'manual' })).status).toBe(403);
  });

  test('another server process accepts the answer to a request this one sent, and a replay on either is refused', async ({ app, key }) => {
    const conn = await samlConnection(app, key);
    // A second app on the same databases, behind the same public URL (as behind a load balancer).
    const second = await createApp({ ...app.config, PUBLIC_URL: conn.base }, createLogger('silent'), { http: true, worker: false });
    try {
      const port = await second.listen(0, '127.0.0.1');
      const { requestId } = await startLogin(conn);
      const samlResponse = await idp.response(conn.sp, `multi@${conn.domain}`, { InResponseTo: requestId });
      const acsOf = (p: number) => `http://127.0.0.1:${p}/sso/saml/${conn.id}/acs`;
      const postTo = (url: string) =>
        fetch(url, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ SAMLResponse: samlResponse }).toString() });
      expect((await postTo(acsOf(port))).status).toBe(303);
      expect((await postTo(conn.acs)).status).toBe(401);
      expect((await postTo(acsOf(port))).status).toBe(401);
    } finally {
      await second.close();
    }
  });

  test('a browser signs in at the IdP and lands on /account as a member of the organization', async ({ app, org, key }) => {
    if (!chromiumAvailable('SAML browser sign-in')) return;
    const server = await startSamlIdpServer(idpKeys('idp'));
    const browser = await launchChromium();
    try {
      const domain = newDomain();
      const created = await execute(
        app.url,
        CreateSsoConnectionDocument,
        { input: { name: 'Test IdP', protocol: 'SAML', domains: [domain], defaultRole: 'ADMIN', saml: { idpEntityId: server.idp.entityId, ssoUrl: `${server.url}/sso`, certificates: [idpKeys('idp').cert] } } },
        { key },
      );
      const id = created.data!.createSsoConnection.id;
      await markDomainsVerified(app.app.services.pool, id);
      server.useSp(await (await fetch(`${baseOf(app)}/sso/saml/${id}/metadata`)).text());
      const page = await browser.newPage();
      // Starts on 127.0.0.1: the login route sends the browser to the public URL first.
      await page.goto(`${app.url.replace(/\/graphql$/, '')}/sso/${id}/login`);
      await page.fill('#idp-email', `grace@${domain}`);
      await page.click('#idp-sign-in');
      await page.waitForURL(/\/account$/);
      expect(await page.textContent('#email')).toBe(`grace@${domain}`);
      expect(await page.textContent('#organization')).toBe(org.name);
      expect(await page.textContent('#role')).toBe('admin');
      expect(await page.textContent('#method')).toBe('SAML');
      await page.click('#sign-out');
      await page.waitForSelector('#signed-out');
    } finally {
      await browser.close();
      await server.close();
    }
  });
});

