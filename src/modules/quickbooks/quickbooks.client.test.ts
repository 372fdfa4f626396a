import { describe, expect, it } from 'vitest';
import { RequestLimiter } from './quickbooks.limiter.js';
import { retryAfterMs } from './quickbooks.client.js';
import { billEntity, paymentEntity, vendorEntity } from './quickbooks.mapping.js';

const refs = {
  localKey: (entity: string, id: string) => (entity === 'Vendor' && id === '5' ? 'ACME' : entity === 'Invoice' && id === '9' ? 'INV-1' : null),
  remoteId: (entity: string, key: string) => (entity === 'Vendor' && key === 'ACME' ? '5' : null),
};

describe('QuickBooks client pieces', () => {
  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(retryAfterMs('7')).toBe(7000);
    expect(retryAfterMs(new Date(Date.UTC(2030, 0, 1, 0, 0, 10)).toUTCString(), Date.UTC(2030, 0, 1))).toBe(10_000);
    expect(retryAfterMs(null)).toBeUndefined();
    expect(retryAfterMs('soon')).toBeUndefined();
  });

  it('limits requests in flight and per minute', async () => {
    let now = 0;
    const limiter = new RequestLimiter(3, 2, () => now, () => new Promise((r) => setTimeout(r, 5)));
    const a = await limiter.acquire();
    const b = await limiter.acquire();
    let third = false;
    const c = limiter.acquire().then((release) => {
      third = true;
      return release;
    });
    await new Promise((r) => setTimeout(r, 10));
    expect(third).toBe(false); // two in flight
    a();
    const releaseC = await c;
    expect(third).toBe(true);
    b();
    releaseC();
    // Three sent within the minute: the fourth waits until the first is a minute old.
    let fourth = false;
    const d = limiter.acquire().then((release) => {
      fourth = true;
      release();
    });
    await new Promise((r) => setTimeout(r, 10));
    expect(fourth).toBe(false);
    now = 60_001;
    await d;
    expect(fourth).toBe(true);
  });

  it('maps QuickBooks objects to platform fields and back', () => {
    const vendor = vendorEntity.toRemoteObject({ Id: '5', SyncToken: '2', DisplayName: 'Acme', AcctNum: 'ACME', Active: false, MetaData: { LastUpdatedTime: '2024-05-01T10:00:00-07:00' } }, refs);
    expect(vendor).toEqual({
      remoteId: '5',
      version: '2',
      updatedAt: new Date('2024-05-01T17:00:00Z'),
      deleted: false,
      fields: { code: 'ACME', name: 'Acme', email: null, phone: null, status: 'inactive' },
    });
    expect(vendorEntity.toRemoteObject({ Id: '6', status: 'Deleted' }, refs)).toMatchObject({ deleted: true, fields: null });
    const bill = billEntity.toRemoteObject({ Id: '7', SyncToken: '0', VendorRef: { value: '5' }, TxnDate: '2024-03-15', TotalAmt: 1200.5, Balance: 0 }, refs);
    expect(bill.fields).toMatchObject({ number: 'QB-BILL-7', vendorCode: 'ACME', amount: '1200.50', status: 'paid', kind: 'payable' });
    expect(billEntity.toRemote({ number: 'B-1', vendorCode: 'ACME', invoiceDate: '2024-03-15', amount: '10.00' }, refs, { expenseAccountId: '7' })).toMatchObject({
      VendorRef: { value: '5' },
      Line: [{ Amount: 10, AccountBasedExpenseLineDetail: { AccountRef: { value: '7' } } }],
    });
    expect(() => billEntity.toRemote({ number: 'B-2', vendorCode: 'NEW', invoiceDate: '2024-03-15', amount: '1' }, refs, { expenseAccountId: '7' })).toThrow(/not in QuickBooks yet/);
    expect(() => paymentEntity.toRemoteObject({ Id: '8', TxnDate: '2024-01-01', TotalAmt: 5, Line: [] }, refs)).toThrow(/not applied to a synced invoice/);
  });
});
