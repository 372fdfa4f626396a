import { describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { generateSigningSecret, signedHeaders } from './webhooks.signing.js';

const body = JSON.stringify({ type: 'import.completed', timestamp: '2026-11-26T10:00:00.000Z', data: { importJobId: '7' } });

describe('Standard Webhooks signatures', () => {
  it('are accepted by the official verifier', () => {
    const secret = generateSigningSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const now = Math.floor(Date.now() / 1000);
    const headers = signedHeaders([secret], 'msg_abc', now, body);
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it('are refused for a changed body, another secret or an old timestamp', () => {
    const secret = generateSigningSecret();
    const now = Math.floor(Date.now() / 1000);
    const headers = signedHeaders([secret], 'msg_abc', now, body);
    expect(() => new Webhook(secret).verify(body.replace('7', '8'), headers)).toThrow();
    expect(() => new Webhook(generateSigningSecret()).verify(body, headers)).toThrow();
    const stale = signedHeaders([secret], 'msg_abc', now - 3600, body);
    expect(() => new Webhook(secret).verify(body, stale)).toThrow(/too old/i);
  });

  it('carry one signature per secret during a rotation, each verifiable on its own', () => {
    const current = generateSigningSecret();
    const previous = generateSigningSecret();
    const headers = signedHeaders([current, previous], 'msg_rot', Math.floor(Date.now() / 1000), body);
    expect(headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(new Webhook(current).verify(body, headers)).toBeTruthy();
    expect(new Webhook(previous).verify(body, headers)).toBeTruthy();
  });
});
