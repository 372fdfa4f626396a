import pg from 'pg';
import type { Logger } from '../logging/logger.js';

/**
 * Publish/subscribe through PostgreSQL LISTEN/NOTIFY, so a subscriber connected to any server
 * process sees events published by any server or worker process. Implements type-graphql's
 * PubSub: topics with an optional dynamic id (for example an organization or a job id).
 *
 * One listening connection per process; messages are fanned out in memory to local
 * subscribers. NOTIFY payloads are limited to 8000 bytes, so publish small events (ids,
 * counters) and let subscribers read anything larger from the database.
 */
const MAX_PAYLOAD = 7900;

interface Envelope {
  t: string;
  i?: string;
  p: unknown;
}

class Subscription implements AsyncIterableIterator<unknown> {
  private readonly buffer: unknown[] = [];
  private waiting: ((result: IteratorResult<unknown>) => void) | undefined;
  private done = false;

  constructor(private readonly onClose: () => void) {}

  push(value: unknown): void {
    if (this.done) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve({ value, done: false });
    } else if (this.buffer.length < 1000) {
      // A subscriber that stopped reading loses old events rather than growing memory without bound.
      this.buffer.push(value);
    }
  }

  next(): Promise<IteratorResult<unknown>> {
    if (this.buffer.length) return Promise.resolve({ value: this.buffer.shift(), done: false });
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  return(): Promise<IteratorResult<unknown>> {
    if (!this.done) {
      this.done = true;
      this.buffer.length = 0;
      this.waiting?.({ value: undefined, done: true });
      this.waiting = undefined;
      this.onClose();
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<unknown> {
    return this;
  }
}

export class PgPubSub {
  private readonly pool: pg.Pool;
  private listener: pg.Client | undefined;
  private connecting: Promise<void> | undefined;
  private readonly subscribers = new Map<string, Set<Subscription>>();
  private closed = false;

  private readonly channel: string;

  constructor(
    private readonly url: string,
    private readonly logger: Logger,
    namespace: string,
  ) {
    if (!/^[a-z_][a-z0-9_]*$/.test(namespace)) throw new Error(`invalid pubsub namespace ${namespace}`);
    // PostgreSQL identifiers are at most 63 bytes.
    this.channel = `trestle_events_${namespace}`.slice(0, 63);
    this.pool = new pg.Pool({ connectionString: url, max: 3 });
    this.pool.on('error', (error) => this.logger.warn({ err: error }, 'pubsub pool error'));
  }

  private static key(topic: string, id?: unknown): string {
    return id === undefined ? topic : `${topic}:${PgPubSub.idText(id)}`;
  }

  /** Topic ids are organization or job ids: numbers or strings. */
  private static idText(id: unknown): string {
    return typeof id === 'string' || typeof id === 'number' || typeof id === 'bigint' ? String(id) : JSON.stringify(id);
  }

  /** Fire-and-forget, as type-graphql's PubSub requires; failures are logged. */
  publish(topic: string, ...args: unknown[]): void {
    void this.publishAsync(topic, args.length > 1 ? args[0] : undefined, args.length > 1 ? args[1] : args[0]).catch(
      (error: unknown) => this.logger.error({ err: error, topic }, 'publish failed'),
    );
  }

  /** Publishes `payload` to subscribers of `topic` (and of `topic:id` when an id is given). */
  async publishAsync(topic: string, id: unknown, payload: unknown): Promise<void> {
    const envelope: Envelope = { t: topic, p: payload, ...(id === undefined ? {} : { i: PgPubSub.idText(id) }) };
    const text = JSON.stringify(envelope);
    if (Buffer.byteLength(text) > MAX_PAYLOAD) throw new Error(`event on ${topic} exceeds ${MAX_PAYLOAD} bytes`);
    await this.pool.query('SELECT pg_notify($1, $2)', [this.channel, text]);
  }

  subscribe(topic: string, id?: unknown): AsyncIterable<unknown> {
    const key = PgPubSub.key(topic, id);
    const subscription = new Subscription(() => {
      const set = this.subscribers.get(key);
      set?.delete(subscription);
      if (set?.size === 0) this.subscribers.delete(key);
    });
    let set = this.subscribers.get(key);
    if (!set) {
      set = new Set();
      this.subscribers.set(key, set);
    }
    set.add(subscription);
    void this.ensureListening().catch((error: unknown) => this.logger.error({ err: error }, 'pubsub listen failed'));
    return subscription;
  }

  /** Resolves once this process listens; subscriptions made earlier receive events from then on. */
  ensureListening(): Promise<void> {
    if (this.listener || this.closed) return Promise.resolve();
    this.connecting ??= this.connect().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    client.on('notification', (message) => {
      if (message.channel !== this.channel || !message.payload) return;
      this.dispatch(message.payload);
    });
    client.on('error', (error) => {
      this.logger.warn({ err: error }, 'pubsub listener lost; reconnecting');
      this.listener = undefined;
      void client.end().catch(() => undefined);
      if (!this.closed) setTimeout(() => void this.ensureListening().catch(() => undefined), 1000).unref();
    });
    await client.connect();
    await client.query(`LISTEN ${this.channel}`);
    this.listener = client;
  }

  private dispatch(raw: string): void {
    let envelope: Envelope;
    try {
      envelope = JSON.parse(raw) as Envelope;
    } catch {
      return;
    }
    const targets = [this.subscribers.get(envelope.t)];
    if (envelope.i !== undefined) targets.push(this.subscribers.get(PgPubSub.key(envelope.t, envelope.i)));
    for (const set of targets) for (const subscription of set ?? []) subscription.push(envelope.p);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const set of this.subscribers.values()) for (const s of [...set]) void s.return();
    await this.listener?.end().catch(() => undefined);
    await this.pool.end().catch(() => undefined);
  }
}
