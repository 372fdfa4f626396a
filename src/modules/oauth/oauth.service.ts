import { and, desc, eq, lt } from 'drizzle-orm';
import { isScope, scopesNotCovered } from '../../platform/auth/scopes.js';
import type { Db } from '../../platform/db/mysql.js';
import type { Page } from '../../platform/graphql/pagination.js';
import { recordAudit, type Actor, type AuditEventRow } from '../audit/index.js';
import { oauthClients } from './oauth-clients.table.js';
import { revokeClientArtifacts } from './oauth.adapter.js';
import { generateClientId, generateClientSecret, type OAuthClientRow } from './oauth.clients.js';
import { OAuthClientInputError, OAuthClientNotFoundError, OAuthScopeEscalationError, PublicClientSecretError } from './oauth.errors.js';

/** The scopes of whoever manages a client; null for the operator CLI. */
export type GrantorScopes = readonly string[] | null;

export interface OAuthClientInput {
  name: string;
  redirectUris: string[];
  scopes: string[];
  isConfidential: boolean;
  /** Requests per hour; null or omitted: the configured default. */
  rateLimit?: number | null | undefined;
  /** Origins of browser apps allowed to call the API with the client's tokens (CORS); omitted: none. */
  webOrigins?: string[] | undefined;
}

const MAX_REDIRECT_URIS = 20;
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

function validateRateLimit(rate: number | null | undefined): number | null {
  if (rate === null || rate === undefined) return null;
  if (!Number.isInteger(rate) || rate < 1 || rate > 1_000_000) throw new OAuthClientInputError('rateLimit', 'must be an integer from 1 to 1000000 requests per hour');
  return rate;
}

function validateName(name: string): string {
  const trimmed = name.trim();
  if (!trimmed || trimmed.length > 255) throw new OAuthClientInputError('name', 'must be 1 to 255 characters');
  return trimmed;
}

/** Absolute https URLs (http only on loopback), no fragment; kept exactly as given: matching is exact. */
function validateRedirectUris(uris: string[]): string[] {
  if (uris.length > MAX_REDIRECT_URIS) throw new OAuthClientInputError('redirectUris', `must list at most ${MAX_REDIRECT_URIS} URIs`);
  for (const uri of uris) {
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      throw new OAuthClientInputError('redirectUris', `contains an invalid URL: ${uri.slice(0, 200)}`);
    }
    if (uri.length > 2000) throw new OAuthClientInputError('redirectUris', 'contains a URL longer than 2000 characters');
    if (url.hash || uri.includes('#')) throw new OAuthClientInputError('redirectUris', `must not contain a fragment: ${uri}`);
    if (url.username || url.password) throw new OAuthClientInputError('redirectUris', `must not contain credentials: ${uri}`);
    const secure = url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
    if (!secure) throw new OAuthClientInputError('redirectUris', `must use https (http only for localhost): ${uri}`);
  }
  return [...new Set(uris)];
}

const MAX_WEB_ORIGINS = 20;

/**
 * Web origins as a browser sends them in `Origin`: scheme and host (and port), nothing else;
 * https (http only on loopback), as for redirect URIs. Returned in their serialised form.
 */
export function validateWebOrigins(origins: string[]): string[] {
  if (origins.length > MAX_WEB_ORIGINS) throw new OAuthClientInputError('webOrigins', `must list at most ${MAX_WEB_ORIGINS} origins`);
  const valid = origins.map((origin) => {
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      throw new OAuthClientInputError('webOrigins', `contains an invalid origin: ${origin.slice(0, 200)}`);
    }
    const secure = url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
    if (!secure) throw new OAuthClientInputError('webOrigins', `must use https (http only for localhost): ${origin.slice(0, 200)}`);
    // Only what a browser's Origin header holds: no credentials, path, query or fragment, no wildcard.
    if (url.origin !== origin.replace(/\/$/, '') || origin.includes('*')) {
      throw new OAuthClientInputError('webOrigins', `must be a scheme, host and port only (like https://app.example.com): ${origin.slice(0, 200)}`);
    }
    return url.origin;
  });
  return [...new Set(valid)];
}

function validateScopes(scopes: string[], grantor: GrantorScopes): string[] {
  if (scopes.length === 0) throw new OAuthClientInputError('scopes', 'must list at least one scope');
  const unknown = scopes.filter((s) => !isScope(s));
  if (unknown.length) throw new OAuthClientInputError('scopes', `contains unknown scopes: ${unknown.join(', ')}`, { unknownScopes: unknown });
  if (grantor) {
    const escalated = scopesNotCovered(grantor, scopes);
    if (escalated.length) throw new OAuthScopeEscalationError(escalated);
  }
  return [...new Set(scopes)];
}

export async function listOAuthClients(db: Db, organizationId: number, page: Page): Promise<OAuthClientRow[]> {
  return db
    .select()
    .from(oauthClients)
    .where(and(eq(oauthClients.organizationId, organizationId), page.beforeId === null ? undefined : lt(oauthClients.id, page.beforeId)))
    .orderBy(desc(oauthClients.id))
    .limit(page.limit + 1);
}

export async function getOAuthClient(db: Db, organizationId: number, id: number): Promise<OAuthClientRow> {
  const [row] = await db.select().from(oauthClients).where(and(eq(oauthClients.organizationId, organizationId), eq(oauthClients.id, id)));
  if (!row) throw new OAuthClientNotFoundError(id);
  return row;
}

export interface ClientWithSecret {
  client: OAuthClientRow;
  /** Shown once; null for public clients. */
  secret: string | null;
  audit: AuditEventRow[];
}

