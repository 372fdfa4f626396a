import { and, asc, eq, inArray } from 'drizzle-orm';
import type { SecretBox } from '../../platform/crypto/secret-box.js';
import type { Db, DbOrTx } from '../../platform/db/mysql.js';
import { recordAudit, type Actor, type AuditEventRow } from '../audit/index.js';
import type { MembershipRole } from '../organizations/index.js';
import { normalizeCertificate } from './sso.certificates.js';
import { SsoConnectionNotFoundError, SsoDomainTakenError, SsoInputError } from './sso.errors.js';
import { parseIdpMetadata } from './sso.saml-metadata.js';
import type { SSO_DEFAULT_ROLES} from './sso-connections.table.js';
import { ssoConnections, type SsoConnectionRow, type SsoProtocol } from './sso-connections.table.js';
import { newVerificationToken } from './sso.domains.js';
import { ssoDomains } from './sso-domains.table.js';
import { ssoIdentities } from './sso-identities.table.js';
import { isDuplicateKey as isDuplicate } from '../../platform/db/errors.js';

// The roles spelled out in sso-connections.table.ts must be exactly the memberships' roles.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const rolesAgree: Same<(typeof SSO_DEFAULT_ROLES)[number], MembershipRole> = true;
void rolesAgree;

/** A connection with its e-mail domains. */
/** An e-mail domain a connection claims, and whether it proved it controls it (sso.domains.ts). */
export interface SsoDomainState {
  domain: string;
  verificationToken: string;
  verifiedAt: Date | null;
}

export interface SsoConnection extends SsoConnectionRow {
  /** Every domain claimed, verified or not. */
  domains: string[];
  domainStates: SsoDomainState[];
}

/** Whether `domain` is one the connection has verified: only those sign people in. */
export function ownsDomain(connection: SsoConnection, domain: string): boolean {
  return connection.domainStates.some((d) => d.domain === domain && d.verifiedAt !== null);
}

export interface SamlSettingsInput {
  idpEntityId?: string | undefined;
  ssoUrl?: string | undefined;
  certificates?: string[] | undefined;
  metadataXml?: string | undefined;
}

export interface OidcSettingsInput {
  issuer?: string | undefined;
  clientId?: string | undefined;
  clientSecret?: string | undefined;
}

export interface SsoConnectionInput {
  name?: string | undefined;
  protocol?: SsoProtocol | undefined;
  domains?: string[] | undefined;
  defaultRole?: MembershipRole | undefined;
  enabled?: boolean | undefined;
  allowIdpInitiated?: boolean | undefined;
  saml?: SamlSettingsInput | undefined;
  oidc?: OidcSettingsInput | undefined;
}

export interface SsoAdminDeps {
  db: Db;
  secrets: SecretBox;
  /** Accept http:// issuers and IdP URLs (local development and tests only). */
  allowHttp: boolean;
}

const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/** The lower-case domain of an e-mail address, or null when it is not one. */
export function emailDomain(email: string): string | null {
  const at = email.lastIndexOf('@');
  if (at < 1 || at === email.length - 1 || email.length > 320) return null;
  const domain = email.slice(at + 1).toLowerCase();
  return DOMAIN.test(domain) ? domain : null;
}

/** A domain as stored: trimmed, lower case, no trailing dot (not checked). */
export function normalizeDomain(raw: string): string {
  return raw.trim().toLowerCase().replace(/\.$/, '');
}

function normalizeDomains(domains: string[]): string[] {
  if (domains.length < 1 || domains.length > 50) throw new SsoInputError('domains', 'give between 1 and 50 e-mail domains');
  const out = new Set<string>();
  for (const raw of domains) {
    const domain = normalizeDomain(raw);
    if (!DOMAIN.test(domain)) throw new SsoInputError('domains', `${JSON.stringify(raw.slice(0, 100))} is not a domain name`);
    out.add(domain);
  }
  return [...out];
}

