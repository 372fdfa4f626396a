import { createHash } from 'node:crypto';
import { RemoteError, type RemoteApi, type RemoteChanges, type RemotePage, type RemoteTarget, type SyncSession } from '../integrations/index.js';
import type { RequestLimiter } from './quickbooks.limiter.js';

/**
 * The QuickBooks Online Accounting API (v3) as Intuit documents it:
 * - `GET /v3/company/{realmId}/query?query=SELECT * FROM Vendor STARTPOSITION n MAXRESULTS 1000`
 *   answers `{ QueryResponse: { Vendor: [...], startPosition, maxResults, totalCount? }, time }`;
 * - `GET /v3/company/{realmId}/cdc?entities=A,B&changedSince=<ISO 8601>` answers
 *   `{ CDCResponse: [{ QueryResponse: [{ A: [...] }, { B: [...] }] }], time }`, at most 1,000
 *   objects, 30 days back at most; deleted objects come as `{ Id, status: "Deleted", MetaData }`;
 * - `POST /v3/company/{realmId}/{entity}` creates, or updates when the body carries Id and
 *   SyncToken (a stale SyncToken is Fault code 5010); `?requestid=` makes a retried POST idempotent;
 * - errors are `{ Fault: { Error: [{ Message, Detail, code }], type } }`; 401 means the access
 *   token expired, 429 that the company's limits were hit (honour Retry-After).
 */

export interface ClientSettings {
  apiBaseUrl: string;
  minorVersion: number;
  timeoutMs: number;
  maxAttempts: number;
  /** First backoff delay; doubled per attempt (with jitter), capped at 30 s, unless Retry-After says otherwise. */
  backoffBaseMs?: number;
}

export const PAGE_SIZE = 1000;
/** CDC answers hold at most this many objects; a full answer may have left some out. */
const CDC_LIMIT = 1000;
const CDC_WINDOW_MS = 30 * 24 * 3600 * 1000;

interface Fault {
  type: string | undefined;
  code: string | undefined;
  /** The request element Intuit names as the cause, e.g. changedSince. */
  element: string | undefined;
  message: string;
}

function faultOf(body: unknown): Fault | null {
  const fault = (body as { Fault?: { type?: string; Error?: Array<{ Message?: string; Detail?: string; code?: string; element?: string }> } } | null)?.Fault;
  if (!fault || typeof fault !== 'object') return null;
  const first = Array.isArray(fault.Error) ? fault.Error[0] : undefined;
  const message = [first?.Message, first?.Detail].filter((part) => typeof part === 'string' && part).join(': ');
  return { type: fault.type, code: first?.code, element: typeof first?.element === 'string' ? first.element : undefined, message: message.slice(0, 500) || 'no detail' };
}

/** The `time` of an answer: Intuit's clock when it answered. */
function timeOf(answer: Record<string, unknown>): Date | null {
  if (typeof answer['time'] !== 'string') return null;
  const time = new Date(answer['time']);
  return Number.isNaN(time.getTime()) ? null : time;
}

