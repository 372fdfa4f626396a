import { describe, expect, it } from 'vitest';
import { MAX_RETRY_AFTER_SECONDS, parseRetryAfter, retryDelaySeconds, verdictFor } from './webhooks.retry.js';

const now = new Date('2026-11-26T10:00:00Z');
const SCHEDULE = [0, 5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400];

describe('verdictFor', () => {
  it('counts any 2xx as success, 410 as gone, everything else (3xx included) as failure', () => {
    expect(verdictFor(200, undefined, now)).toEqual({ kind: 'success' });
    expect(verdictFor(204, undefined, now)).toEqual({ kind: 'success' });
    expect(verdictFor(410, undefined, now)).toEqual({ kind: 'gone' });
    for (const status of [301, 302, 400, 404, 500, 502]) expect(verdictFor(status, undefined, now).kind).toBe('failure');
    expect(verdictFor(null, undefined, now).kind).toBe('failure');
  });

  it('honours Retry-After on 429 and 503 only', () => {
    expect(verdictFor(429, '120', now)).toEqual({ kind: 'failure', retryAfterSeconds: 120 });
    expect(verdictFor(503, 'Thu, 26 Nov 2026 10:10:00 GMT', now)).toEqual({ kind: 'failure', retryAfterSeconds: 600 });
    expect(verdictFor(500, '120', now)).toEqual({ kind: 'failure', retryAfterSeconds: null });
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates, caps at a day, ignores garbage', () => {
    expect(parseRetryAfter('30', now)).toBe(30);
    expect(parseRetryAfter('9999999', now)).toBe(MAX_RETRY_AFTER_SECONDS);
    expect(parseRetryAfter('Wed, 25 Nov 2026 10:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter(undefined, now)).toBeNull();
  });
});

describe('retryDelaySeconds', () => {
  it('follows the schedule with ±10 % jitter and stops when it is spent', () => {
    expect(retryDelaySeconds(SCHEDULE, 2, null, () => 0.5)).toBe(5);
    expect(retryDelaySeconds(SCHEDULE, 3, null, () => 0)).toBe(270);
    expect(retryDelaySeconds(SCHEDULE, 3, null, () => 1)).toBe(330);
    expect(retryDelaySeconds(SCHEDULE, 10, null, () => 0.5)).toBe(86400);
    expect(retryDelaySeconds(SCHEDULE, 11, null)).toBeNull();
    // About three days in all.
    const total = SCHEDULE.reduce((a, b) => a + b, 0);
    expect(total / 86400).toBeGreaterThan(2.9);
    expect(total / 86400).toBeLessThan(3.2);
  });

  it('lets Retry-After stretch a gap, never shorten it', () => {
    expect(retryDelaySeconds(SCHEDULE, 2, 3600, () => 0.5)).toBe(3600);
    expect(retryDelaySeconds(SCHEDULE, 4, 10, () => 0.5)).toBe(1800);
  });
});