function checkUrl(value: string, field: string, allowHttp: boolean): string {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new SsoInputError(field, 'is not a URL');
  }
  if (url.protocol !== 'https:' && !(allowHttp && url.protocol === 'http:')) throw new SsoInputError(field, 'must be an https URL');
  if (url.username || url.password) throw new SsoInputError(field, 'must not carry credentials');
  if (url.href.length > 1000) throw new SsoInputError(field, 'is longer than 1000 characters');
  return url.href;
}

function text(value: string, field: string, max: number): string {
  const trimmed = value.trim();
  if (!trimmed || trimmed.length > max) throw new SsoInputError(field, `must be 1 to ${max} characters`);
  return trimmed;
}

type Columns = Partial<typeof ssoConnections.$inferInsert>;

/** The columns an input sets, checked against the connection it changes (if any). */
function columnsOf(deps: SsoAdminDeps, input: SsoConnectionInput, existing: SsoConnectionRow | null): Columns {
  const protocol = existing?.protocol ?? input.protocol;
  if (!protocol) throw new SsoInputError('protocol', 'is required');
  const cols: Columns = {};
  if (input.name !== undefined) cols.name = text(input.name, 'name', 255);
  if (input.defaultRole !== undefined) cols.defaultRole = input.defaultRole;
  if (input.enabled !== undefined) cols.isEnabled = input.enabled;
  if (input.allowIdpInitiated !== undefined) {
    if (protocol !== 'saml' && input.allowIdpInitiated) throw new SsoInputError('allowIdpInitiated', 'applies to SAML connections only');
    cols.allowIdpInitiated = input.allowIdpInitiated;
  }
  if (protocol === 'saml') {
    if (input.oidc) throw new SsoInputError('oidc', 'a SAML connection takes saml settings');
    const saml = input.saml ?? {};
    const fromMetadata = saml.metadataXml !== undefined ? parseIdpMetadata(saml.metadataXml) : null;
    const entityId = saml.idpEntityId ?? fromMetadata?.entityId;
    const ssoUrl = saml.ssoUrl ?? fromMetadata?.ssoUrl;
    const certificates = saml.certificates ?? fromMetadata?.certificates;
    if (entityId !== undefined) cols.samlIdpEntityId = text(entityId, 'saml.idpEntityId', 1000);
    if (ssoUrl !== undefined) cols.samlSsoUrl = checkUrl(ssoUrl, 'saml.ssoUrl', deps.allowHttp);
    if (certificates !== undefined) {
      if (certificates.length < 1 || certificates.length > 5) throw new SsoInputError('saml.certificates', 'give between 1 and 5 certificates');
      cols.samlIdpCertificates = [...new Set(certificates.map((c) => normalizeCertificate(c, 'saml.certificates')))];
    }
    if (!existing) {
      if (!cols.samlIdpEntityId) throw new SsoInputError('saml.idpEntityId', 'is required (or give metadataXml)');
      if (!cols.samlSsoUrl) throw new SsoInputError('saml.ssoUrl', 'is required (or give metadataXml)');
      if (!cols.samlIdpCertificates) throw new SsoInputError('saml.certificates', 'are required (or give metadataXml)');
    }
  } else {
    if (input.saml) throw new SsoInputError('saml', 'an OIDC connection takes oidc settings');
    const oidc = input.oidc ?? {};
    if (oidc.issuer !== undefined) cols.oidcIssuer = checkUrl(oidc.issuer, 'oidc.issuer', deps.allowHttp).replace(/\/$/, '');
    if (oidc.clientId !== undefined) cols.oidcClientId = text(oidc.clientId, 'oidc.clientId', 255);
    if (oidc.clientSecret !== undefined) cols.oidcClientSecret = deps.secrets.seal(text(oidc.clientSecret, 'oidc.clientSecret', 500));
    if (!existing) {
      if (!cols.oidcIssuer) throw new SsoInputError('oidc.issuer', 'is required');
      if (!cols.oidcClientId) throw new SsoInputError('oidc.clientId', 'is required');
      if (!cols.oidcClientSecret) throw new SsoInputError('oidc.clientSecret', 'is required');
    }
  }
  return cols;
}

