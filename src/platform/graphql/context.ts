import type { PgBoss } from 'pg-boss';
import type { Config } from '../config.js';
import type { Db } from '../db/mysql.js';
import type { Logger } from '../logging/logger.js';
import type { Principal } from '../auth/principal.js';
import type { PgPubSub } from '../queue/pubsub.js';
import type { FieldLimiter } from '../rate-limit/field-limiter.js';
import type { RateDecision } from '../rate-limit/window-limiter.js';
import type mysql from 'mysql2/promise';

/** What every resolver and job handler may use; built once by the composition root. */
export interface Services {
  config: Config;
  db: Db;
  pool: mysql.Pool;
  pubsub: PgPubSub;
  boss: PgBoss;
  fieldLimiter: FieldLimiter;
  logger: Logger;
}

/** The per-operation GraphQL context, for HTTP and WebSocket alike. */
export interface GraphQLContext {
  requestId: string;
  principal: Principal | null;
  /** The caller's rate-limit state after counting this request, when it was counted. */
  rateLimit: RateDecision | null;
  logger: Logger;
  services: Services;
}
