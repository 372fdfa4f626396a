/**
 * What one attempt's outcome means for the delivery and the endpoint. Pure functions, so the
 * policy is tested without a receiver.
 */

export type AttemptVerdict =
  /** 2xx: delivered. */
  | { kind: 'success' }
  /** 410 Gone: the receiver says the endpoint no longer exists; disable it at once. */
  | { kind: 'gone' }
  /** Anything else: try again later, unless the schedule is spent. */
  | { kind: 'failure'; retryAfterSeconds: number | null };

/** Longest wait a receiver's Retry-After can impose, and the longest gap of the schedule. */
export const MAX_RETRY_AFTER_SECONDS = 24 * 3600;

export function verdictFor(status: number | null, retryAfter: string | undefined, now: Date): AttemptVerdict {
  if (status !== null && status >= 200 && status < 300) return { kind: 'success' };
  if (status === 410) return { kind: 'gone' };
  return { kind: 'failure', retryAfterSeconds: status === 429 || status === 503 ? parseRetryAfter(retryAfter, now) : null };
}

/** Retry-After as seconds from now: delta-seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: Date): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Math.min(Number(trimmed), MAX_RETRY_AFTER_SECONDS);
  const when = Date.parse(trimmed);
  if (Number.isNaN(when)) return null;
  return Math.min(Math.max(0, Math.ceil((when - now.getTime()) / 1000)), MAX_RETRY_AFTER_SECONDS);
}

/**
 * Seconds to wait before attempt number `nextAttempt` (2 is the first retry), or null when the
 * schedule is spent. The scheduled gap gets ±10 % jitter so retries of many deliveries spread
 * out; a receiver's Retry-After stretches the gap, never shortens it.
 */
export function retryDelaySeconds(
  schedule: readonly number[],
  nextAttempt: number,
  retryAfterSeconds: number | null,
  random: () => number = Math.random,
): number | null {
  const gap = schedule[nextAttempt - 1];
  if (gap === undefined) return null;
  const jittered = gap === 0 ? 0 : Math.round(gap * (0.9 + 0.2 * random()));
  return Math.max(jittered, retryAfterSeconds ?? 0);
}
