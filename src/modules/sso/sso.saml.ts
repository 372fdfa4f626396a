import { lt } from 'drizzle-orm';
import { generateServiceProviderMetadata, SAML, ValidateInResponseTo, type Profile } from '@node-saml/node-saml';
import type { Db } from '../../platform/db/mysql.js';
import { SsoLoginError } from './sso.errors.js';
import type { SignedInPerson } from './sso.provisioning.js';
import { MySqlSamlRequestCache } from './sso.saml-cache.js';
import type { SsoConnection } from './sso.service.js';
import type { SsoUrls } from './sso.urls.js';
import { ssoConsumedAssertions } from './sso-consumed-assertions.table.js';
import { childElements as children, parseXml, type XmlElement } from './sso.xml.js';
import { isDuplicateKey as isDuplicate } from '../../platform/db/errors.js';

/*
 * SAML 2.0 service provider on node-saml: SP-initiated login (HTTP-Redirect), the ACS (HTTP-POST)
 * and our metadata. node-saml checks the signature, times, audience and InResponseTo; this file
 * adds what it leaves out: issuer, recipient and destination, SHA-256, replay of an assertion id.
 */

/** Clocks of IdP and SP may differ by this much. */
export const SAML_CLOCK_SKEW_MS = 3_000;
/** How long an AuthnRequest id waits for its answer. */
export const SAML_REQUEST_TTL_MS = 10 * 60_000;
/** Largest SAML response accepted (decoded XML). */
export const MAX_SAML_RESPONSE_BYTES = 256 * 1024;

const NAMEID_EMAIL = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';
const PROTOCOL_NS = 'urn:oasis:names:tc:SAML:2.0:protocol';
const ASSERTION_NS = 'urn:oasis:names:tc:SAML:2.0:assertion';
const DS = 'http://www.w3.org/2000/09/xmldsig#';
const BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer';
const STRONG_SIGNATURES = new Set([
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512',
  'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256',
  'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512',
]);
const STRONG_DIGESTS = new Set(['http://www.w3.org/2001/04/xmlenc#sha256', 'http://www.w3.org/2001/04/xmlenc#sha512']);

function samlFor(db: Db, connection: SsoConnection, urls: SsoUrls, inResponseTo: ValidateInResponseTo): SAML {
  return new SAML({
    issuer: urls.spEntityId,
    audience: urls.spEntityId,
    callbackUrl: urls.acs,
    ...(connection.samlSsoUrl ? { entryPoint: connection.samlSsoUrl } : {}),
    idpCert: connection.samlIdpCertificates ?? [],
    ...(connection.samlIdpEntityId ? { idpIssuer: connection.samlIdpEntityId } : {}),
    identifierFormat: NAMEID_EMAIL,
    wantAssertionsSigned: true,
    wantAuthnResponseSigned: false,
    signatureAlgorithm: 'sha256',
    digestAlgorithm: 'sha256',
    acceptedClockSkewMs: SAML_CLOCK_SKEW_MS,
    validateInResponseTo: inResponseTo,
    requestIdExpirationPeriodMs: SAML_REQUEST_TTL_MS,
    cacheProvider: new MySqlSamlRequestCache(db, connection.id, SAML_REQUEST_TTL_MS),
    disableRequestedAuthnContext: true,
  });
}

/** The IdP URL that starts an SP-initiated login; `relayState` comes back to the ACS. */
export async function samlLoginUrl(db: Db, connection: SsoConnection, urls: SsoUrls, relayState: string): Promise<string> {
  return samlFor(db, connection, urls, ValidateInResponseTo.always).getAuthorizeUrlAsync(relayState, undefined, {});
}

/** Our SP metadata for the IdP's administrator. */
export function samlSpMetadata(urls: SsoUrls): string {
  return generateServiceProviderMetadata({
    issuer: urls.spEntityId,
    callbackUrl: urls.acs,
    identifierFormat: NAMEID_EMAIL,
    wantAssertionsSigned: true,
  });
}

