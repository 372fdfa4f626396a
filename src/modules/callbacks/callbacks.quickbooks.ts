import { createHmac } from 'node:crypto';
import {
  CallbackPayloadError,
  isRecord,
  parseJson,
  safeEqual,
  singleHeader,
  text,
  type CallbackEvent,
  type CallbackProtocol,
} from './callbacks.protocol.js';

/**
 * QuickBooks Online webhooks.
 * Follows Intuit's "Webhooks" guide (developer.intuit.com/app/developer/qbo/docs/develop/webhooks):
 * the `intuit-signature` header is base64(HMAC-SHA256(raw body, key = the app's webhook
 * verifier token)); answer 200 quickly and do the work later. Two payload formats are read:
 * the legacy `{ eventNotifications: [{ realmId, dataChangeEvent: { entities: [{ name, id,
 * operation, lastUpdated, deletedId? }] } }] }`, and the CloudEvents 1.0 array Intuit moved to in
 * 2025-2026 (blogs.intuit.com "Upcoming change to webhooks payload structure"): `[{ specversion:
 * "1.0", id, source, type: "qbo.<entity>.<verb>.v1", time, intuitentityid, intuitaccountid, data }]`.
 * The signature is the same for both formats.
 */

const SIGNATURE = /^[A-Za-z0-9+/]{43}=$/;
/** CloudEvents verbs → the legacy operation names. */
const VERBS: Record<string, string> = {
  created: 'Create',
  updated: 'Update',
  deleted: 'Delete',
  merged: 'Merge',
  voided: 'Void',
  emailed: 'Emailed',
};

export function quickbooksSignature(body: Buffer | string, verifierToken: string): string {
  return createHmac('sha256', verifierToken).update(body).digest('base64');
}

function legacyEvents(payload: Record<string, unknown>): CallbackEvent[] {
  const notifications = payload['eventNotifications'];
  if (!Array.isArray(notifications)) throw new CallbackPayloadError('eventNotifications must be an array');
  const events: CallbackEvent[] = [];
  for (const notification of notifications) {
    if (!isRecord(notification)) throw new CallbackPayloadError('Each event notification must be an object');
    const realmId = text(notification['realmId'], 64);
    const change = notification['dataChangeEvent'];
    const entities = isRecord(change) ? change['entities'] : undefined;
    if (!Array.isArray(entities)) throw new CallbackPayloadError('dataChangeEvent.entities must be an array');
    for (const entity of entities) {
      if (!isRecord(entity) || typeof entity['name'] !== 'string' || typeof entity['operation'] !== 'string') {
        throw new CallbackPayloadError('Each entity needs a name and an operation');
      }
      const name = text(entity['name'], 64)!;
      const operation = text(entity['operation'], 32)!;
      events.push({
        id: null,
        type: `${name}.${operation}`,
        entity: name,
        entityId: text(entity['id'], 64),
        operation,
        resource: null,
        account: realmId,
        occurredAt: text(entity['lastUpdated'], 40),
      });
    }
  }
  return events;
}

function cloudEvents(payload: unknown[]): CallbackEvent[] {
  return payload.map((event) => {
    if (!isRecord(event) || event['specversion'] !== '1.0' || typeof event['id'] !== 'string' || typeof event['type'] !== 'string') {
      throw new CallbackPayloadError('Each CloudEvent needs specversion "1.0", an id and a type');
    }
    const type = text(event['type'], 128)!;
    // qbo.<entity>.<verb>.v<n>
    const parts = type.split('.');
    const verb = parts.length >= 3 ? parts[parts.length - 2]! : null;
    return {
      id: text(event['id'], 128),
      type,
      entity: parts.length >= 3 ? parts.slice(1, -2).join('.') : null,
      entityId: text(event['intuitentityid'], 64),
      operation: verb === null ? null : (VERBS[verb] ?? verb),
      resource: null,
      account: text(event['intuitaccountid'], 64),
      occurredAt: text(event['time'], 40),
    };
  });
}

export const quickbooksProtocol: CallbackProtocol = {
  provider: 'quickbooks',
  integrationTypes: ['quickbooks'],
  secretField: 'webhookVerifierToken',
  acceptedStatus: 200,
  proofInPayload: false,
  parse(body) {
    const payload = parseJson(body);
    const events = Array.isArray(payload) ? cloudEvents(payload) : isRecord(payload) ? legacyEvents(payload) : null;
    if (!events) throw new CallbackPayloadError('Expected a CloudEvents array or an eventNotifications object');
    if (events.length === 0) throw new CallbackPayloadError('The callback carries no events');
    return { events };
  },
  verify(request, _parsed, verifierToken) {
    const presented = singleHeader(request.headers, 'intuit-signature');
    if (presented === null || presented === '') return 'missing_signature';
    if (!SIGNATURE.test(presented)) return 'bad_signature';
    return safeEqual(presented, quickbooksSignature(request.body, verifierToken)) ? null : 'bad_signature';
  },
};
