import { and, eq, gt, lt } from 'drizzle-orm';
import type { CacheItem, CacheProvider } from '@node-saml/node-saml';
import type { Db } from '../../platform/db/mysql.js';
import { ssoSamlRequests } from './sso-saml-requests.table.js';

/*
 * node-saml's InResponseTo cache on MySQL: one row per AuthnRequest we sent, keyed by connection
 * and request id, so that any server process accepts the answer and a used id is gone for all.
 */
export class MySqlSamlRequestCache implements CacheProvider {
  constructor(
    private readonly db: Db,
    private readonly connectionId: number,
    private readonly ttlMs: number,
  ) {}

  private key(id: string): string {
    return `${this.connectionId}:${id}`.slice(0, 191);
  }

  async saveAsync(id: string, value: string): Promise<CacheItem | null> {
    const now = new Date();
    // Expired requests of any connection go as new ones come: the table stays small without a job.
    await this.db.delete(ssoSamlRequests).where(lt(ssoSamlRequests.expiresAt, now)).limit(100);
    await this.db.insert(ssoSamlRequests).values({ key: this.key(id), value: value.slice(0, 64), expiresAt: new Date(now.getTime() + this.ttlMs) });
    return { value, createdAt: now.getTime() };
  }

  async getAsync(id: string): Promise<string | null> {
    const [row] = await this.db
      .select({ value: ssoSamlRequests.value })
      .from(ssoSamlRequests)
      .where(and(eq(ssoSamlRequests.key, this.key(id)), gt(ssoSamlRequests.expiresAt, new Date())));
    return row?.value ?? null;
  }

  async removeAsync(id: string | null): Promise<string | null> {
    if (!id) return null;
    const [result] = await this.db.delete(ssoSamlRequests).where(eq(ssoSamlRequests.key, this.key(id)));
    return result.affectedRows ? id : null;
  }
}
