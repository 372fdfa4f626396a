import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callApi, connectClient, queryPath } from './client.js';
import { startQuickBooksSimulator, type QuickBooksSimulator } from './server.js';

const client = { clientId: 'sim-client', clientSecret: 'sim-secret', redirectUris: ['http://127.0.0.1:9/callback'] };

describe('QuickBooks simulator: entities over the API', () => {
  let sim: QuickBooksSimulator;
  let token: string;
  let realmId: string;

  beforeAll(async () => {
    sim = await startQuickBooksSimulator({ clients: [client] });
    const connected = await connectClient(sim, client);
    token = connected.tokens.access_token;
    realmId = connected.realmId;
  });
  afterAll(async () => {
    await sim.close();
  });

  it('creates a vendor with server fields and reads it back', async () => {
    const created = await callApi(sim, token, realmId, 'vendor?minorversion=75', {
      body: { DisplayName: 'Acme Concrete', PrimaryEmailAddr: { Address: 'ap@acme.test' } },
    });
    expect(created.status).toBe(200);
    const vendor = created.json.Vendor;
    expect(vendor).toMatchObject({ DisplayName: 'Acme Concrete', Active: true, SyncToken: '0', domain: 'QBO', Balance: 0 });
    expect(vendor.Id).toMatch(/^\d+$/);
    expect(vendor.MetaData.CreateTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[-+]\d{2}:\d{2}$/);
    expect(created.json.time).toBeTypeOf('string');

    const read = await callApi(sim, token, realmId, `vendor/${String(vendor.Id)}`);
    expect(read.status).toBe(200);
    expect(read.json.Vendor.DisplayName).toBe('Acme Concrete');
    expect(sim.get(realmId, 'Vendor', String(vendor.Id))?.['DisplayName']).toBe('Acme Concrete');
  });

  it('updates with the current SyncToken (full and sparse) and refuses a stale one with 5010', async () => {
    const { json } = await callApi(sim, token, realmId, 'vendor', { body: { DisplayName: 'Stale Test Ltd', CompanyName: 'Stale Test' } });
    const id = json.Vendor.Id as string;
    const sparse = await callApi(sim, token, realmId, 'vendor', { body: { Id: id, SyncToken: '0', sparse: true, AcctNum: 'A-1' } });
    expect(sparse.status).toBe(200);
    expect(sparse.json.Vendor).toMatchObject({ SyncToken: '1', AcctNum: 'A-1', CompanyName: 'Stale Test' });

    const stale = await callApi(sim, token, realmId, 'vendor', { body: { Id: id, SyncToken: '0', sparse: true, AcctNum: 'A-2' } });
    expect(stale.status).toBe(400);
    expect(stale.json.Fault.type).toBe('ValidationFault');
    expect(stale.json.Fault.Error[0]).toMatchObject({ code: '5010', Message: 'Stale Object Error' });

    // A full update drops the fields it does not carry.
    const full = await callApi(sim, token, realmId, 'vendor', { body: { Id: id, SyncToken: '1', DisplayName: 'Stale Test Ltd' } });
    expect(full.status).toBe(200);
    expect(full.json.Vendor.SyncToken).toBe('2');
    expect(full.json.Vendor.CompanyName).toBeUndefined();
    expect(full.json.Vendor.AcctNum).toBeUndefined();
  });

  it('answers validation faults for missing fields, unknown properties, duplicate names and unknown ids', async () => {
    const missing = await callApi(sim, token, realmId, 'bill', { body: { Line: [{ Amount: 10, DetailType: 'AccountBasedExpenseLineDetail' }] } });
    expect(missing.status).toBe(400);
    expect(missing.json.Fault.Error[0]).toMatchObject({ code: '2020' });
    expect(missing.json.Fault.Error[0].Detail).toContain('VendorRef');

    const unknown = await callApi(sim, token, realmId, 'vendor', { body: { DisplayName: 'X', Colour: 'red' } });
    expect(unknown.status).toBe(400);
    expect(unknown.json.Fault.Error[0].code).toBe('2010');

    await callApi(sim, token, realmId, 'vendor', { body: { DisplayName: 'Twin Name' } });
    const twin = await callApi(sim, token, realmId, 'customer', { body: { DisplayName: 'twin name' } });
    expect(twin.status).toBe(400);
    expect(twin.json.Fault.Error[0].code).toBe('6240');

    const nope = await callApi(sim, token, realmId, 'vendor/999999');
    expect(nope.status).toBe(400);
    expect(nope.json.Fault.Error[0].code).toBe('610');

    const notJson = await callApi(sim, token, realmId, 'vendor', { body: '{"DisplayName":', contentType: 'application/json' });
    expect(notJson.status).toBe(400);
    expect(notJson.json.Fault.Error[0].code).toBe('2010');
  });

  it('computes bill totals and balances, applies bill payments, deletes transactions and only inactivates vendors', async () => {
    const [vendor] = sim.seed(realmId, 'Vendor', [{ DisplayName: 'Payables Co' }]);
    const bill = await callApi(sim, token, realmId, 'bill', {
      body: {
        VendorRef: { value: vendor!['Id'] },
        Line: [
          { Amount: 100.5, DetailType: 'AccountBasedExpenseLineDetail', AccountBasedExpenseLineDetail: { AccountRef: { value: '7' } } },
          { Amount: 49.5, DetailType: 'AccountBasedExpenseLineDetail', AccountBasedExpenseLineDetail: { AccountRef: { value: '7' } } },
        ],
      },
    });
    expect(bill.status).toBe(200);
    expect(bill.json.Bill).toMatchObject({ TotalAmt: 150, Balance: 150, VendorRef: { value: vendor!['Id'], name: 'Payables Co' } });
    const billId = bill.json.Bill.Id as string;

    const payment = await callApi(sim, token, realmId, 'billpayment', {
      body: { VendorRef: { value: vendor!['Id'] }, PayType: 'Check', TotalAmt: 50, Line: [{ Amount: 50, LinkedTxn: [{ TxnId: billId, TxnType: 'Bill' }] }] },
    });
    expect(payment.status).toBe(200);
    expect(sim.get(realmId, 'Bill', billId)).toMatchObject({ Balance: 100, SyncToken: '1' });

    const deleted = await callApi(sim, token, realmId, 'billpayment?operation=delete', { body: { Id: payment.json.BillPayment.Id, SyncToken: '0' } });
    expect(deleted.status).toBe(200);
    expect(deleted.json.BillPayment).toMatchObject({ status: 'Deleted', Id: payment.json.BillPayment.Id });
    expect(sim.get(realmId, 'Bill', billId)).toMatchObject({ Balance: 150, SyncToken: '2' });

    const vendorDelete = await callApi(sim, token, realmId, 'vendor?operation=delete', { body: { Id: vendor!['Id'], SyncToken: '0' } });
    expect(vendorDelete.status).toBe(400);
    const inactive = await callApi(sim, token, realmId, 'vendor', { body: { Id: vendor!['Id'], SyncToken: '0', sparse: true, Active: false } });
    expect(inactive.json.Vendor.Active).toBe(false);

    // A bill for an inactive vendor is refused (610), one for an unknown vendor too (2500).
    const toInactive = await callApi(sim, token, realmId, 'bill', { body: { VendorRef: { value: vendor!['Id'] }, Line: [{ Amount: 1, DetailType: 'AccountBasedExpenseLineDetail' }] } });
    expect(toInactive.json.Fault.Error[0].code).toBe('610');
    const toUnknown = await callApi(sim, token, realmId, 'bill', { body: { VendorRef: { value: '424242' }, Line: [{ Amount: 1, DetailType: 'AccountBasedExpenseLineDetail' }] } });
    expect(toUnknown.json.Fault.Error[0].code).toBe('2500');
  });

  it('creates invoices for customers and payments that settle them', async () => {
    const [customer] = sim.seed(realmId, 'Customer', [{ DisplayName: 'Owner Inc', PrimaryEmailAddr: { Address: 'owner@example.test' } }]);
    const invoice = await callApi(sim, token, realmId, 'invoice', {
      body: {
        CustomerRef: { value: customer!['Id'] },
        TxnDate: '2026-11-01',
        DueDate: '2026-12-01',
        Line: [{ Amount: 1000, DetailType: 'SalesItemLineDetail', SalesItemLineDetail: { ItemRef: { value: '1' } } }],
      },
    });
    expect(invoice.json.Invoice).toMatchObject({ TotalAmt: 1000, Balance: 1000, DocNumber: expect.any(String), CurrencyRef: { value: 'USD' } });
    const payment = await callApi(sim, token, realmId, 'payment', {
      body: { CustomerRef: { value: customer!['Id'] }, TotalAmt: 400, Line: [{ Amount: 300, LinkedTxn: [{ TxnId: invoice.json.Invoice.Id, TxnType: 'Invoice' }] }] },
    });
    expect(payment.json.Payment).toMatchObject({ TotalAmt: 400, UnappliedAmt: 100 });
    expect(sim.get(realmId, 'Invoice', String(invoice.json.Invoice.Id))?.['Balance']).toBe(700);
  });

  it('queries with paging through the query endpoint', async () => {
    const realm = sim.createCompany();
    sim.seed(realm, 'Vendor', Array.from({ length: 25 }, (_, i) => ({ DisplayName: `Paged Vendor ${String(i + 1).padStart(2, '0')}` })));
    sim.setAuthorizationRealm(realm);
    const connected = await connectClient(sim, client);
    sim.setAuthorizationRealm(sim.realmId);
    expect(connected.realmId).toBe(realm);
    const t = connected.tokens.access_token;

    const page1 = await callApi(sim, t, realm, queryPath('SELECT * FROM Vendor ORDERBY Id STARTPOSITION 1 MAXRESULTS 10'));
    expect(page1.status).toBe(200);
    expect(page1.json.QueryResponse).toMatchObject({ startPosition: 1, maxResults: 10 });
    expect((page1.json.QueryResponse.Vendor as Array<{ Id: string }>).map((v) => v.Id)).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10']);
    const page3 = await callApi(sim, t, realm, queryPath('select * from vendor orderby Id startposition 21 maxresults 10'));
    expect(page3.json.QueryResponse.Vendor).toHaveLength(5);
    expect(page3.json.QueryResponse.startPosition).toBe(21);
    const beyond = await callApi(sim, t, realm, queryPath('SELECT * FROM Vendor STARTPOSITION 26 MAXRESULTS 10'));
    expect(beyond.json.QueryResponse).toEqual({});
    const count = await callApi(sim, t, realm, queryPath('SELECT COUNT(*) FROM Vendor'));
    expect(count.json.QueryResponse).toEqual({ totalCount: 25 });

    // POST with the statement as the body (application/text), as Intuit allows.
    const posted = await callApi(sim, t, realm, 'query?minorversion=75', { body: "SELECT * FROM Vendor WHERE DisplayName LIKE '%01'", contentType: 'application/text' });
    expect((posted.json.QueryResponse.Vendor as Array<{ DisplayName: string }>).map((v) => v.DisplayName)).toEqual(['Paged Vendor 01']);

    // Inactive vendors only when the query asks for them.
    sim.remove(realm, 'Vendor', '1');
    const active = await callApi(sim, t, realm, queryPath('SELECT COUNT(*) FROM Vendor'));
    expect(active.json.QueryResponse.totalCount).toBe(24);
    const all = await callApi(sim, t, realm, queryPath('SELECT COUNT(*) FROM Vendor WHERE Active IN (true, false)'));
    expect(all.json.QueryResponse.totalCount).toBe(25);

    const bad = await callApi(sim, t, realm, queryPath('SELECT * FROM Vendor WHERE DisplayName = '));
    expect(bad.status).toBe(400);
    expect(bad.json.Fault.Error[0]).toMatchObject({ code: '4000', Message: 'Error parsing query' });
    const badField = await callApi(sim, t, realm, queryPath("SELECT * FROM Vendor WHERE Colour = 'red'"));
    expect(badField.json.Fault.Error[0].code).toBe('4001');
    const badEntity = await callApi(sim, t, realm, queryPath('SELECT * FROM Spaceship'));
    expect(badEntity.json.Fault.Error[0].code).toBe('4001');
  });

  it('offers the control API: get, list (inactive included), remove, and refuses invalid seeds', () => {
    const realm = sim.createCompany();
    const [vendor] = sim.seed(realm, 'Vendor', [{ DisplayName: 'Control Vendor' }]);
    const id = String(vendor!['Id']);
    const [bill] = sim.seed(realm, 'Bill', [{ VendorRef: { value: id }, Line: [{ Amount: 12.34, DetailType: 'AccountBasedExpenseLineDetail' }] }]);
    expect(bill).toMatchObject({ TotalAmt: 12.34, SyncToken: '0' });

    const changed = sim.change(realm, 'Bill', String(bill!['Id']), { PrivateNote: 'edited in QuickBooks' });
    expect(changed).toMatchObject({ SyncToken: '1', PrivateNote: 'edited in QuickBooks' });
    sim.remove(realm, 'Bill', String(bill!['Id']));
    expect(sim.get(realm, 'Bill', String(bill!['Id']))).toBeNull();
    expect(sim.list(realm, 'Bill')).toEqual([]);

    expect(sim.remove(realm, 'Vendor', id)).toMatchObject({ Active: false, SyncToken: '1' });
    expect(sim.list(realm, 'Vendor').map((v) => v['Id'])).toEqual([id]);

    expect(() => sim.seed(realm, 'Bill', [{ Line: [] }])).toThrow(/2020/);
    expect(() => sim.change(realm, 'Vendor', '999', { AcctNum: 'x' })).toThrow(/does not exist/);
    expect(() => sim.list('no-such-realm', 'Vendor')).toThrow(/No company/);
  });

  it('reads the company info of the connected company only', async () => {
    const info = await callApi(sim, token, realmId, `companyinfo/${realmId}?minorversion=75`);
    expect(info.status).toBe(200);
    expect(info.json.CompanyInfo).toMatchObject({ CompanyName: expect.stringContaining('Sandbox Company'), Country: 'US', Id: '1' });
    expect((await callApi(sim, token, realmId, 'companyinfo/123')).status).toBe(400);
    const named = sim.createCompany('Trestle Builders LLC');
    sim.setAuthorizationRealm(named);
    const other = await connectClient(sim, client);
    sim.setAuthorizationRealm(sim.realmId);
    expect((await callApi(sim, other.tokens.access_token, named, `companyinfo/${named}`)).json.CompanyInfo.CompanyName).toBe('Trestle Builders LLC');
  });
});
