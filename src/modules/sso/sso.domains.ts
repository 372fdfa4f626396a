import { randomBytes } from 'node:crypto';
import { Resolver } from 'node:dns/promises';
import { and, eq } from 'drizzle-orm';
import type { Db } from '../../platform/db/mysql.js';
import { isDuplicateKey } from '../../platform/db/errors.js';
import { AppError } from '../../platform/errors/app-error.js';
import { recordAudit, type Actor, type AuditEventRow } from '../audit/index.js';
import { SsoDomainTakenError, SsoInputError } from './sso.errors.js';
import { getSsoConnection, normalizeDomain, type SsoConnection } from './sso.service.js';
import { ssoDomains } from './sso-domains.table.js';

/*
 * Proving control of an e-mail domain, as identity providers and SaaS admin consoles ask: the
 * organization publishes a TXT record `_trestle-verification.<domain>` whose value is
 * `trestle-verification=<token>`, then asks us to look. Until then the domain is only claimed:
 * its people are neither sent to the connection by e-mail at sign-in nor provisioned by it, and
 * any other organization may claim it too. Once verified, it is the connection's alone.
 */

const RECORD_PREFIX = '_trestle-verification';
const VALUE_PREFIX = 'trestle-verification=';

export function newVerificationToken(): string {
  return randomBytes(24).toString('base64url');
}

/** The TXT record to publish for a claim. */
export function verificationRecord(domain: string, token: string): { name: string; value: string } {
  return { name: `${RECORD_PREFIX}.${domain}`, value: `${VALUE_PREFIX}${token}` };
}

export class SsoDomainNotVerifiedError extends AppError {
  constructor(domain: string, found: string) {
    const record = `${RECORD_PREFIX}.${domain}`;
    super('BAD_USER_INPUT', `No TXT record ${record} with this connection's verification value was found (${found}); publish it, then verify again`, {
      context: { field: 'domain', domain, record },
    });
  }
}

export interface DomainVerificationDeps {
  db: Db;
  /** DNS servers to ask ("host" or "host:port"); empty: the system's. */
  dnsServers: readonly string[];
  /** How long one DNS question may take, in ms. */
  dnsTimeoutMs?: number;
}

/** The TXT values at `name` (each record's strings joined), [] when the name has none. */
export async function txtValues(deps: Pick<DomainVerificationDeps, 'dnsServers' | 'dnsTimeoutMs'>, name: string): Promise<string[]> {
  const resolver = new Resolver({ timeout: deps.dnsTimeoutMs ?? 3000, tries: 2 });
  if (deps.dnsServers.length) resolver.setServers([...deps.dnsServers]);
  try {
    return (await resolver.resolveTxt(name)).map((chunks) => chunks.join(''));
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ENOTFOUND' || code === 'ENODATA') return [];
    throw new AppError('SERVICE_UNAVAILABLE', `DNS could not be asked about ${name} (${code ?? 'error'}); try again later`, { context: { record: name } });
  }
}

/**
 * Looks the claim's TXT record up and, when it carries the token, marks the domain verified for
 * this connection. Verifying again is harmless. CONFLICT when another connection verified the
 * domain first; BAD_USER_INPUT when the record is missing or carries another value.
 */
export async function verifySsoDomain(
  deps: DomainVerificationDeps,
  actor: Actor,
  organizationId: number,
  connectionId: number,
  rawDomain: string,
): Promise<{ connection: SsoConnection; audit: AuditEventRow[] }> {
  const connection = await getSsoConnection(deps.db, organizationId, connectionId);
  const domain = normalizeDomain(rawDomain);
  const claim = connection.domainStates.find((d) => d.domain === domain);
  if (!claim) throw new SsoInputError('domain', `${JSON.stringify(rawDomain.slice(0, 100))} is not one of this connection's domains`);
  if (claim.verifiedAt) return { connection, audit: [] };
  const record = verificationRecord(domain, claim.verificationToken);
  const values = await txtValues(deps, record.name);
  if (!values.includes(record.value)) {
    throw new SsoDomainNotVerifiedError(domain, values.length ? `it holds ${values.length} other value${values.length === 1 ? '' : 's'}` : 'the name has no TXT record');
  }
  const audit = await deps.db.transaction(async (tx) => {
    try {
      await tx
        .update(ssoDomains)
        .set({ verifiedAt: new Date(), verifiedDomain: domain })
        .where(and(eq(ssoDomains.connectionId, connectionId), eq(ssoDomains.domain, domain)));
    } catch (error) {
      if (isDuplicateKey(error)) throw new SsoDomainTakenError(domain);
      throw error;
    }
    return [await recordAudit(tx, actor, { organizationId, action: 'sso_domain.verified', targetType: 'sso_connection', targetId: connectionId, metadata: { domain } })];
  });
  return { connection: await getSsoConnection(deps.db, organizationId, connectionId), audit };
}
