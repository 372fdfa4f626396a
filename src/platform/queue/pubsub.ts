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
 *
 * NOTIFY is not durable: what is published while a process does not listen (PostgreSQL
 * restarting, the network gone) never reaches it. So the listening connection is re-established
 * with backoff for as long as it takes, and once it listens again every live subscription that
 * gave a `resync` is sent what it returns: the current state, read from MariaDB, which is where
 * the truth lives. A terminal state reached during the gap is delivered that way.
 */
const MAX_PAYLOAD = 7900;

/** Backoff between attempts to listen again: 0.5 s doubling to at most 15 s, with jitter. */
const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 15_000;
/** A connection attempt to a host that does not answer gives up after this long (then retries). */
const CONNECT_TIMEOUT_MS = 5_000;

interface Envelope {
  t: string;
  i?: string;
  p: unknown;
}

export interface SubscribeOptions {
  /**
   * What the subscriber must see after events may have been lost (the listener was down):
   * read from the system of record. Values are delivered in order; events that arrive while it
   * runs are held and delivered after them, so a stale read never follows a newer event.
   */
  resync?: () => Promise<unknown[]>;
}

class Subscription implements AsyncIterableIterator<unknown> {
  private readonly buffer: unknown[] = [];
  private waiting: ((result: IteratorResult<unknown>) => void) | undefined;
  private done = false;
  /** Events held while a resync runs; undefined when none runs. */
  private held: unknown[] | undefined;

  constructor(
    private readonly onClose: () => void,
    readonly resync: SubscribeOptions['resync'],
  ) {}

  get closed(): boolean {
    return this.done;
  }

  push(value: unknown): void {
    if (this.held) {
      if (this.held.length < 1000) this.held.push(value);
      return;
    }
    this.deliver(value);
  }

  /** Delivers what `read` returns, then what arrived meanwhile. Failures are the caller's to log. */
  async catchUp(read: () => Promise<unknown[]>): Promise<void> {
    if (this.done || this.held) return;
    this.held = [];
    let values: unknown[] = [];
    try {
      values = await read();
    } finally {
      const held = this.held;
      this.held = undefined;
      for (const value of [...values, ...held]) this.deliver(value);
    }
  }

