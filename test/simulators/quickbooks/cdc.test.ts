import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callApi, connectClient } from './client.js';
import { startQuickBooksSimulator, type QuickBooksSimulator } from './server.js';

const client = { clientId: 'cdc-client', clientSecret: 'cdc-secret', redirectUris: ['http://127.0.0.1:9/cb'] };
const cdc = (entities: string, since: number | string) =>
  `cdc?entities=${entities}&changedSince=${encodeURIComponent(typeof since === 'number' ? new Date(since).toISOString() : since)}&minorversion=75`;

describe('QuickBooks simulator: change data capture', () => {
  let sim: QuickBooksSimulator;
  let token: string;
  let realmId: string;
  beforeAll(async () => {
    sim = await startQuickBooksSimulator({ clients: [client] });
    ({ realmId } = await connectClient(sim, client));
    token = (await connectClient(sim, client)).tokens.access_token;
  });
  afterAll(async () => {
    await sim.close();
  });

  it('returns objects changed since the time, deleted ones as status Deleted and inactive vendors as they are', async () => {
    const vendors = sim.seed(realmId, 'Vendor', [{ DisplayName: 'CDC One' }, { DisplayName: 'CDC Two' }, { DisplayName: 'CDC Three' }]);
    const [one, two, three] = vendors.map((v) => String(v['Id']));
    sim.advanceTime(5_000);
    const since = sim.now();
    sim.advanceTime(1_000);
    sim.change(realmId, 'Vendor', two!, { CompanyName: 'Two Ltd' });
    const bill = await callApi(sim, token, realmId, 'bill', { body: { VendorRef: { value: one }, Line: [{ Amount: 5, DetailType: 'AccountBasedExpenseLineDetail' }] } });
    const billId = String(bill.json.Bill.Id);
    sim.remove(realmId, 'Bill', billId);
    sim.remove(realmId, 'Vendor', three!);

    const answer = await callApi(sim, token, realmId, cdc('Vendor,Bill,Invoice', since));
    expect(answer.status).toBe(200);
    const [vendorPart, billPart, invoicePart] = answer.json.CDCResponse[0].QueryResponse;
    expect((vendorPart.Vendor as Array<{ Id: string }>).map((v) => v.Id)).toEqual([two, three]);
    expect(vendorPart.Vendor[0]).toMatchObject({ CompanyName: 'Two Ltd', SyncToken: '1' });
    expect(vendorPart.Vendor[1]).toMatchObject({ Active: false });
    expect(billPart.Bill).toEqual([{ domain: 'QBO', status: 'Deleted', Id: billId, MetaData: { LastUpdatedTime: expect.any(String) } }]);
    expect(invoicePart).toEqual({});

    // Nothing changed since now.
    const none = await callApi(sim, token, realmId, cdc('Vendor', sim.now() + 1000));
    expect(none.json.CDCResponse[0].QueryResponse).toEqual([{}]);
  });

  it('refuses a look-back of more than 30 days and bad parameters', async () => {
    const old = await callApi(sim, token, realmId, cdc('Vendor', sim.now() - 31 * 24 * 3600 * 1000));
    expect(old.status).toBe(400);
    expect(old.json.Fault.type).toBe('ValidationFault');
    expect(old.json.Fault.Error[0].Detail).toContain('30 days');
    expect((await callApi(sim, token, realmId, cdc('Vendor', sim.now() - 29 * 24 * 3600 * 1000))).status).toBe(200);
    expect((await callApi(sim, token, realmId, 'cdc?changedSince=2026-01-01')).json.Fault.Error[0].code).toBe('2020');
    expect((await callApi(sim, token, realmId, `cdc?entities=Vendor`)).json.Fault.Error[0].code).toBe('2020');
    expect((await callApi(sim, token, realmId, cdc('Vendor', 'yesterday'))).status).toBe(400);
    expect((await callApi(sim, token, realmId, cdc('Spaceship', sim.now()))).status).toBe(400);
  });

  it('answers at most 1,000 objects, the oldest changes first', async () => {
    const realm = sim.createCompany();
    sim.setAuthorizationRealm(realm);
    const t = (await connectClient(sim, client)).tokens.access_token;
    sim.setAuthorizationRealm(sim.realmId);
    const since = sim.now();
    sim.seed(realm, 'Vendor', Array.from({ length: 600 }, (_, i) => ({ DisplayName: `Early ${i}` })));
    sim.advanceTime(1_000);
    sim.seed(realm, 'Customer', Array.from({ length: 600 }, (_, i) => ({ DisplayName: `Late ${i}` })));
    const answer = await callApi(sim, t, realm, cdc('Customer,Vendor', since));
    const [customers, vendors] = answer.json.CDCResponse[0].QueryResponse;
    expect(vendors.Vendor).toHaveLength(600);
    expect(customers.Customer).toHaveLength(400);
    expect(customers.Customer[0].DisplayName).toBe('Late 0');
  });
});
