import { appFixtures, describe, expect } from '../../../test/support/fixtures.js';
import { codes, execute } from '../../../test/support/test-app.js';
import { idpKeys } from '../../../test/support/saml-idp.js';
import {
  CreateSsoConnectionDocument,
  DeleteSsoConnectionDocument,
  SsoConnectionDocument,
  SsoConnectionsDocument,
  UpdateSsoConnectionDocument,
  VerifySsoDomainDocument,
} from '../../../test/generated/graphql.js';
import { afterAll } from 'vitest';
import { startDnsServer } from '../../../test/support/dns-server.js';
import { ssoLoginUrlForEmail } from './index.js';

// Domain verification asks this server for TXT records.
const dns = await startDnsServer();
const test = appFixtures({ SSO_DNS_SERVERS: dns.address });
afterAll(async () => {
  await dns.close();
});

/** Publishes the TXT record of a claim, as the organization's DNS admin would. */
function publish(verification: { recordName: string; recordValue: string }): void {
  dns.records.set(verification.recordName.toLowerCase(), [verification.recordValue]);
}

const cert = idpKeys('idp').cert;
const nextCert = idpKeys('idp-next').cert;
const bareBase64 = (pem: string) => pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');

const metadataXml = (entityId: string) =>
  `<?xml version="1.0"?><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${entityId}">` +
  `<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">` +
  `<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${bareBase64(cert)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>` +
  `<md:KeyDescriptor use="encryption"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${bareBase64(nextCert)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>` +
  `<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://idp.example.com/post"/>` +
  `<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example.com/sso/redirect"/>` +
  `</md:IDPSSODescriptor></md:EntityDescriptor>`;

let n = 0;
const domain = () => `org${(n += 1)}.example.net`;