/** Retry-After as seconds or an HTTP date, in milliseconds; undefined when absent or unreadable. */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class QuickBooksClient implements RemoteApi {
  private requests = 0;

  constructor(
    private readonly session: SyncSession,
    private readonly settings: ClientSettings,
    private readonly limiter: RequestLimiter,
  ) {}

  requestCount(): number {
    return this.requests;
  }

  private url(path: string, params: Record<string, string> = {}): string {
    const url = new URL(`${this.settings.apiBaseUrl.replace(/\/+$/, '')}/v3/company/${encodeURIComponent(this.session.account)}/${path}`);
    for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
    url.searchParams.set('minorversion', String(this.settings.minorVersion));
    return url.toString();
  }

  /**
   * One API call with the limiter, the retries and the token refresh: 429 and 5xx wait
   * (Retry-After, else exponential backoff) and retry; a timeout or a malformed answer is
   * retried too (a POST carries a requestid, so Intuit applies it once); 401 refreshes the
   * access token once and retries.
   */
  private async call(method: 'GET' | 'POST', url: string, body?: unknown): Promise<Record<string, unknown>> {
    let refreshed = false;
    let last: RemoteError | undefined;
    for (let attempt = 1; attempt <= this.settings.maxAttempts; attempt++) {
      const token = await this.session.accessToken(false);
      let outcome: Record<string, unknown> | RemoteError;
      const release = await this.limiter.acquire();
      try {
        this.requests += 1;
        outcome = await this.once(method, url, token, body);
      } finally {
        release();
      }
      if (!(outcome instanceof RemoteError)) return outcome;
      last = outcome;
      if (outcome.kind === 'unauthorized' && !refreshed) {
        refreshed = true;
        await this.session.accessToken(true);
        attempt -= 1;
        continue;
      }
      if (!outcome.retryable && outcome.kind !== 'malformed') throw outcome;
      if (attempt === this.settings.maxAttempts) break;
      const base = this.settings.backoffBaseMs ?? 500;
      const backoff = Math.min(30_000, base * 2 ** (attempt - 1)) * (0.75 + Math.random() * 0.5);
      const wait = outcome.details.retryAfterMs ?? backoff;
      this.session.logger.warn({ kind: outcome.kind, status: outcome.details.status, attempt, waitMs: Math.round(wait) }, 'QuickBooks request failed; retrying');
      await sleep(Math.min(wait, 120_000));
    }
    throw new RemoteError(last!.kind, `${last!.message} (after ${this.settings.maxAttempts} attempts)`, last!.details);
  }

  private async once(method: 'GET' | 'POST', url: string, token: string, body?: unknown): Promise<Record<string, unknown> | RemoteError> {
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, {
        method,
        headers: {
          accept: 'application/json',
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.settings.timeoutMs),
        redirect: 'manual',
      });
      text = await response.text();
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (name === 'TimeoutError' || name === 'AbortError') return new RemoteError('timeout', `QuickBooks did not answer within ${this.settings.timeoutMs} ms`);
      return new RemoteError('network', `QuickBooks could not be reached (${(error as { cause?: { code?: string } }).cause?.code ?? 'network error'})`);
    }
    const status = response.status;
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = undefined;
    }
    const retryAfter = retryAfterMs(response.headers.get('retry-after'));
    const fault = parsed === undefined ? null : faultOf(parsed);
    const details = {
      status,
      ...(fault?.code ? { providerCode: fault.code } : {}),
      ...(fault?.element ? { element: fault.element } : {}),
      ...(retryAfter === undefined ? {} : { retryAfterMs: retryAfter }),
    };
    if (status === 401) return new RemoteError('unauthorized', `QuickBooks refused the access token (401${fault ? `: ${fault.message}` : ''})`, details);
    if (status === 403) return new RemoteError('forbidden', `QuickBooks refused access to the company (403${fault ? `: ${fault.message}` : ''}); the connected user may lack permissions`, details);
    if (status === 429 || fault?.code === '003001') return new RemoteError('rate_limited', 'QuickBooks rate limit reached (429)', details);
    if (status >= 500) return new RemoteError('server', `QuickBooks answered ${status}${fault ? `: ${fault.message}` : ''}`, details);
    if (parsed === undefined || (status < 300 && (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)))) {
      return new RemoteError('malformed', `QuickBooks answered ${status} with a body that is not the expected JSON`, details);
    }
    if (fault?.code === '5010') return new RemoteError('stale', `Stale SyncToken: the object changed in QuickBooks (${fault.message})`, details);
    if (status === 404 || fault?.code === '610') return new RemoteError('not_found', `QuickBooks: ${fault?.message ?? 'not found'}`, details);
    if (fault || status >= 400) return new RemoteError('validation', `QuickBooks refused the request (${status}${fault?.code ? `, code ${fault.code}` : ''}): ${fault?.message ?? 'no detail'}`, details);
    if (status >= 300) return new RemoteError('malformed', `QuickBooks answered with an unexpected redirect (${status})`, details);
    return parsed as Record<string, unknown>;
  }

  private async query(statement: string): Promise<{ response: Record<string, unknown>; asOf: Date | null }> {
    const answer = await this.call('GET', this.url('query', { query: statement }));
    const response = answer['QueryResponse'];
    if (!response || typeof response !== 'object') throw new RemoteError('malformed', 'QuickBooks answered a query without QueryResponse');
    return { response: response as Record<string, unknown>, asOf: timeOf(answer) };
  }

  private async page(entity: string, start: number): Promise<RemotePage> {
    const { response, asOf } = await this.query(`SELECT * FROM ${entity} STARTPOSITION ${start} MAXRESULTS ${PAGE_SIZE}`);
    const items = response[entity] ?? [];
    if (!Array.isArray(items)) throw new RemoteError('malformed', `QuickBooks answered a ${entity} query without a list`);
    return { objects: items as Array<Record<string, unknown>>, asOf };
  }

  /**
   * Pages of every object: the count first, then the pages it implies at once (the limiter
   * keeps them within Intuit's limits), then further pages one by one while they come back full
   * (objects added meanwhile). The first page carries the time of the count's answer, which
   * precedes every page: a change after it is the next sync's.
   */
  async *listAll(entity: string): AsyncIterable<RemotePage> {
    const counted = await this.query(`SELECT COUNT(*) FROM ${entity}`);
    const total = typeof counted.response['totalCount'] === 'number' ? counted.response['totalCount'] : 0;
    const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
    const pending = Array.from({ length: pages }, (_, i) => this.page(entity, i * PAGE_SIZE + 1));
    // Rejections are handled when each page's turn comes; this keeps early ones from going unhandled.
    for (const p of pending) p.catch(() => undefined);
    let first = true;
    let last: RemotePage = { objects: [], asOf: counted.asOf };
    for (const p of pending) {
      last = await p;
      if (first || last.objects.length) yield first ? { objects: last.objects, asOf: counted.asOf ?? last.asOf } : last;
      first = false;
    }
    let start = pages * PAGE_SIZE + 1;
    while (last.objects.length === PAGE_SIZE) {
      last = await this.page(entity, start);
      if (last.objects.length) yield last;
      start += PAGE_SIZE;
    }
  }

  /**
   * CDC since `since`. Beyond the 30-day window by our clock, no request is sent; beyond it by
   * Intuit's (the clocks differ), Intuit refuses changedSince: both are 'too_old'.
   */
  async changesSince(entities: readonly string[], since: Date): Promise<RemoteChanges | 'too_old'> {
    if (Date.now() - since.getTime() > CDC_WINDOW_MS - 60_000) return 'too_old';
    let answer: Record<string, unknown>;
    try {
      answer = await this.call('GET', this.url('cdc', { entities: entities.join(','), changedSince: since.toISOString() }));
    } catch (error) {
      if (error instanceof RemoteError && error.kind === 'validation' && error.details.element === 'changedSince') return 'too_old';
      throw error;
    }
    const cdc = answer['CDCResponse'];
    if (!Array.isArray(cdc)) throw new RemoteError('malformed', 'QuickBooks answered a CDC request without CDCResponse');
    const changes = new Map<string, Array<Record<string, unknown>>>(entities.map((e) => [e, []]));
    let count = 0;
    for (const block of cdc as Array<{ QueryResponse?: unknown }>) {
      const responses = Array.isArray(block?.QueryResponse) ? (block.QueryResponse as Array<Record<string, unknown>>) : [];
      for (const response of responses) {
        for (const entity of entities) {
          const items = response[entity];
          if (Array.isArray(items)) {
            changes.get(entity)!.push(...(items as Array<Record<string, unknown>>));
            count += items.length;
          }
        }
      }
    }
    // A full answer may have been cut at 1,000 objects: the caller pulls everything instead.
    if (count >= CDC_LIMIT) return 'too_old';
    return { changes, asOf: timeOf(answer) };
  }

  async read(entity: string, id: string): Promise<Record<string, unknown> | null> {
    try {
      const answer = await this.call('GET', this.url(`${entity.toLowerCase()}/${encodeURIComponent(id)}`));
      return objectOf(answer, entity);
    } catch (error) {
      if (error instanceof RemoteError && error.kind === 'not_found') return null;
      throw error;
    }
  }

  async create(entity: string, body: Record<string, unknown>, idempotencyKey: string): Promise<Record<string, unknown>> {
    const answer = await this.call('POST', this.url(entity.toLowerCase(), { requestid: requestIdOf(this.session.connectionId, entity, idempotencyKey) }), body);
    return objectOf(answer, entity);
  }

  /** A sparse update: the changed fields with the object's Id and SyncToken; a stale SyncToken is Fault 5010. */
  async update(entity: string, target: RemoteTarget, changes: Record<string, unknown>): Promise<Record<string, unknown>> {
    const body = { ...changes, Id: target.remoteId, SyncToken: target.version, sparse: true };
    const answer = await this.call('POST', this.url(entity.toLowerCase(), { requestid: requestIdOf(this.session.connectionId, entity, JSON.stringify(body)) }), body);
    return objectOf(answer, entity);
  }
}

function objectOf(answer: Record<string, unknown>, entity: string): Record<string, unknown> {
  const object = answer[entity];
  if (!object || typeof object !== 'object' || Array.isArray(object)) throw new RemoteError('malformed', `QuickBooks answered without the ${entity}`);
  return object as Record<string, unknown>;
}

/**
 * Intuit's requestid (at most 50 characters): the same change of the same connection gets the
 * same id, so a retry, or a re-run after a crash between the create and its link, is applied once.
 */
function requestIdOf(connectionId: number, entity: string, key: string): string {
  return createHash('sha256').update(`${connectionId}|${entity}|${key}`).digest('hex').slice(0, 36);
}
