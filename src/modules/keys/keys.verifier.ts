import { eq, sql } from 'drizzle-orm';
import type { Db } from '../../platform/db/mysql.js';
import { constantTimeEqual, sha256Hex } from '../../platform/crypto/tokens.js';
import { AuthenticationError } from '../../platform/errors/app-error.js';
import type { Principal } from '../../platform/auth/principal.js';
import type { Logger } from '../../platform/logging/logger.js';
import { isWellFormedKey } from './keys.format.js';
import { apiKeys } from './keys.table.js';
import { keyState } from './keys.service.js';

interface CachedKey {
  id: number;
  organizationId: number;
  keyHash: string;
  keyPrefix: string;
  scopes: string[];
  rateLimit: number;
  burstLimit: number | null;
  isActive: boolean;
  expiresAt: Date | null;
  replacedById: number | null;
}

const MAX_CACHE_ENTRIES = 10_000;

/**
 * Turns a presented key into a principal. Lookups are by SHA-256 of the key (so timing reveals
 * nothing about the secret) and cached for `ttlMs`, so a request costs no database round trip
 * and a revocation reaches every process within `ttlMs`. Misses are cached too, so a flood of
 * well-formed garbage keys does not become a flood of queries. `last_used_at` is buffered and
 * written back every `flushMs`, not once per request.
 */
export class KeyVerifier {
  private readonly cache = new Map<string, { key: CachedKey | null; until: number }>();
  private readonly lastUsed = new Map<number, Date>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Db,
    private readonly options: { ttlMs: number; flushMs: number; logger: Logger },
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.flushLastUsed(), this.options.flushMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.flushLastUsed();
  }

  /** Drops a key from this process's cache (after revoking it here). */
  forget(keyHash: string): void {
    this.cache.delete(keyHash);
  }

  async verify(presented: string): Promise<Principal> {
    if (!isWellFormedKey(presented)) {
      throw new AuthenticationError('MALFORMED', 'The API key is malformed: check that it was copied whole');
    }
    const hash = sha256Hex(presented);
    const key = await this.lookup(hash);
    if (!key || !constantTimeEqual(key.keyHash, hash)) {
      throw new AuthenticationError('UNKNOWN', 'The API key is not valid');
    }
    const state = keyState(key);
    if (state === 'revoked') throw new AuthenticationError('REVOKED', 'The API key was revoked');
    if (state === 'expired') throw new AuthenticationError('EXPIRED', 'The API key has expired');
    this.lastUsed.set(key.id, new Date());
    return {
      kind: 'api_key',
      organizationId: key.organizationId,
      id: String(key.id),
      label: key.keyPrefix,
      scopes: key.scopes,
      rateLimitPerHour: key.rateLimit,
      burstLimit: key.burstLimit,
    };
  }

  private async lookup(hash: string): Promise<CachedKey | null> {
    const now = Date.now();
    const hit = this.cache.get(hash);
    if (hit && hit.until > now) return hit.key;
    const [row] = await this.db
      .select({
        id: apiKeys.id,
        organizationId: apiKeys.organizationId,
        keyHash: apiKeys.keyHash,
        keyPrefix: apiKeys.keyPrefix,
        scopes: apiKeys.scopes,
        rateLimit: apiKeys.rateLimit,
        burstLimit: apiKeys.burstLimit,
        isActive: apiKeys.isActive,
        expiresAt: apiKeys.expiresAt,
        replacedById: apiKeys.replacedById,
      })
      .from(apiKeys)
      .where(eq(apiKeys.keyHash, hash));
    const key = row ?? null;
    if (this.options.ttlMs > 0) {
      if (this.cache.size >= MAX_CACHE_ENTRIES) {
        const oldest = this.cache.keys().next().value;
        if (oldest !== undefined) this.cache.delete(oldest);
      }
      this.cache.set(hash, { key, until: now + this.options.ttlMs });
    }
    return key;
  }

  /** Writes buffered last_used_at values; never moves a value backwards. */
  async flushLastUsed(): Promise<void> {
    if (this.lastUsed.size === 0) return;
    const batch = [...this.lastUsed];
    this.lastUsed.clear();
    try {
      for (const [id, at] of batch) {
        await this.db
          .update(apiKeys)
          .set({ lastUsedAt: sql`GREATEST(COALESCE(${apiKeys.lastUsedAt}, ${at}), ${at})` })
          .where(eq(apiKeys.id, id));
      }
    } catch (error) {
      this.options.logger.warn({ err: error }, 'could not record last_used_at; will retry');
      for (const [id, at] of batch) if (!this.lastUsed.has(id)) this.lastUsed.set(id, at);
    }
  }
}