const invalid = (detail: string) => new SsoLoginError('INVALID_RESPONSE', 'The identity provider’s response was not accepted', detail);
const bad = (message: string) => new SsoLoginError('BAD_REQUEST', message);

/** The XML of a posted SAMLResponse, after the checks that need no keys: size, base64, well-formed, no DTD. */
export function decodeSamlResponse(value: unknown): { xml: string; root: XmlElement } {
  if (typeof value !== 'string' || !value.trim()) throw bad('SAMLResponse is missing');
  if (value.length > Math.ceil((MAX_SAML_RESPONSE_BYTES * 4) / 3) + 1024) {
    throw new SsoLoginError('BAD_REQUEST', `SAMLResponse is larger than ${MAX_SAML_RESPONSE_BYTES} bytes`);
  }
  const compact = value.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(compact) || compact.length % 4 !== 0) throw bad('SAMLResponse is not base64');
  const xml = Buffer.from(compact, 'base64').toString('utf8');
  if (Buffer.byteLength(xml) > MAX_SAML_RESPONSE_BYTES) throw bad(`SAMLResponse is larger than ${MAX_SAML_RESPONSE_BYTES} bytes`);
  // SAML messages never carry a DTD; refusing it rules out entity expansion and external entities.
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw bad('SAMLResponse must not contain a DOCTYPE');
  const root = parseXml(xml);
  if (!root) throw bad('SAMLResponse is not well-formed XML');
  if (root.localName !== 'Response' || root.namespaceURI !== PROTOCOL_NS) throw bad('SAMLResponse is not a SAML 2.0 Response');
  return { xml, root };
}

function firstString(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  return null;
}

