import type { Config } from '../../platform/config.js';
import { retrySchedule } from '../../platform/config.js';
import type { AddressPolicy } from '../../platform/http/address-policy.js';

/** How deliveries behave; read once from configuration. */
export interface WebhookSettings {
  policy: AddressPolicy;
  timeoutMs: number;
  /** Seconds before attempt n+1 at index n; index 0 is the first attempt. */
  schedule: number[];
  disableAfterSeconds: number;
  endpointConcurrency: number;
  outboxPollMs: number;
  sweepGraceSeconds: number;
  /** The pg-boss schema, where the sweeper looks up the jobs of deliveries. */
  queueSchema: string;
}

export function webhookSettings(config: Config): WebhookSettings {
  return {
    policy: { allowLoopback: config.WEBHOOK_ALLOW_LOOPBACK, allowPrivate: config.WEBHOOK_ALLOW_PRIVATE_NETWORKS },
    timeoutMs: config.WEBHOOK_TIMEOUT_MS,
    schedule: retrySchedule(config),
    disableAfterSeconds: config.WEBHOOK_DISABLE_AFTER_S,
    endpointConcurrency: config.WEBHOOK_ENDPOINT_CONCURRENCY,
    outboxPollMs: config.WEBHOOK_OUTBOX_POLL_MS,
    sweepGraceSeconds: config.WEBHOOK_SWEEP_GRACE_S,
    queueSchema: config.QUEUE_SCHEMA,
  };
}

/** Bytes of a receiver's answer kept in the log. */
export const LOGGED_BODY_BYTES = 2048;