describe('SSO connections over GraphQL', () => {
  test('create (SAML from metadata, OIDC), list, get, update, delete; the client secret is never returned', async ({ app, key }) => {
    const samlDomain = domain();
    const saml = await execute(
      app.url,
      CreateSsoConnectionDocument,
      { input: { name: 'Entra ID', protocol: 'SAML', domains: [samlDomain.toUpperCase(), samlDomain], saml: { metadataXml: metadataXml('https://sts.example.com/abc/') } } },
      { key },
    );
    expect(saml.errors).toBeUndefined();
    const s = saml.data!.createSsoConnection;
    expect(s).toMatchObject({ name: 'Entra ID', protocol: 'SAML', domains: [samlDomain], defaultRole: 'MEMBER', enabled: true, oidc: null });
    expect(s.saml).toMatchObject({ idpEntityId: 'https://sts.example.com/abc/', ssoUrl: 'https://idp.example.com/sso/redirect', allowIdpInitiated: false });
    // Only the signing certificate of the metadata.
    expect(s.saml!.certificates).toHaveLength(1);
    expect(s.saml!.certificates[0]!.subject).toContain('Test IdP idp');
    expect(s.saml!.acsUrl).toMatch(new RegExp(`/sso/saml/${s.id}/acs$`));
    expect(s.saml!.spEntityId).toBe(s.saml!.metadataUrl);
    expect(s.loginUrl).toMatch(new RegExp(`/sso/${s.id}/login$`));

    const oidc = await execute(
      app.url,
      CreateSsoConnectionDocument,
      { input: { name: 'Okta', protocol: 'OIDC', domains: [domain()], defaultRole: 'VIEWER', oidc: { issuer: 'https://acme.okta.example/', clientId: 'client-1', clientSecret: 'very-secret-value' } } },
      { key },
    );
    expect(oidc.errors).toBeUndefined();
    const o = oidc.data!.createSsoConnection;
    expect(o.oidc).toEqual({ issuer: 'https://acme.okta.example', clientId: 'client-1', redirectUri: expect.stringMatching(new RegExp(`/sso/oidc/${o.id}/callback$`)), hasClientSecret: true });
    expect(JSON.stringify(oidc)).not.toContain('very-secret-value');
    const [rows] = await app.app.services.pool.query('SELECT oidc_client_secret FROM sso_connections WHERE id = ?', [o.id]);
    expect(JSON.stringify(rows)).not.toContain('very-secret-value');

    const list = await execute(app.url, SsoConnectionsDocument, {}, { key });
    expect(list.data!.ssoConnections.map((c) => c.id)).toEqual([s.id, o.id]);
    const one = await execute(app.url, SsoConnectionDocument, { id: o.id }, { key });
    expect(one.data!.ssoConnection.name).toBe('Okta');

    const updated = await execute(
      app.url,
      UpdateSsoConnectionDocument,
      { id: s.id, input: { enabled: false, defaultRole: 'ADMIN', allowIdpInitiated: true, saml: { certificates: [cert, bareBase64(nextCert)] } } },
      { key },
    );
    expect(updated.errors).toBeUndefined();
    expect(updated.data!.updateSsoConnection).toMatchObject({ enabled: false, defaultRole: 'ADMIN', domains: [samlDomain] });
    expect(updated.data!.updateSsoConnection.saml!.certificates).toHaveLength(2);
    expect(updated.data!.updateSsoConnection.saml!.allowIdpInitiated).toBe(true);

    const deleted = await execute(app.url, DeleteSsoConnectionDocument, { id: s.id }, { key });
    expect(deleted.data!.deleteSsoConnection).toBe(s.id);
    expect(codes(await execute(app.url, SsoConnectionDocument, { id: s.id }, { key }))).toEqual(['NOT_FOUND']);
    const [audit] = await app.app.services.pool.query('SELECT action, actor_type FROM audit_events WHERE target_type = ? AND target_id = ? ORDER BY id', ['sso_connection', s.id]);
    expect(audit).toEqual([
      { action: 'sso_connection.created', actor_type: 'api_key' },
      { action: 'sso_connection.updated', actor_type: 'api_key' },
      { action: 'sso_connection.deleted', actor_type: 'api_key' },
    ]);
    // Its domain is free again.
    const again = await execute(app.url, CreateSsoConnectionDocument, { input: { name: 'Again', protocol: 'SAML', domains: [samlDomain], saml: { metadataXml: metadataXml('https://x.example/') } } }, { key });
    expect(again.errors).toBeUndefined();
  });

  test('invalid input is BAD_USER_INPUT naming the field', async ({ app, key }) => {
    const saml = { idpEntityId: 'https://idp.example.com', ssoUrl: 'https://idp.example.com/sso', certificates: [cert] };
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['bad domain', { name: 'x', protocol: 'SAML', domains: ['not a domain'], saml }, 'domains'],
      ['no domains', { name: 'x', protocol: 'SAML', domains: [], saml }, 'domains'],
      ['empty name', { name: '  ', protocol: 'SAML', domains: [domain()], saml }, 'name'],
      ['bad certificate', { name: 'x', protocol: 'SAML', domains: [domain()], saml: { ...saml, certificates: ['hello'] } }, 'saml.certificates'],
      ['http SSO URL', { name: 'x', protocol: 'SAML', domains: [domain()], saml: { ...saml, ssoUrl: 'http://idp.example.com/sso' } }, 'saml.ssoUrl'],
      ['no SAML settings', { name: 'x', protocol: 'SAML', domains: [domain()] }, 'saml.idpEntityId'],
      ['metadata with a DOCTYPE', { name: 'x', protocol: 'SAML', domains: [domain()], saml: { metadataXml: '<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>' } }, 'metadataXml'],
      ['metadata not XML', { name: 'x', protocol: 'SAML', domains: [domain()], saml: { metadataXml: '<EntityDescriptor' } }, 'metadataXml'],
      ['OIDC settings on SAML', { name: 'x', protocol: 'SAML', domains: [domain()], saml, oidc: { issuer: 'https://a.example' } }, 'oidc'],
      ['OIDC without secret', { name: 'x', protocol: 'OIDC', domains: [domain()], oidc: { issuer: 'https://a.example', clientId: 'c' } }, 'oidc.clientSecret'],
      ['OIDC issuer not a URL', { name: 'x', protocol: 'OIDC', domains: [domain()], oidc: { issuer: 'nope', clientId: 'c', clientSecret: 's' } }, 'oidc.issuer'],
    ];
    for (const [label, input, field] of cases) {
      const res = await execute(app.url, CreateSsoConnectionDocument, { input: input as never }, { key });
      expect(codes(res), label).toEqual(['BAD_USER_INPUT']);
      expect(res.errors![0]!.extensions!['field'], label).toBe(field);
    }
    expect(codes(await execute(app.url, SsoConnectionDocument, { id: 'abc' }, { key }))).toEqual(['BAD_USER_INPUT']);
  });

  test('a domain is claimed by any connection, and verified by one: a TXT record proves it', async ({ app, key }) => {
    const shared = domain();
    const input = { name: 'x', protocol: 'SAML' as const, domains: [shared], saml: { idpEntityId: 'https://idp.example.com', ssoUrl: 'https://idp.example.com/sso', certificates: [cert] } };
    const mine = (await execute(app.url, CreateSsoConnectionDocument, { input }, { key })).data!.createSsoConnection;
    const [claim] = mine.domainVerifications;
    expect(claim).toEqual({ domain: shared, verified: false, verifiedAt: null, recordName: `_trestle-verification.${shared}`, recordValue: expect.stringMatching(/^trestle-verification=[\w-]{32}$/) });
    // Another organization may claim it too while nobody has verified it.
    const other = await app.createOrganization();
    const otherKey = (await app.createKey(other.id, ['sso:write', 'sso:read'])).plaintext;
    const theirs = (await execute(app.url, CreateSsoConnectionDocument, { input }, { key: otherKey })).data!.createSsoConnection;
    expect(theirs.domainVerifications[0]!.recordValue).not.toBe(claim!.recordValue);

    // No record yet, then a record with another value: refused with the record's name.
    const missing = await execute(app.url, VerifySsoDomainDocument, { id: mine.id, domain: shared }, { key });
    expect(codes(missing)).toEqual(['BAD_USER_INPUT']);
    expect(missing.errors![0]!.message).toContain(`No TXT record _trestle-verification.${shared}`);
    publish({ recordName: claim!.recordName, recordValue: 'trestle-verification=someone-else' });
    expect(codes(await execute(app.url, VerifySsoDomainDocument, { id: mine.id, domain: shared }, { key }))).toEqual(['BAD_USER_INPUT']);
    publish(claim!);
    const verified = await execute(app.url, VerifySsoDomainDocument, { id: mine.id, domain: shared.toUpperCase() }, { key });
    expect(verified.data!.verifySsoDomain.domainVerifications[0]).toMatchObject({ domain: shared, verified: true, verifiedAt: expect.any(String) });
    expect(dns.questions).toContain(`TXT _trestle-verification.${shared}`);
    // Verifying again changes nothing; the other organization's record cannot take it over.
    expect(codes(await execute(app.url, VerifySsoDomainDocument, { id: mine.id, domain: shared }, { key }))).toEqual([]);
    publish(theirs.domainVerifications[0]!);
    const taken = await execute(app.url, VerifySsoDomainDocument, { id: theirs.id, domain: shared }, { key: otherKey });
    expect(codes(taken)).toEqual(['CONFLICT']);
    expect(taken.status).toBe(409);
    // Nor can a new claim be made on a verified domain.
    expect(codes(await execute(app.url, CreateSsoConnectionDocument, { input }, { key: otherKey }))).toEqual(['CONFLICT']);

    // Keeping a domain in an update keeps its verification; a new one starts unverified.
    const added = domain();
    const updated = await execute(app.url, UpdateSsoConnectionDocument, { id: mine.id, input: { domains: [shared, added] } }, { key });
    expect(updated.data!.updateSsoConnection.domainVerifications.map((d) => [d.domain, d.verified])).toEqual([
      [shared, true],
      [added, false],
    ].sort((x, y) => String(x[0]).localeCompare(String(y[0]))));

    // Bad input, no key, a read-only key, another organization.
    expect(codes(await execute(app.url, VerifySsoDomainDocument, { id: mine.id, domain: 'unclaimed.example.org' }, { key }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await execute(app.url, VerifySsoDomainDocument, { id: 'abc', domain: shared }, { key }))).toEqual(['BAD_USER_INPUT']);
    expect((await execute(app.url, VerifySsoDomainDocument, { id: mine.id, domain: added })).status).toBe(401);
    const reader = (await app.createKey((await app.createOrganization()).id, ['sso:read'])).plaintext;
    expect(codes(await execute(app.url, VerifySsoDomainDocument, { id: mine.id, domain: added }, { key: reader }))).toEqual(['FORBIDDEN']);
    expect(codes(await execute(app.url, VerifySsoDomainDocument, { id: mine.id, domain: added }, { key: otherKey }))).toEqual(['NOT_FOUND']);
  });

  test('unauthenticated, missing scope, and other organizations’ connections', async ({ app, key }) => {
    const input = { name: 'x', protocol: 'SAML' as const, domains: [domain()], saml: { idpEntityId: 'https://idp.example.com', ssoUrl: 'https://idp.example.com/sso', certificates: [cert] } };
    const created = await execute(app.url, CreateSsoConnectionDocument, { input }, { key });
    const id = created.data!.createSsoConnection.id;

    expect(codes(await execute(app.url, SsoConnectionsDocument, {}))).toEqual(['UNAUTHENTICATED']);
    expect(codes(await execute(app.url, CreateSsoConnectionDocument, { input: { ...input, domains: [domain()] } }))).toEqual(['UNAUTHENTICATED']);

    const other = await app.createOrganization();
    const reader = (await app.createKey(other.id, ['sso:read'])).plaintext;
    const unrelated = (await app.createKey(other.id, ['records:read'])).plaintext;
    expect(codes(await execute(app.url, SsoConnectionsDocument, {}, { key: unrelated }))).toEqual(['FORBIDDEN']);
    expect(codes(await execute(app.url, CreateSsoConnectionDocument, { input: { ...input, domains: [domain()] } }, { key: reader }))).toEqual(['FORBIDDEN']);
    expect(codes(await execute(app.url, DeleteSsoConnectionDocument, { id }, { key: reader }))).toEqual(['FORBIDDEN']);

    const writer = (await app.createKey(other.id, ['sso:write'])).plaintext;
    expect((await execute(app.url, SsoConnectionsDocument, {}, { key: writer })).data!.ssoConnections).toEqual([]);
    expect(codes(await execute(app.url, SsoConnectionDocument, { id }, { key: writer }))).toEqual(['NOT_FOUND']);
    expect(codes(await execute(app.url, UpdateSsoConnectionDocument, { id, input: { enabled: false } }, { key: writer }))).toEqual(['NOT_FOUND']);
    expect(codes(await execute(app.url, DeleteSsoConnectionDocument, { id }, { key: writer }))).toEqual(['NOT_FOUND']);
    expect((await execute(app.url, SsoConnectionDocument, { id }, { key })).data!.ssoConnection.enabled).toBe(true);
  });

  test('ssoLoginUrlForEmail finds the enabled connection that verified the domain', async ({ app, key }) => {
    const d = domain();
    const created = await execute(
      app.url,
      CreateSsoConnectionDocument,
      { input: { name: 'x', protocol: 'SAML', domains: [d], saml: { idpEntityId: 'https://idp.example.com', ssoUrl: 'https://idp.example.com/sso', certificates: [cert] } } },
      { key },
    );
    const id = created.data!.createSsoConnection.id;
    const db = app.app.services.db;
    // Claimed is not enough: only a verified domain sends its people to the connection.
    expect(await ssoLoginUrlForEmail(db, `pat@${d}`, '/x')).toBeNull();
    publish(created.data!.createSsoConnection.domainVerifications[0]!);
    expect((await execute(app.url, VerifySsoDomainDocument, { id, domain: d }, { key })).errors).toBeUndefined();
    expect(await ssoLoginUrlForEmail(db, `Pat@${d.toUpperCase()}`, '/oauth/interaction/abc')).toBe(`/sso/${id}/login?returnTo=%2Foauth%2Finteraction%2Fabc`);
    expect(await ssoLoginUrlForEmail(db, `pat@${d}`, 'https://evil.example/')).toBe(`/sso/${id}/login?returnTo=%2Faccount`);
    expect(await ssoLoginUrlForEmail(db, 'pat@unknown.example.org', '/x')).toBeNull();
    expect(await ssoLoginUrlForEmail(db, 'not-an-email', '/x')).toBeNull();
    await execute(app.url, UpdateSsoConnectionDocument, { id, input: { enabled: false } }, { key });
    expect(await ssoLoginUrlForEmail(db, `pat@${d}`, '/x')).toBeNull();
  });
});
