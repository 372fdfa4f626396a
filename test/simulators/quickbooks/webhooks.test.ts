import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quickbooksProtocol } from '../../../src/modules/callbacks/callbacks.quickbooks.js';
import { WebhookReceiver } from '../../support/webhook-receiver.js';
import { callApi, connectClient } from './client.js';
import { startQuickBooksSimulator, type QuickBooksSimulator } from './server.js';

const client = { clientId: 'hooks-client', clientSecret: 'hooks-secret', redirectUris: ['http://127.0.0.1:9/cb'] };
const VERIFIER = 'verifier-token-for-tests';

/** Checks a received notification with our own receiver's rule and parses it the same way. */
function receive(delivery: { headers: Record<string, string>; body: string }, verifier = VERIFIER) {
  const body = Buffer.from(delivery.body);
  const parsed = quickbooksProtocol.parse(body);
  return { rejection: quickbooksProtocol.verify({ headers: delivery.headers, body }, parsed, verifier), events: parsed.events };
}

describe('QuickBooks simulator: webhooks', () => {
  let sim: QuickBooksSimulator;
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    receiver = await WebhookReceiver.start('/hooks/quickbooks/1');
    sim = await startQuickBooksSimulator({ clients: [client], webhook: { url: receiver.url, verifierToken: VERIFIER, format: 'legacy' } });
  });
  afterAll(async () => {
    await sim.close();
    await receiver.close();
  });

  it('notifies API and user changes in the legacy form, signed so that our receiver accepts it', async () => {
    const { tokens, realmId } = await connectClient(sim, client);
    const created = await callApi(sim, tokens.access_token, realmId, 'vendor', { body: { DisplayName: 'Hooked Vendor' } });
    const id = String(created.json.Vendor.Id);
    sim.change(realmId, 'Vendor', id, { AcctNum: '42' });
    await sim.waitForWebhooks();

    const deliveries = receiver.received;
    expect(deliveries.length).toBeGreaterThanOrEqual(1);
    const events = deliveries.flatMap((d) => {
      const { rejection, events } = receive(d);
      expect(rejection).toBeNull();
      expect(JSON.parse(d.body)).toHaveProperty('eventNotifications');
      return events;
    });
    expect(events.map((e) => [e.entity, e.entityId, e.operation, e.account])).toEqual([
      ['Vendor', id, 'Create', realmId],
      ['Vendor', id, 'Update', realmId],
    ]);
    expect(sim.webhookDeliveries().every((d) => d.status === 200)).toBe(true);

    // A wrong verifier token is caught by the receiver's rule.
    expect(receive(deliveries[0]!, 'another-token').rejection).toBe('bad_signature');
  });

  it('notifies in the CloudEvents form when configured so, deletes included; seeding sends nothing', async () => {
    receiver.received.length = 0;
    sim.setWebhook({ url: receiver.url, verifierToken: VERIFIER, format: 'cloudevents' });
    const realmId = sim.realmId;
    const [vendor] = sim.seed(realmId, 'Vendor', [{ DisplayName: 'Cloud Vendor' }]);
    const [bill] = sim.seed(realmId, 'Bill', [{ VendorRef: { value: vendor!['Id'] }, Line: [{ Amount: 3, DetailType: 'AccountBasedExpenseLineDetail' }] }]);
    await sim.waitForWebhooks();
    expect(receiver.received).toHaveLength(0);

    sim.remove(realmId, 'Bill', String(bill!['Id']));
    await sim.waitForWebhooks();
    expect(receiver.received).toHaveLength(1);
    const { rejection, events } = receive(receiver.received[0]!);
    expect(rejection).toBeNull();
    expect(Array.isArray(JSON.parse(receiver.received[0]!.body))).toBe(true);
    expect(events).toMatchObject([{ type: 'qbo.bill.deleted.v1', entity: 'bill', entityId: String(bill!['Id']), operation: 'Delete', account: realmId }]);
  });

  it('records a failed delivery instead of throwing', async () => {
    sim.setWebhook({ url: 'http://127.0.0.1:9/unreachable', verifierToken: VERIFIER });
    sim.change(sim.realmId, 'Vendor', '1', { AcctNum: 'X' });
    await sim.waitForWebhooks();
    const last = sim.webhookDeliveries().at(-1)!;
    expect(last.status).toBeNull();
    expect(last.error).toEqual(expect.any(String));
  });
});
