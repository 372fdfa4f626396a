import { X509Certificate } from 'node:crypto';
import { SsoInputError } from './sso.errors.js';

/** What the API shows of an IdP signing certificate. */
export interface CertificateSummary {
  fingerprintSha256: string;
  subject: string;
  notBefore: Date;
  notAfter: Date;
}

/**
 * An IdP certificate as PEM, from PEM or bare base64 (as in metadata's X509Certificate).
 * Anything that is not an X.509 certificate is bad input.
 */
export function normalizeCertificate(input: string, field = 'certificates'): string {
  const trimmed = input.trim();
  if (trimmed.length > 20_000) throw new SsoInputError(field, 'a certificate is at most 20000 characters');
  const der = trimmed.includes('-----BEGIN')
    ? Buffer.from(trimmed.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, ''), 'base64')
    : Buffer.from(trimmed.replace(/\s+/g, ''), 'base64');
  try {
    return new X509Certificate(der).toString().trim();
  } catch {
    throw new SsoInputError(field, 'is not an X.509 certificate (PEM or base64)');
  }
}

export function summarizeCertificate(pem: string): CertificateSummary {
  const cert = new X509Certificate(pem);
  return {
    fingerprintSha256: cert.fingerprint256,
    subject: cert.subject,
    notBefore: new Date(cert.validFrom),
    notAfter: new Date(cert.validTo),
  };
}
