import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { refusal, type AddressPolicy } from './address-policy.js';

/** What came back from a receiver; any status, including 3xx (never followed). */
export interface OutboundResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** At most `maxBodyBytes` of the body, decoded as UTF-8. */
  body: string;
  durationMs: number;
}

export type OutboundFailureKind = 'blocked' | 'dns' | 'connect' | 'timeout' | 'reset' | 'invalid_url';

/** The request never produced a response. */
export class OutboundError extends Error {
  constructor(
    readonly kind: OutboundFailureKind,
    message: string,
    readonly durationMs: number,
  ) {
    super(message);
    this.name = 'OutboundError';
  }
}

export interface PostOptions {
  policy: AddressPolicy;
  /** Whole exchange, connect to last byte. */
  timeoutMs: number;
  maxBodyBytes: number;
  headers: Record<string, string>;
}

/**
 * A lookup that refuses disallowed addresses at connect time. The check runs on the address the
 * socket is about to use, after resolution, so a name that resolves to a public address when a
 * URL is saved and to 127.0.0.1 when it is called (DNS rebinding) is still refused.
 */
export function guardedLookup(policy: AddressPolicy, resolve: typeof dns.lookup = dns.lookup): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const list = addresses;
      const allowed = list.filter((a) => refusal(a.address, policy) === null);
      if (allowed.length === 0) {
        const reason = list.length ? refusal(list[0]!.address, policy)! : 'no address';
        const blocked = Object.assign(new Error(`${hostname}: ${reason}`), { code: 'E_ADDRESS_BLOCKED' });
        return callback(blocked, '', 0);
      }
      if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, allowed);
      callback(null, allowed[0]!.address, allowed[0]!.family);
    });
  };
}

/**
 * Keep-alive agents, one per address policy and protocol: a receiver that gets many deliveries
 * keeps its connections instead of a handshake (and TLS) per request. A socket is checked by the
 * guarded lookup when it connects, and never points anywhere else afterwards. Idle sockets are
 * dropped after 4 s, before the common 5 s keep-alive of servers, so a request rarely lands on a
 * socket the receiver is closing.
 */
const agents = new Map<string, http.Agent>();
function agentFor(protocol: string, policy: AddressPolicy): http.Agent {
  const key = `${protocol}|${policy.allowLoopback}|${policy.allowPrivate}`;
  let agent = agents.get(key);
  if (!agent) {
    const options = { keepAlive: true, keepAliveMsecs: 1000, maxSockets: 64, maxFreeSockets: 64, timeout: 4000, scheduling: 'lifo' as const };
    agent = protocol === 'https:' ? new https.Agent(options) : new http.Agent(options);
    agents.set(key, agent);
  }
  return agent;
}

/** Checks a URL a caller supplies for outbound calls; returns the reason it is unusable, or null. */
export function urlProblem(raw: string, policy: AddressPolicy): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be an absolute http(s) URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must use https or http';
  if (url.username || url.password) return 'must not carry credentials';
  if (url.hash) return 'must not have a fragment';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) return refusal(host, policy);
  if (host === 'localhost' || host.endsWith('.localhost')) return policy.allowLoopback ? null : 'loopback host is not allowed';
  return null;
}

/**
 * POSTs `body` to `url` once: no redirects followed, the address policy enforced on the
 * resolved address, one deadline for the whole exchange, at most `maxBodyBytes` of the answer kept.
 */
export function postOnce(rawUrl: string, body: string, options: PostOptions): Promise<OutboundResponse> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  return new Promise((resolve, reject) => {
    let url: URL;
    try {
      url = new URL(rawUrl);
    } catch {
      reject(new OutboundError('invalid_url', 'invalid URL', 0));
      return;
    }
    const problem = urlProblem(rawUrl, options.policy);
    if (problem) {
      reject(new OutboundError('blocked', problem, 0));
      return;
    }
    const client = url.protocol === 'https:' ? https : http;
    const payload = Buffer.from(body, 'utf8');
    let settled = false;
    const fail = (kind: OutboundFailureKind, message: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.destroy();
      reject(new OutboundError(kind, message, elapsed()));
    };
    const request = client.request(
      url,
      {
        method: 'POST',
        agent: agentFor(url.protocol, options.policy),
        lookup: guardedLookup(options.policy),
        headers: { ...options.headers, 'content-length': String(payload.length) },
      },
      (response) => {
        const chunks: Buffer[] = [];
        let kept = 0;
        response.on('data', (chunk: Buffer) => {
          if (kept < options.maxBodyBytes) {
            const part = chunk.subarray(0, options.maxBodyBytes - kept);
            chunks.push(part);
            kept += part.length;
          }
        });
        response.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8'), durationMs: elapsed() });
        });
        response.on('error', (error) => fail('reset', `response failed: ${error.message}`));
        response.on('aborted', () => fail('reset', 'connection closed before the response ended'));
      },
    );
    const timer = setTimeout(() => fail('timeout', `no complete response within ${options.timeoutMs} ms`), options.timeoutMs);
    request.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'E_ADDRESS_BLOCKED') return fail('blocked', error.message);
      if (error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN') return fail('dns', `cannot resolve ${url.hostname}`);
      if (error.code === 'ECONNRESET' || error.code === 'EPIPE') return fail('reset', 'connection reset by the receiver');
      if (error.code === 'ECONNREFUSED') return fail('connect', 'connection refused');
      fail('connect', error.code ? `connection failed (${error.code})` : 'connection failed');
    });
    request.end(payload);
  });
}