  private deliver(value: unknown): void {
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
      this.held = undefined;
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

/**
 * What a subscription resolver returns: `first` (the state now), then the live events `keep`
 * accepts. Written out rather than as an async generator on purpose: a generator's return()
 * waits behind its pending next(), so a client that unsubscribed kept its subscription (and the
 * request it came with) in memory until one more event arrived on the topic, which for a
 * finished import is never. Here return() ends the live subscription at once.
 */
export function liveStream<T>(first: readonly T[], live: AsyncIterator<unknown>, keep: (value: T) => boolean = () => true): AsyncIterableIterator<T> {
  const queue = [...first];
  const stream: AsyncIterableIterator<T> = {
    async next(): Promise<IteratorResult<T>> {
      const queued = queue.shift();
      if (queued !== undefined) return { value: queued, done: false };
      for (;;) {
        const result = await live.next();
        if (result.done) return { value: undefined, done: true };
        if (keep(result.value as T)) return { value: result.value as T, done: false };
      }
    },
    async return(): Promise<IteratorResult<T>> {
      queue.length = 0;
      await live.return?.();
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return stream;
    },
  };
  return stream;
}

export class PgPubSub {
  private readonly pool: pg.Pool;
  private listener: pg.Client | undefined;
  /** The attempt in progress; resolves true when it listens. */
  private connecting: Promise<boolean> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  /** Set when events may have been lost (an attempt failed or the listener dropped). */
  private missed = false;
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
    this.pool = new pg.Pool({ connectionString: url, max: 3, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
    this.pool.on('error', (error) => this.logger.warn({ err: error }, 'pubsub pool error'));
  }

  private static key(topic: string, id?: unknown): string {
    return id === undefined ? topic : `${topic}:${PgPubSub.idText(id)}`;
  }

  /** Topic ids are organization or job ids: numbers or strings. */
  private static idText(id: unknown): string {
    return typeof id === 'string' || typeof id === 'number' || typeof id === 'bigint' ? String(id) : JSON.stringify(id);
  }

  /** Live subscriptions in this process (all topics). */
  get subscriptionCount(): number {
    let n = 0;
    for (const set of this.subscribers.values()) n += set.size;
    return n;
  }

  /** Whether this process listens now. */
  get listening(): boolean {
    return this.listener !== undefined;
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

  subscribe(topic: string, id?: unknown, options: SubscribeOptions = {}): AsyncIterableIterator<unknown> {
    const key = PgPubSub.key(topic, id);
    const subscription = new Subscription(() => {
      const set = this.subscribers.get(key);
      set?.delete(subscription);
      if (set?.size === 0) this.subscribers.delete(key);
    }, options.resync);
    let set = this.subscribers.get(key);
    if (!set) {
      set = new Set();
      this.subscribers.set(key, set);
    }
    set.add(subscription);
    void this.ensureListening();
    return subscription;
  }

  /**
   * Starts listening unless this process already does. Resolves true once it listens, false if
   * this attempt failed: attempts go on in the background, and subscribers are resynced when
   * one succeeds, so callers may carry on either way. Never rejects.
   */
  ensureListening(): Promise<boolean> {
    if (this.listener) return Promise.resolve(true);
    if (this.closed) return Promise.resolve(false);
    this.connecting ??= this.attempt().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async attempt(): Promise<boolean> {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    try {
      await this.connect();
    } catch (error) {
      this.missed = true;
      this.failures += 1;
      this.logger.warn({ err: error, attempt: this.failures }, 'pubsub cannot listen; retrying');
      this.scheduleRetry();
      return false;
    }
    if (this.failures) this.logger.info({ attempts: this.failures }, 'pubsub listening again');
    this.failures = 0;
    if (this.missed) {
      this.missed = false;
      this.resyncAll();
    }
    return true;
  }

  private scheduleRetry(): void {
    if (this.closed || this.retryTimer || this.listener) return;
    const ceiling = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** Math.min(this.failures, 10));
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.ensureListening();
    }, delay);
    // An HTTP server or the worker keeps the process alive; this timer alone must not.
    this.retryTimer.unref();
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, keepAlive: true });
    let lost = false;
    const onLost = (error?: Error) => {
      if (lost) return;
      lost = true;
      if (this.listener === client) this.listener = undefined;
      void client.end().catch(() => undefined);
      if (this.closed) return;
      this.missed = true;
      this.logger.warn({ err: error }, 'pubsub listener lost; reconnecting');
      this.scheduleRetry();
    };
    client.on('notification', (message) => {
      if (message.channel !== this.channel || !message.payload) return;
      this.dispatch(message.payload);
    });
    // A failed connect rejects below; errors and ends after it mean the listener is gone.
    client.on('error', (error) => {
      if (this.listener === client) onLost(error);
    });
    client.on('end', () => {
      if (this.listener === client) onLost();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${this.channel}`);
    } catch (error) {
      lost = true;
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.listener = client;
  }

  /** After a gap: every live subscription that can resync gets the current state. */
  private resyncAll(): void {
    for (const set of this.subscribers.values()) {
      for (const subscription of set) {
        const read = subscription.resync;
        if (!read || subscription.closed) continue;
        void this.resyncOne(subscription, read);
      }
    }
  }

  /** The read may fail too (MariaDB restarting as well): it is retried with the same backoff. */
  private async resyncOne(subscription: Subscription, read: () => Promise<unknown[]>): Promise<void> {
    for (let attempt = 0; !this.closed && !subscription.closed; attempt += 1) {
      try {
        await subscription.catchUp(read);
        return;
      } catch (error) {
        this.logger.warn({ err: error, attempt: attempt + 1 }, 'pubsub resync failed; retrying');
        const ceiling = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** Math.min(attempt + 1, 10));
        await new Promise((resolve) => setTimeout(resolve, ceiling / 2 + Math.random() * (ceiling / 2)).unref());
      }
    }
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
    clearTimeout(this.retryTimer);
    for (const set of this.subscribers.values()) for (const s of [...set]) void s.return();
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => undefined);
    await this.connecting;
    await this.pool.end().catch(() => undefined);
  }
}
