import { AsyncLocalStorage } from 'node:async_hooks';
import type { Identity } from 'graphql-rate-limit';
import { getGraphQLRateLimiter } from 'graphql-rate-limit';
import type { GraphQLResolveInfo } from 'graphql';
import type mysql from 'mysql2/promise';
import { withConnectionTransaction } from '../db/mysql.js';

/**
 * Per-field limits for expensive operations, computed by graphql-rate-limit's
 * getGraphQLRateLimiter. Its store interface reads the caller's timestamps, then writes them
 * back: two processes interleaving there would both admit the last call. This store runs each
 * read-then-write inside one MySQL transaction that locks the caller's row first, so the
 * sequence is atomic across processes. The connection of the current check travels in
 * AsyncLocalStorage because the library passes the store nothing but the identity.
 */
interface CheckState {
  conn: mysql.PoolConnection;
  /** When the oldest call still in the window leaves it (ms since the epoch). */
  oldestExpiresAt: number;
}
const current = new AsyncLocalStorage<CheckState>();

function stateOrThrow(): CheckState {
  const state = current.getStore();
  if (!state) throw new Error('field rate limit store used outside FieldLimiter.check');
  return state;
}

function rowKey(identity: Identity): string {
  return `${identity.contextIdentity}|${identity.fieldIdentity}`.slice(0, 255);
}

const lockedStore = {
  async getForIdentity(identity: Identity): Promise<readonly number[]> {
    const { conn } = stateOrThrow();
    // Upsert first: it takes an exclusive lock on the row whether or not it existed, which a
    // plain SELECT … FOR UPDATE on a missing row would not (gap locks let both sides through).
    await conn.execute(
      "INSERT INTO field_rate_limits (identity, timestamps, expires_at) VALUES (?, '[]', 0) ON DUPLICATE KEY UPDATE identity = identity",
      [rowKey(identity)],
    );
    const [rows] = await conn.execute<mysql.RowDataPacket[]>(
      'SELECT timestamps FROM field_rate_limits WHERE identity = ?',
      [rowKey(identity)],
    );
    const raw: unknown = rows[0]?.['timestamps'];
    const parsed: unknown = typeof raw === 'string' ? JSON.parse(raw) : raw;
    return Array.isArray(parsed) ? parsed.filter((t): t is number => typeof t === 'number') : [];
  },
  async setForIdentity(identity: Identity, timestamps: readonly number[], windowMs?: number): Promise<void> {
    const state = stateOrThrow();
    const window = windowMs ?? 60_000;
    const latest = timestamps.length ? Math.max(...timestamps) : Date.now();
    state.oldestExpiresAt = (timestamps.length ? Math.min(...timestamps) : Date.now()) + window;
    await state.conn.execute('UPDATE field_rate_limits SET timestamps = ?, expires_at = ? WHERE identity = ?', [
      JSON.stringify(timestamps),
      latest + window,
      rowKey(identity),
    ]);
  },
};

export interface FieldLimit {
  /** Calls allowed per window. */
  max: number;
  /** Window in ms-compatible notation: '1m', '1h', '10s'. */
  window: string;
}

export interface FieldLimitResult {
  allowed: boolean;
  message?: string;
  retryAfterSeconds: number;
}

export class FieldLimiter {
  private readonly limiter = getGraphQLRateLimiter({
    identifyContext: (ctx: { rateLimitIdentity: string }) => ctx.rateLimitIdentity,
    store: lockedStore,
  });

  constructor(private readonly pool: mysql.Pool) {}

  async check(
    identity: string,
    limit: FieldLimit,
    resolve: { parent: unknown; args: Record<string, unknown>; info: GraphQLResolveInfo },
  ): Promise<FieldLimitResult> {
    return withConnectionTransaction(this.pool, async (conn) => {
      const state: CheckState = { conn, oldestExpiresAt: 0 };
      const message = await current.run(state, () =>
        this.limiter(
          { parent: resolve.parent, args: resolve.args, context: { rateLimitIdentity: identity }, info: resolve.info },
          { max: limit.max, window: limit.window, uncountRejected: true },
        ),
      );
      return message
        ? { allowed: false, message, retryAfterSeconds: Math.max(1, Math.ceil((state.oldestExpiresAt - Date.now()) / 1000)) }
        : { allowed: true, retryAfterSeconds: 0 };
    });
  }

  async prune(): Promise<number> {
    const [result] = await this.pool.execute<mysql.ResultSetHeader>(
      'DELETE FROM field_rate_limits WHERE expires_at < ? LIMIT 10000',
      [Date.now()],
    );
    return result.affectedRows;
  }
}
