import { normalizeCertificate } from './sso.certificates.js';
import { SsoInputError } from './sso.errors.js';
import { parseXml } from './sso.xml.js';

/*
 * IdP metadata import: the entity id, the SingleSignOnService location (HTTP-Redirect binding)
 * and the signing certificates of an IDPSSODescriptor, so an administrator pastes one document
 * instead of three values.
 */

const MD = 'urn:oasis:names:tc:SAML:2.0:metadata';
const DS = 'http://www.w3.org/2000/09/xmldsig#';
const REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';

export interface IdpMetadata {
  entityId: string;
  ssoUrl: string;
  certificates: string[];
}

export const MAX_METADATA_CHARS = 200_000;

export function parseIdpMetadata(xml: string): IdpMetadata {
  if (xml.length > MAX_METADATA_CHARS) throw new SsoInputError('metadataXml', `is larger than ${MAX_METADATA_CHARS} characters`);
  // Metadata has no business with a DTD; refusing them rules out entity expansion.
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw new SsoInputError('metadataXml', 'must not contain a DOCTYPE');
  const root = parseXml(xml);
  if (!root) throw new SsoInputError('metadataXml', 'is not well-formed XML');
  const descriptors = root.localName === 'EntityDescriptor' ? [root] : Array.from(root.getElementsByTagNameNS(MD, 'EntityDescriptor'));
  const entity = descriptors.find((d) => d.getElementsByTagNameNS(MD, 'IDPSSODescriptor').length > 0);
  if (!entity) throw new SsoInputError('metadataXml', 'has no EntityDescriptor with an IDPSSODescriptor');
  const entityId = entity.getAttribute('entityID')?.trim();
  if (!entityId) throw new SsoInputError('metadataXml', 'the EntityDescriptor has no entityID');
  const idp = entity.getElementsByTagNameNS(MD, 'IDPSSODescriptor')[0]!;
  const sso = Array.from(idp.getElementsByTagNameNS(MD, 'SingleSignOnService')).find((s) => s.getAttribute('Binding') === REDIRECT);
  const ssoUrl = sso?.getAttribute('Location')?.trim();
  if (!ssoUrl) throw new SsoInputError('metadataXml', 'has no SingleSignOnService with the HTTP-Redirect binding');
  const certificates = Array.from(idp.getElementsByTagNameNS(MD, 'KeyDescriptor'))
    .filter((k) => (k.getAttribute('use') ?? 'signing') === 'signing')
    .flatMap((k) => Array.from(k.getElementsByTagNameNS(DS, 'X509Certificate')))
    .map((c) => normalizeCertificate(c.textContent ?? '', 'metadataXml'));
  if (!certificates.length) throw new SsoInputError('metadataXml', 'has no signing certificate');
  return { entityId, ssoUrl, certificates: [...new Set(certificates)] };
}