async function domainsOf(db: DbOrTx, connectionIds: number[]): Promise<Map<number, SsoDomainState[]>> {
  const map = new Map<number, SsoDomainState[]>(connectionIds.map((id) => [id, []]));
  if (!connectionIds.length) return map;
  const rows = await db.select().from(ssoDomains).where(inArray(ssoDomains.connectionId, connectionIds)).orderBy(asc(ssoDomains.domain));
  for (const row of rows) map.get(row.connectionId)?.push({ domain: row.domain, verificationToken: row.verificationToken, verifiedAt: row.verifiedAt });
  return map;
}

function withDomains(row: SsoConnectionRow, states: SsoDomainState[] | undefined): SsoConnection {
  const domainStates = states ?? [];
  return { ...row, domains: domainStates.map((d) => d.domain), domainStates };
}

/**
 * The connection's claimed domains become `domains`: claims it keeps keep their token and
 * verification, new ones start unverified with a token of their own. A domain another
 * connection has verified cannot be claimed (SsoDomainTakenError).
 */
async function setDomains(tx: DbOrTx, organizationId: number, connectionId: number, domains: string[]): Promise<void> {
  const current = await tx.select().from(ssoDomains).where(eq(ssoDomains.connectionId, connectionId));
  const kept = new Set(current.map((row) => row.domain));
  const removed = current.filter((row) => !domains.includes(row.domain)).map((row) => row.id);
  if (removed.length) await tx.delete(ssoDomains).where(inArray(ssoDomains.id, removed));
  for (const domain of domains) {
    if (kept.has(domain)) continue;
    const [owner] = await tx.select({ connectionId: ssoDomains.connectionId }).from(ssoDomains).where(eq(ssoDomains.verifiedDomain, domain));
    if (owner) throw new SsoDomainTakenError(domain);
    try {
      await tx.insert(ssoDomains).values({ organizationId, connectionId, domain, verificationToken: newVerificationToken() });
    } catch (error) {
      if (isDuplicate(error)) throw new SsoDomainTakenError(domain);
      throw error;
    }
  }
}


export async function listSsoConnections(db: Db, organizationId: number): Promise<SsoConnection[]> {
  const rows = await db.select().from(ssoConnections).where(eq(ssoConnections.organizationId, organizationId)).orderBy(asc(ssoConnections.id));
  const domains = await domainsOf(db, rows.map((r) => r.id));
  return rows.map((row) => withDomains(row, domains.get(row.id)));
}

/** One connection of the organization; NOT_FOUND for other organizations' connections. */
export async function getSsoConnection(db: DbOrTx, organizationId: number, id: number): Promise<SsoConnection> {
  const [row] = await db
    .select()
    .from(ssoConnections)
    .where(and(eq(ssoConnections.id, id), eq(ssoConnections.organizationId, organizationId)));
  if (!row) throw new SsoConnectionNotFoundError(id);
  return withDomains(row, (await domainsOf(db, [id])).get(id));
}

/** A connection by id alone, for the sign-in routes; null when there is none. */
export async function findSsoConnection(db: Db, id: number): Promise<SsoConnection | null> {
  const [row] = await db.select().from(ssoConnections).where(eq(ssoConnections.id, id));
  if (!row) return null;
  return withDomains(row, (await domainsOf(db, [id])).get(id));
}

/** What a change made, with the audit events to announce once it committed. */
export interface SsoChange {
  connection: SsoConnection;
  audit: AuditEventRow[];
}

