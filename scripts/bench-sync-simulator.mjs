// The QuickBooks simulator of bench:sync in a process of its own (QuickBooks is a remote system:
// its work must not share the sync's event loop). Started by bench-sync.mjs with the bundled
// simulator's path; answers requests over the IPC channel: { id, op, args } → { id, result | error }.
const [bundle, objects, latencyMs, client] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4]), JSON.parse(process.argv[5])];
const { startQuickBooksSimulator } = await import(bundle);
const sim = await startQuickBooksSimulator({ clients: [client], requestsPerMinute: 500, maxConcurrent: 10, latencyMs });

/** 20,000 objects in Intuit's proportions of a contractor's books: each bill and invoice with one line, payments applied to them. */
function seed(sim, realmId, total) {
  const vendors = Math.round(total * 0.2);
  const bills = Math.round(total * 0.3);
  const invoices = Math.round(total * 0.3);
  const payments = Math.round(total * 0.1);
  const billPayments = total - vendors - bills - invoices - payments;
  const [customer] = sim.seed(realmId, 'Customer', [{ DisplayName: 'Springfield School District' }]);
  const vendorIds = sim
    .seed(realmId, 'Vendor', Array.from({ length: vendors }, (_, i) => ({ DisplayName: `Vendor ${i} Construction LLC`, AcctNum: `V${i}`, PrimaryEmailAddr: { Address: `ap${i}@vendor.test` } })))
    .map((v) => v.Id);
  const line = (amount, detail) => [{ Amount: amount, DetailType: detail === 'expense' ? 'AccountBasedExpenseLineDetail' : 'SalesItemLineDetail', ...(detail === 'expense' ? { AccountBasedExpenseLineDetail: { AccountRef: { value: '7' } } } : { SalesItemLineDetail: { ItemRef: { value: '1' } } }) }];
  const billIds = sim
    .seed(realmId, 'Bill', Array.from({ length: bills }, (_, i) => ({ VendorRef: { value: vendorIds[i % vendorIds.length] }, DocNumber: `B-${i}`, TxnDate: '2024-03-15', Line: line(100 + (i % 900), 'expense') })))
    .map((b) => b.Id);
  const invoiceIds = sim
    .seed(realmId, 'Invoice', Array.from({ length: invoices }, (_, i) => ({ CustomerRef: { value: customer.Id }, DocNumber: `INV-${i}`, TxnDate: '2024-03-31', Line: line(1000 + (i % 5000), 'sales') })))
    .map((v) => v.Id);
  sim.seed(realmId, 'Payment', Array.from({ length: payments }, (_, i) => ({ CustomerRef: { value: customer.Id }, TotalAmt: 10, TxnDate: '2024-04-10', Line: [{ Amount: 10, LinkedTxn: [{ TxnId: invoiceIds[i % invoiceIds.length], TxnType: 'Invoice' }] }] })));
  sim.seed(
    realmId,
    'BillPayment',
    Array.from({ length: billPayments }, (_, i) => ({
      VendorRef: { value: vendorIds[i % vendorIds.length] },
      TotalAmt: 10,
      PayType: 'Check',
      TxnDate: '2024-04-12',
      CheckPayment: { BankAccountRef: { value: '35' } },
      Line: [{ Amount: 10, LinkedTxn: [{ TxnId: billIds[i % billIds.length], TxnType: 'Bill' }] }],
    })),
  );
  return { vendorIds, billIds, counts: { Vendor: vendors, Bill: bills, Invoice: invoices, Payment: payments, BillPayment: billPayments } };
}


const seeded = seed(sim, sim.realmId, objects);
const ops = {
  info: () => ({ url: sim.url, authorizeUrl: sim.authorizeUrl, tokenUrl: sim.tokenUrl, realmId: sim.realmId, ...seeded }),
  change: (entity, id, fields) => sim.change(sim.realmId, entity, id, fields),
  advanceTime: (ms) => sim.advanceTime(ms),
  stats: () => sim.stats(),
  resetStats: () => sim.resetStats(),
  close: async () => {
    await sim.close();
    setImmediate(() => process.exit(0));
  },
};
process.on('message', async ({ id, op, args }) => {
  try {
    process.send({ id, result: (await ops[op](...args)) ?? null });
  } catch (error) {
    process.send({ id, error: error instanceof Error ? error.message : String(error) });
  }
});
process.on('disconnect', () => process.exit(0));
process.send({ ready: true });