export async function createOAuthClient(db: Db, actor: Actor, grantor: GrantorScopes, organizationId: number, input: OAuthClientInput): Promise<ClientWithSecret> {
  const name = validateName(input.name);
  const redirectUris = validateRedirectUris(input.redirectUris);
  const scopes = validateScopes(input.scopes, grantor);
  const rateLimit = validateRateLimit(input.rateLimit);
  const webOrigins = validateWebOrigins(input.webOrigins ?? []);
  if (!input.isConfidential && redirectUris.length === 0) {
    throw new OAuthClientInputError('redirectUris', 'must list at least one URI for a public client (public clients use the authorization code flow)');
  }
  const secret = input.isConfidential ? generateClientSecret() : null;
  return db.transaction(async (tx) => {
    const [result] = await tx.insert(oauthClients).values({
      organizationId,
      name,
      clientId: generateClientId(),
      clientSecret: secret?.stored ?? '',
      redirectUris,
      scopes,
      isConfidential: input.isConfidential,
      rateLimit,
      webOrigins,
    });
    const [client] = await tx.select().from(oauthClients).where(eq(oauthClients.id, result.insertId));
    if (!client) throw new Error('inserted OAuth client not found');
    const audit = await recordAudit(tx, actor, {
      organizationId,
      action: 'oauth_client.created',
      targetType: 'oauth_client',
      targetId: client.id,
      metadata: { name, clientId: client.clientId, scopes, redirectUris, webOrigins, isConfidential: input.isConfidential },
    });
    return { client, secret: secret?.plaintext ?? null, audit: [audit] };
  });
}

export async function updateOAuthClient(
  db: Db,
  actor: Actor,
  grantor: GrantorScopes,
  organizationId: number,
  id: number,
  input: { name?: string | undefined; redirectUris?: string[] | undefined; scopes?: string[] | undefined; rateLimit?: number | null | undefined; webOrigins?: string[] | undefined },
): Promise<{ client: OAuthClientRow; audit: AuditEventRow[] }> {
  const changes: Partial<Pick<OAuthClientRow, 'name' | 'redirectUris' | 'scopes' | 'rateLimit' | 'webOrigins'>> = {};
  if (input.webOrigins !== undefined) changes.webOrigins = validateWebOrigins(input.webOrigins);
  if (input.name !== undefined) changes.name = validateName(input.name);
  if (input.redirectUris !== undefined) changes.redirectUris = validateRedirectUris(input.redirectUris);
  if (input.scopes !== undefined) changes.scopes = validateScopes(input.scopes, grantor);
  if (input.rateLimit !== undefined) changes.rateLimit = validateRateLimit(input.rateLimit);
  return db.transaction(async (tx) => {
    const [current] = await tx.select().from(oauthClients).where(and(eq(oauthClients.organizationId, organizationId), eq(oauthClients.id, id))).for('update');
    if (!current) throw new OAuthClientNotFoundError(id);
    if (!current.isConfidential && changes.redirectUris?.length === 0) {
      throw new OAuthClientInputError('redirectUris', 'must list at least one URI for a public client');
    }
    if (Object.keys(changes).length) await tx.update(oauthClients).set(changes).where(eq(oauthClients.id, id));
    const [client] = await tx.select().from(oauthClients).where(eq(oauthClients.id, id));
    const audit = await recordAudit(tx, actor, { organizationId, action: 'oauth_client.updated', targetType: 'oauth_client', targetId: id, metadata: { ...changes } });
    return { client: client!, audit: [audit] };
  });
}

/** A new secret; the old one stops working at once. Tokens already issued stay valid until they expire. */
export async function rotateOAuthClientSecret(db: Db, actor: Actor, organizationId: number, id: number): Promise<ClientWithSecret> {
  return db.transaction(async (tx) => {
    const [current] = await tx.select().from(oauthClients).where(and(eq(oauthClients.organizationId, organizationId), eq(oauthClients.id, id))).for('update');
    if (!current) throw new OAuthClientNotFoundError(id);
    if (!current.isConfidential) throw new PublicClientSecretError(id);
    const secret = generateClientSecret();
    await tx.update(oauthClients).set({ clientSecret: secret.stored }).where(eq(oauthClients.id, id));
    const [client] = await tx.select().from(oauthClients).where(eq(oauthClients.id, id));
    const audit = await recordAudit(tx, actor, { organizationId, action: 'oauth_client.secret_rotated', targetType: 'oauth_client', targetId: id, metadata: { clientId: current.clientId } });
    return { client: client!, secret: secret.plaintext, audit: [audit] };
  });
}

/** Deletes a client and, in the same transaction, every code, token and grant issued to it. */
export async function deleteOAuthClient(db: Db, actor: Actor, organizationId: number, id: number): Promise<{ audit: AuditEventRow[] }> {
  return db.transaction(async (tx) => {
    const [current] = await tx.select().from(oauthClients).where(and(eq(oauthClients.organizationId, organizationId), eq(oauthClients.id, id))).for('update');
    if (!current) throw new OAuthClientNotFoundError(id);
    await tx.delete(oauthClients).where(eq(oauthClients.id, id));
    const revoked = await revokeClientArtifacts(tx, current.clientId);
    const audit = await recordAudit(tx, actor, { organizationId, action: 'oauth_client.deleted', targetType: 'oauth_client', targetId: id, metadata: { clientId: current.clientId, revokedArtifacts: revoked } });
    return { audit: [audit] };
  });
}