/** E-mail and name from the assertion's attributes (common names of Entra ID, Okta, Google), else an e-mail NameID. */
function personOf(profile: Profile): SignedInPerson {
  const attr = (...names: string[]) => names.map((n) => firstString(profile[n])).find((v) => v) ?? null;
  const email =
    attr('email', 'mail', 'emailAddress', 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress') ??
    (profile.nameIDFormat === NAMEID_EMAIL || profile.nameID.includes('@') ? profile.nameID : null);
  const given = attr('givenName', 'firstName', 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname');
  const sur = attr('sn', 'surname', 'lastName', 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname');
  const name = attr('displayName', 'name', 'http://schemas.microsoft.com/identity/claims/displayname') ?? ([given, sur].filter(Boolean).join(' ') || null);
  return { subject: profile.nameID, email, name };
}

export interface SamlLoginResult {
  person: SignedInPerson;
  /** True for an IdP-initiated (unsolicited) response. */
  unsolicited: boolean;
}

/**
 * Validates a posted SAMLResponse for `connection` and returns who signed in. Every failure is
 * an SsoLoginError: 400 for input that is not a SAML response at all, 401 for one not accepted.
 */
export async function consumeSamlResponse(db: Db, connection: SsoConnection, urls: SsoUrls, samlResponse: unknown, now = new Date()): Promise<SamlLoginResult> {
  const { xml, root } = decodeSamlResponse(samlResponse);
  const inResponseTo = root.getAttribute('InResponseTo') || null;
  if (!inResponseTo && !connection.allowIdpInitiated) throw invalid('unsolicited response, and IdP-initiated login is off for this connection');
  const destination = root.getAttribute('Destination');
  if (destination && destination !== urls.acs) throw invalid(`Destination ${destination} is not our ACS`);

  const status = children(root, PROTOCOL_NS, 'Status')[0];
  const statusCode = status && children(status, PROTOCOL_NS, 'StatusCode')[0]?.getAttribute('Value');
  if (statusCode !== 'urn:oasis:names:tc:SAML:2.0:status:Success') {
    throw new SsoLoginError('INVALID_RESPONSE', 'The identity provider did not sign you in', `status ${statusCode ?? '(none)'}`);
  }

  const assertions = children(root, ASSERTION_NS, 'Assertion');
  if (assertions.length !== 1 || children(root, ASSERTION_NS, 'EncryptedAssertion').length) throw invalid('a response must carry exactly one plain assertion');
  const signature = children(assertions[0]!, DS, 'Signature')[0];
  const signedInfo = signature && children(signature, DS, 'SignedInfo')[0];
  const signatureMethod = signedInfo && children(signedInfo, DS, 'SignatureMethod')[0]?.getAttribute('Algorithm');
  const digestMethods = signedInfo ? children(signedInfo, DS, 'Reference').flatMap((r) => children(r, DS, 'DigestMethod').map((d) => d.getAttribute('Algorithm'))) : [];
  if (!signatureMethod) throw invalid('the assertion is not signed');
  if (!STRONG_SIGNATURES.has(signatureMethod) || !digestMethods.length || digestMethods.some((d) => !d || !STRONG_DIGESTS.has(d))) {
    throw invalid(`weak signature algorithm ${signatureMethod} / ${digestMethods.join(',')}`);
  }

  const saml = samlFor(db, connection, urls, inResponseTo ? ValidateInResponseTo.always : ValidateInResponseTo.never);
  let profile: Profile | null;
  try {
    ({ profile } = await saml.validatePostResponseAsync({ SAMLResponse: Buffer.from(xml).toString('base64') }));
  } catch (error) {
    throw invalid(error instanceof Error ? error.message : String(error));
  }
  if (!profile) throw invalid('no assertion');
  if (profile.issuer !== connection.samlIdpEntityId) throw invalid(`issuer ${profile.issuer} is not the connection's IdP`);

  // What follows reads the signed assertion only (node-saml returns the XML its signature covers).
  const assertionXml = profile.getAssertionXml?.() ?? '';
  const signed = parseXml(assertionXml);
  if (!signed || signed.localName !== 'Assertion') throw invalid('signed assertion unreadable');
  const assertionId = signed.getAttribute('ID');
  if (!assertionId) throw invalid('assertion without ID');
  const subject = children(signed, ASSERTION_NS, 'Subject')[0];
  const confirmations = subject
    ? children(subject, ASSERTION_NS, 'SubjectConfirmation')
        .filter((c) => c.getAttribute('Method') === BEARER)
        .flatMap((c) => children(c, ASSERTION_NS, 'SubjectConfirmationData'))
    : [];
  const skew = SAML_CLOCK_SKEW_MS;
  const confirmation = confirmations.find((d) => {
    const notOnOrAfter = Date.parse(d.getAttribute('NotOnOrAfter') ?? '');
    return (
      d.getAttribute('Recipient') === urls.acs &&
      Number.isFinite(notOnOrAfter) &&
      now.getTime() - skew < notOnOrAfter &&
      (d.getAttribute('InResponseTo') || null) === inResponseTo
    );
  });
  if (!confirmation) throw invalid('no bearer SubjectConfirmation for our ACS (Recipient, NotOnOrAfter, InResponseTo)');
  if (inResponseTo) await saml.cacheProvider.removeAsync(inResponseTo);

  // Replay: an assertion id signs in once. Kept until the assertion could no longer be accepted.
  const conditions = children(signed, ASSERTION_NS, 'Conditions')[0];
  const expiries = [Date.parse(confirmation.getAttribute('NotOnOrAfter') ?? ''), Date.parse(conditions?.getAttribute('NotOnOrAfter') ?? '')].filter(Number.isFinite);
  const expiresAt = new Date(Math.max(...expiries, now.getTime()) + skew);
  await db.delete(ssoConsumedAssertions).where(lt(ssoConsumedAssertions.expiresAt, now)).limit(100);
  try {
    await db.insert(ssoConsumedAssertions).values({ key: `${connection.id}:${assertionId}`.slice(0, 191), expiresAt });
  } catch (error) {
    if (isDuplicate(error)) throw new SsoLoginError('REPLAYED', 'This sign-in response was already used', `assertion ${assertionId}`);
    throw error;
  }
  return { person: personOf(profile), unsolicited: !inResponseTo };
}

