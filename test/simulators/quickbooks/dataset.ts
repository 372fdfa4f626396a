import type { QboObject } from './entities.js';
import type { QuickBooksSimulator } from './server.js';

/**
 * A realistic company for benchmarks and larger tests: vendors (subcontractors and suppliers) with
 * bills and bill payments, customers (project owners) with invoices and payments. Deterministic:
 * the same counts and seed give the same data.
 */

export interface DatasetCounts {
  vendors: number;
  bills: number;
  billPayments: number;
  customers: number;
  invoices: number;
  payments: number;
}

/** The split used for "N entities": about a quarter vendors, a third bills, the rest on the sales side. */
export function countsFor(total: number): DatasetCounts {
  const vendors = Math.max(1, Math.round(total * 0.25));
  const bills = Math.round(total * 0.35);
  const billPayments = Math.round(total * 0.1);
  const customers = Math.max(1, Math.round(total * 0.05));
  const invoices = Math.round(total * 0.15);
  return { vendors, bills, billPayments, customers, invoices, payments: Math.max(0, total - vendors - bills - billPayments - customers - invoices) };
}

/** mulberry32: a small deterministic PRNG. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TRADES = ['Concrete', 'Steel', 'Electrical', 'Plumbing', 'Roofing', 'Drywall', 'Glazing', 'Excavation', 'Masonry', 'HVAC', 'Painting', 'Flooring'];
const SUFFIXES = ['LLC', 'Inc', 'Co', 'Group', 'Partners', 'Supply', 'Services', 'Contractors'];
const PLACES = ['Austin', 'Denver', 'Portland', 'Raleigh', 'Tucson', 'Boise', 'Omaha', 'Tampa', 'Reno', 'Madison'];

const money = (r: () => number, min: number, max: number) => Math.round((min + r() * (max - min)) * 100) / 100;
const date = (r: () => number, daysBack: number) => new Date(Date.UTC(2026, 10, 1) - Math.floor(r() * daysBack) * 86_400_000).toISOString().slice(0, 10);

/** Seeds the company with the given counts (no webhooks); returns the ids made per entity. */
export function seedDataset(sim: QuickBooksSimulator, realmId: string, counts: DatasetCounts, seed = 42): Record<keyof DatasetCounts, string[]> {
  const r = random(seed);
  const ids = (objects: QboObject[]) => objects.map((o) => String(o['Id']));
  const name = (i: number) => `${PLACES[i % PLACES.length]} ${TRADES[Math.floor(i / PLACES.length) % TRADES.length]} ${SUFFIXES[Math.floor(i / (PLACES.length * TRADES.length)) % SUFFIXES.length]} ${i + 1}`;

  const vendors = ids(
    sim.seed(
      realmId,
      'Vendor',
      Array.from({ length: counts.vendors }, (_, i) => ({
        DisplayName: name(i),
        CompanyName: name(i),
        PrimaryEmailAddr: { Address: `ap${i + 1}@vendor${i + 1}.example.com` },
        PrimaryPhone: { FreeFormNumber: `(555) ${String(100 + (i % 900))}-${String(1000 + (i % 9000))}` },
        BillAddr: { Line1: `${1 + (i % 999)} Main St`, City: PLACES[i % PLACES.length], CountrySubDivisionCode: 'TX', PostalCode: String(73301 + (i % 500)) },
        Vendor1099: i % 3 === 0,
      })),
    ),
  );
  const bills = ids(
    sim.seed(
      realmId,
      'Bill',
      Array.from({ length: counts.bills }, (_, i) => {
        const txnDate = date(r, 25);
        return {
          VendorRef: { value: vendors[i % vendors.length]! },
          DocNumber: `B-${String(i + 1).padStart(6, '0')}`,
          TxnDate: txnDate,
          DueDate: txnDate,
          PrivateNote: `Pay application ${1 + (i % 12)}`,
          Line: Array.from({ length: 1 + (i % 3) }, () => ({
            Amount: money(r, 100, 25_000),
            DetailType: 'AccountBasedExpenseLineDetail',
            AccountBasedExpenseLineDetail: { AccountRef: { value: '7', name: 'Job Materials' } },
          })),
        };
      }),
    ),
  );
  const billTotals = new Map(sim.list(realmId, 'Bill').map((b) => [String(b['Id']), b['TotalAmt'] as number]));
  const billPayments = ids(
    sim.seed(
      realmId,
      'BillPayment',
      Array.from({ length: Math.min(counts.billPayments, bills.length) }, (_, i) => {
        const billId = bills[i]!;
        const bill = sim.get(realmId, 'Bill', billId)!;
        const amount = Math.round((billTotals.get(billId) ?? 0) * (i % 2 === 0 ? 1 : 0.5) * 100) / 100;
        return {
          VendorRef: { value: (bill['VendorRef'] as { value: string }).value },
          PayType: 'Check',
          TotalAmt: amount,
          CheckPayment: { BankAccountRef: { value: '35', name: 'Checking' } },
          Line: [{ Amount: amount, LinkedTxn: [{ TxnId: billId, TxnType: 'Bill' }] }],
        };
      }),
    ),
  );
  const customers = ids(
    sim.seed(
      realmId,
      'Customer',
      Array.from({ length: counts.customers }, (_, i) => ({
        DisplayName: `Owner ${PLACES[i % PLACES.length]} ${i + 1}`,
        CompanyName: `Owner ${PLACES[i % PLACES.length]} ${i + 1}`,
        PrimaryEmailAddr: { Address: `payables${i + 1}@owner.example.com` },
      })),
    ),
  );
  const invoices = ids(
    sim.seed(
      realmId,
      'Invoice',
      Array.from({ length: counts.invoices }, (_, i) => ({
        CustomerRef: { value: customers[i % customers.length]! },
        DocNumber: `INV-${String(i + 1).padStart(6, '0')}`,
        TxnDate: date(r, 25),
        Line: [{ Amount: money(r, 1_000, 150_000), DetailType: 'SalesItemLineDetail', SalesItemLineDetail: { ItemRef: { value: '1', name: 'Services' } } }],
      })),
    ),
  );
  const payments = ids(
    sim.seed(
      realmId,
      'Payment',
      Array.from({ length: Math.min(counts.payments, invoices.length) }, (_, i) => {
        const invoice = sim.get(realmId, 'Invoice', invoices[i]!)!;
        const amount = invoice['TotalAmt'] as number;
        return {
          CustomerRef: { value: (invoice['CustomerRef'] as { value: string }).value },
          TotalAmt: amount,
          Line: [{ Amount: amount, LinkedTxn: [{ TxnId: invoices[i]!, TxnType: 'Invoice' }] }],
        };
      }),
    ),
  );
  return { vendors, bills, billPayments, customers, invoices, payments };
}
