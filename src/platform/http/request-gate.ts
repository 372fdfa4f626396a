import { credentialFrom, type Authenticator, type Principal } from '../auth/principal.js';
import { RateLimitedError } from '../errors/app-error.js';
import { rateLimitHeaders, type RateDecision, type WindowLimiter, type WindowRule } from '../rate-limit/window-limiter.js';

export interface GateOptions {
  authenticate: Authenticator;
  limiter: WindowLimiter;
  spike: { limit: number; windowSeconds: number };
  anonymousPerMinute: number;
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
  return async (
    headers: { authorization?: string | undefined; apiKey?: string | undefined },
    clientAddress: string,
  ): Promise<GateResult> => {
    if (options.insecurePrincipal) return { principal: options.insecurePrincipal, rateLimit: null, headers: {} };

    const principal = credentialFrom(headers) === null ? null : await options.authenticate(headers);
    let bucket: string;
    let rules: WindowRule[];
    if (principal) {
      if (principal.rateLimitPerHour === null) return { principal, rateLimit: null, headers: {} };
      bucket = `${principal.kind}:${principal.id}`;
      rules = [
        { name: 'hour', limit: principal.rateLimitPerHour, windowSeconds: 3600 },
        { name: 'burst', limit: options.spike.limit, windowSeconds: options.spike.windowSeconds },
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
