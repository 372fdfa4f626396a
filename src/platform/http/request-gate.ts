import { credentialFrom, type Authenticator, type Principal } from '../auth/principal.js';
import { AuthenticationError, RateLimitedError } from '../errors/app-error.js';
import { rateLimitHeaders, type RateDecision, type WindowLimiter, type WindowRule } from '../rate-limit/window-limiter.js';

export interface GateOptions {
  authenticate: Authenticator;
  limiter: WindowLimiter;
  spike: { limit: number; windowSeconds: number };
  anonymousPerMinute: number;
  /**
   * Refused credentials an address may present in a minute before it is refused (429) without its
   * credential being looked up: a flood of made-up keys or tokens costs no database work. Counted
   * per process. Default: anonymousPerMinute.
   */
  refusedCredentialsPerMinute?: number;
  /** Benchmarks only: act as this principal for every request, with no key and no limit. */
  insecurePrincipal?: Principal | undefined;
}

export interface GateResult {
  principal: Principal | null;
  rateLimit: RateDecision | null;
  /** RateLimit-Policy / RateLimit headers to send back. */
  headers: Record<string, string>;
}

/**
 * What every request passes before any resolver runs, over HTTP and WebSocket alike:
 * the credential becomes a principal (or a typed authentication error), then the request is
 * counted against the credential's windows (or the client address's, without a credential).
 * A refused request throws RateLimitedError carrying Retry-After.
 */
export function createRequestGate(options: GateOptions) {
  const refused = new RefusedCredentials(options.refusedCredentialsPerMinute ?? options.anonymousPerMinute, Date.now);
  return async (
    headers: { authorization?: string | undefined; apiKey?: string | undefined },
    clientAddress: string,
  ): Promise<GateResult> => {
    if (options.insecurePrincipal) return { principal: options.insecurePrincipal, rateLimit: null, headers: {} };

    let principal: Principal | null = null;
    if (credentialFrom(headers) !== null) {
      const wait = refused.retryAfterSeconds(clientAddress);
      if (wait !== null) throw new RateLimitedError(`Too many invalid credentials from this address: retry in ${wait} s`, wait, { policies: ['refused-credentials'] });
      try {
        principal = await options.authenticate(headers);
      } catch (error) {
        if (error instanceof AuthenticationError) refused.count(clientAddress);
        throw error;
      }
    }
    let bucket: string;
    let rules: WindowRule[];
    if (principal) {
      if (principal.rateLimitPerHour === null) return { principal, rateLimit: null, headers: {} };
      bucket = `${principal.kind}:${principal.id}`;
      rules = [
        { name: 'hour', limit: principal.rateLimitPerHour, windowSeconds: 3600 },
        { name: 'burst', limit: principal.burstLimit ?? options.spike.limit, windowSeconds: options.spike.windowSeconds },
      ];
    } else {
      bucket = `ip:${clientAddress}`;
      rules = [{ name: 'anonymous', limit: options.anonymousPerMinute, windowSeconds: 60 }];
    }
    const decision = await options.limiter.hit(bucket, rules);
    const rateHeaders = rateLimitHeaders(decision);
    if (!decision.allowed) {
      const error = new RateLimitedError(
        `Rate limit exceeded: retry in ${decision.retryAfterSeconds} s`,
        decision.retryAfterSeconds,
        { policies: decision.refusedBy },
      );
      throw Object.assign(error, { headers: rateHeaders });
    }
    return { principal, rateLimit: decision, headers: rateHeaders };
  };
}

export type RequestGate = ReturnType<typeof createRequestGate>;

/**
 * Refused credentials per client address, in memory: a window opens at an address's first refusal
 * and lasts a minute. Bounded: with MAX_ADDRESSES windows open, expired ones are swept, and new
 * addresses are not tracked while it stays full (an attacker with that many addresses meets the
 * database's own limits instead).
 */
class RefusedCredentials {
  private static readonly MAX_ADDRESSES = 100_000;
  private static readonly WINDOW_MS = 60_000;
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number,
  ) {}

  private open(address: string, now: number) {
    const window = this.windows.get(address);
    if (window && now - window.start < RefusedCredentials.WINDOW_MS) return window;
    if (window) this.windows.delete(address);
    return undefined;
  }

  /** Seconds until the address may present a credential again; null when it may now. */
  retryAfterSeconds(address: string): number | null {
    const now = this.now();
    const window = this.open(address, now);
    if (!window || window.count < this.perMinute) return null;
    return Math.max(1, Math.ceil((window.start + RefusedCredentials.WINDOW_MS - now) / 1000));
  }

  count(address: string): void {
    const now = this.now();
    const window = this.open(address, now);
    if (window) {
      window.count += 1;
      return;
    }
    if (this.windows.size >= RefusedCredentials.MAX_ADDRESSES) {
      for (const [key, value] of this.windows) if (now - value.start >= RefusedCredentials.WINDOW_MS) this.windows.delete(key);
      if (this.windows.size >= RefusedCredentials.MAX_ADDRESSES) return;
    }
    this.windows.set(address, { start: now, count: 1 });
  }
}
