import { createHmac, randomUUID } from 'node:crypto';
import type { ChangeEvent } from './entities.js';
import { qboTime } from './faults.js';

/**
 * Webhook notifications as Intuit sends them (developer.intuit.com "Webhooks"): a POST whose
 * `intuit-signature` header is base64(HMAC-SHA256(body, verifier token)). Changes made close
 * together are batched into one notification. Two payload forms: the legacy
 * `{ eventNotifications: [{ realmId, dataChangeEvent: { entities: [{ name, id, operation,
 * lastUpdated }] } }] }` and the CloudEvents 1.0 array (`type: qbo.<entity>.<verb>.v1`).
 */

export type WebhookFormat = 'legacy' | 'cloudevents';

export interface WebhookOptions {
  url: string;
  verifierToken: string;
  /** Default 'legacy'. */
  format?: WebhookFormat;
  /** How long changes are gathered into one notification; default 0 (the next tick). */
  batchMs?: number;
}

export interface WebhookDelivery {
  url: string;
  body: string;
  signature: string;
  events: ChangeEvent[];
  status: number | null;
  error: string | null;
}

const VERBS = { Create: 'created', Update: 'updated', Delete: 'deleted' } as const;

export function signWebhook(body: string, verifierToken: string): string {
  return createHmac('sha256', verifierToken).update(body).digest('base64');
}

export function webhookBody(events: ChangeEvent[], format: WebhookFormat): string {
  if (format === 'cloudevents') {
    return JSON.stringify(
      events.map((e) => ({
        specversion: '1.0',
        id: randomUUID(),
        source: 'intuit.quickbooks.simulator',
        type: `qbo.${e.entity.toLowerCase()}.${VERBS[e.operation]}.v1`,
        datacontenttype: 'application/json',
        time: new Date(e.at).toISOString(),
        intuitentityid: e.id,
        intuitaccountid: e.realmId,
        data: {},
      })),
    );
  }
  const realms = [...new Set(events.map((e) => e.realmId))];
  return JSON.stringify({
    eventNotifications: realms.map((realmId) => ({
      realmId,
      dataChangeEvent: {
        entities: events
          .filter((e) => e.realmId === realmId)
          .map((e) => ({ name: e.entity, id: e.id, operation: e.operation, lastUpdated: qboTime(e.at) })),
      },
    })),
  });
}

export class WebhookNotifier {
  config: WebhookOptions | null;
  readonly deliveries: WebhookDelivery[] = [];
  private pending: ChangeEvent[] = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly sending = new Set<Promise<void>>();

  constructor(config: WebhookOptions | null) {
    this.config = config;
  }

  notify(event: ChangeEvent): void {
    if (!this.config) return;
    this.pending.push(event);
    this.timer ??= setTimeout(() => {
      this.timer = null;
      this.flush();
    }, this.config.batchMs ?? 0);
  }

  /** Sends what is pending now. */
  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const config = this.config;
    const events = this.pending;
    this.pending = [];
    if (!config || events.length === 0) return;
    const body = webhookBody(events, config.format ?? 'legacy');
    const delivery: WebhookDelivery = { url: config.url, body, signature: signWebhook(body, config.verifierToken), events, status: null, error: null };
    this.deliveries.push(delivery);
    const sending = fetch(config.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', 'intuit-signature': delivery.signature },
      body,
      signal: AbortSignal.timeout(10_000),
    })
      .then(async (response) => {
        delivery.status = response.status;
        await response.arrayBuffer();
      })
      .catch((error: unknown) => {
        delivery.error = error instanceof Error ? error.message : String(error);
      })
      .finally(() => this.sending.delete(sending));
    this.sending.add(sending);
  }

  /** Resolves when every change so far has been sent and answered (or failed). */
  async idle(): Promise<void> {
    this.flush();
    while (this.sending.size > 0) await Promise.all([...this.sending]);
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pending = [];
  }
}