/** Names of the settings an input changes, for the audit trail (never their values: secrets). */
function changedFields(input: SsoConnectionInput): string[] {
  const fields = Object.entries(input)
    .filter(([name, value]) => value !== undefined && name !== 'saml' && name !== 'oidc')
    .map(([name]) => name);
  for (const group of ['saml', 'oidc'] as const) {
    const settings = input[group];
    if (settings) fields.push(...Object.entries(settings).filter(([, v]) => v !== undefined).map(([name]) => `${group}.${name}`));
  }
  return fields;
}

export async function createSsoConnection(deps: SsoAdminDeps, actor: Actor, organizationId: number, input: SsoConnectionInput): Promise<SsoChange> {
  if (input.name === undefined) throw new SsoInputError('name', 'is required');
  if (input.domains === undefined) throw new SsoInputError('domains', 'are required');
  const cols = columnsOf(deps, input, null);
  const domains = normalizeDomains(input.domains);
  return deps.db.transaction(async (tx) => {
    const [result] = await tx.insert(ssoConnections).values({ ...cols, organizationId, name: cols.name!, protocol: input.protocol! });
    const id = result.insertId;
    await setDomains(tx, organizationId, id, domains);
    const audit = await recordAudit(tx, actor, { organizationId, action: 'sso_connection.created', targetType: 'sso_connection', targetId: id, metadata: { protocol: input.protocol, domains } });
    return { connection: await getSsoConnection(tx, organizationId, id), audit: [audit] };
  });
}

export async function updateSsoConnection(deps: SsoAdminDeps, actor: Actor, organizationId: number, id: number, input: SsoConnectionInput): Promise<SsoChange> {
  const existing = await getSsoConnection(deps.db, organizationId, id);
  if (input.protocol !== undefined && input.protocol !== existing.protocol) throw new SsoInputError('protocol', 'cannot change; create another connection');
  const cols = columnsOf(deps, input, existing);
  const domains = input.domains === undefined ? undefined : normalizeDomains(input.domains);
  return deps.db.transaction(async (tx) => {
    if (Object.keys(cols).length) {
      await tx
        .update(ssoConnections)
        .set(cols)
        .where(and(eq(ssoConnections.id, id), eq(ssoConnections.organizationId, organizationId)));
    }
    if (domains) await setDomains(tx, organizationId, id, domains);
    const audit = await recordAudit(tx, actor, { organizationId, action: 'sso_connection.updated', targetType: 'sso_connection', targetId: id, metadata: { fields: changedFields(input) } });
    return { connection: await getSsoConnection(tx, organizationId, id), audit: [audit] };
  });
}

/** Deletes a connection, its domains and its identity links (the users stay). */
export async function deleteSsoConnection(db: Db, actor: Actor, organizationId: number, id: number): Promise<AuditEventRow[]> {
  await getSsoConnection(db, organizationId, id);
  return db.transaction(async (tx) => {
    await tx.delete(ssoDomains).where(eq(ssoDomains.connectionId, id));
    await tx.delete(ssoIdentities).where(eq(ssoIdentities.connectionId, id));
    await tx.delete(ssoConnections).where(and(eq(ssoConnections.id, id), eq(ssoConnections.organizationId, organizationId)));
    return [await recordAudit(tx, actor, { organizationId, action: 'sso_connection.deleted', targetType: 'sso_connection', targetId: id })];
  });
}

/** The enabled connection that verified an e-mail's domain, or null. */
export async function connectionForEmail(db: Db, email: string): Promise<SsoConnectionRow | null> {
  const domain = emailDomain(email.trim());
  if (!domain) return null;
  const [row] = await db
    .select({ connection: ssoConnections })
    .from(ssoDomains)
    .innerJoin(ssoConnections, eq(ssoConnections.id, ssoDomains.connectionId))
    .where(and(eq(ssoDomains.verifiedDomain, domain), eq(ssoConnections.isEnabled, true)));
  return row?.connection ?? null;
}
