import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { autodeskProtocol, autodeskSignature } from './callbacks.autodesk.js';
import { handshakeOf, msgraphProtocol } from './callbacks.msgraph.js';
import { CallbackPayloadError, safeEqual } from './callbacks.protocol.js';
import { quickbooksProtocol, quickbooksSignature } from './callbacks.quickbooks.js';
import { changesOf, dedupeKeyOf } from './callbacks.service.js';

const body = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('QuickBooks protocol', () => {
  const payload = body([{ specversion: '1.0', id: 'e1', type: 'qbo.journalentry.voided.v1', intuitentityid: '7', intuitaccountid: 'r1', time: 't' }]);

  it('signs with base64 HMAC-SHA256 of the raw bytes, keyed by the verifier token', () => {
    const expected = createHmac('sha256', 'token').update(payload).digest('base64');
    expect(quickbooksSignature(payload, 'token')).toBe(expected);
    expect(quickbooksProtocol.verify({ headers: { 'intuit-signature': expected }, body: payload }, null, 'token')).toBeNull();
    expect(quickbooksProtocol.verify({ headers: { 'intuit-signature': expected }, body: Buffer.concat([payload, Buffer.from(' ')]) }, null, 'token')).toBe('bad_signature');
    expect(quickbooksProtocol.verify({ headers: {}, body: payload }, null, 'token')).toBe('missing_signature');
  });

  it('reads CloudEvents types into entity and operation', () => {
    expect(quickbooksProtocol.parse(payload).events).toEqual([
      { id: 'e1', type: 'qbo.journalentry.voided.v1', entity: 'journalentry', entityId: '7', operation: 'Void', resource: null, account: 'r1', occurredAt: 't' },
    ]);
  });

  it('refuses payloads that are neither format', () => {
    for (const bad of [body([]), body({ eventNotifications: 'x' }), body([{ specversion: '0.3', id: 'a', type: 't' }]), body('text'), Buffer.from('{')]) {
      expect(() => quickbooksProtocol.parse(bad)).toThrow(CallbackPayloadError);
    }
  });
});

describe('Microsoft Graph protocol', () => {
  it('takes the clientState of every item as the proof', () => {
    const parsed = msgraphProtocol.parse(body({ value: [{ changeType: 'updated', clientState: 's' }, { lifecycleEvent: 'missed', clientState: 's' }] }));
    expect(msgraphProtocol.verify({ headers: {}, body: Buffer.alloc(0) }, parsed, 's')).toBeNull();
    expect(msgraphProtocol.verify({ headers: {}, body: Buffer.alloc(0) }, parsed, 't')).toBe('bad_signature');
    expect(parsed.events.map((e) => e.type)).toEqual(['updated', 'lifecycle.missed']);
  });

  it('recognises the handshake only with one non-empty token', () => {
    expect(handshakeOf({})).toEqual({ kind: 'none' });
    expect(handshakeOf({ validationToken: 'a b' })).toEqual({ kind: 'token', token: 'a b' });
    expect(handshakeOf({ validationToken: ['a', 'b'] })).toEqual({ kind: 'invalid' });
    expect(handshakeOf({ validationToken: '' })).toEqual({ kind: 'invalid' });
    expect(handshakeOf({ validationToken: 'x'.repeat(5000) })).toEqual({ kind: 'invalid' });
  });
});

describe('Autodesk protocol', () => {
  it('signs with sha1hash= and hex HMAC-SHA1 of the raw bytes', () => {
    const payload = body({ hook: { event: 'dm.folder.added', system: 'data', hookId: 'h' }, resourceUrn: 'urn:1' });
    const hex = createHmac('sha1', 'secret').update(payload).digest('hex');
    expect(autodeskSignature(payload, 'secret')).toBe(`sha1hash=${hex}`);
    expect(autodeskProtocol.verify({ headers: { 'x-adsk-signature': `sha1hash=${hex.toUpperCase()}` }, body: payload }, null, 'secret')).toBeNull();
    expect(autodeskProtocol.parse(payload).events[0]).toMatchObject({ type: 'dm.folder.added', operation: 'added', entityId: 'urn:1' });
  });
});

describe('shared pieces', () => {
  it('compares secrets of any length', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abcd')).toBe(false);
    expect(safeEqual('', 'a')).toBe(false);
  });

  it('dedupes by provider ids when every event has one, else by the body', () => {
    const event = { type: 't', entity: null, entityId: null, operation: null, resource: null, account: null, occurredAt: null };
    expect(dedupeKeyOf([{ ...event, id: 'a' }], Buffer.from('x'))).toBe('id:a');
    expect(dedupeKeyOf([{ ...event, id: 'a' }, { ...event, id: 'b' }], Buffer.from('x'))).toBe(dedupeKeyOf([{ ...event, id: 'b' }, { ...event, id: 'a' }], Buffer.from('y')));
    expect(dedupeKeyOf([{ ...event, id: 'a' }, { ...event, id: null }], Buffer.from('x'))).toMatch(/^body:/);
    expect(changesOf([{ ...event, id: '1', entity: 'Bill' }, { ...event, id: '2', entity: 'Bill' }])).toHaveLength(1);
  });
});
