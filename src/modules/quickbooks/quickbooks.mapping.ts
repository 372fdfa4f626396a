import { RemoteError, type RemoteObject, type SyncEntity } from '../integrations/index.js';
import type { QuickBooksConfig } from './quickbooks.config.js';

/**
 * QuickBooks Online objects ↔ platform records. What the platform records can hold decides the
 * mapping (the README's table repeats it):
 *
 * | QuickBooks | platform | fields |
 * | Vendor | vendors | AcctNum ↔ code (QB-<Id> when QuickBooks has none), DisplayName ↔ name, PrimaryEmailAddr.Address ↔ email, PrimaryPhone.FreeFormNumber ↔ phone, Active ↔ status |
 * | Bill | invoices, kind payable | DocNumber ↔ number (QB-BILL-<Id> when none), VendorRef ↔ vendorCode (through the vendor's link), TxnDate ↔ invoiceDate, DueDate ↔ dueDate, TotalAmt ↔ amount (one expense line on config.expenseAccountId when pushed), CurrencyRef ↔ currency, Balance 0 → status paid, else open |
 * | Invoice | invoices, kind receivable | DocNumber ↔ number (QB-INV-<Id>), TxnDate, DueDate, TotalAmt (one sales line of config.itemId for config.customerId when pushed), TxnTaxDetail.TotalTax → taxAmount, CurrencyRef, Balance → status |
 * | Payment | payments of AR invoices | LinkedTxn Invoice ↔ invoiceNumber, TxnDate ↔ paymentDate, TotalAmt ↔ amount, PaymentRefNum ↔ reference |
 * | BillPayment | payments of AP bills (pulled only) | LinkedTxn Bill → invoiceNumber, TxnDate, TotalAmt, DocNumber → reference, PayType → method |
 *
 * Remote deletes (CDC status Deleted) make a vendor inactive, an invoice void, and remove a payment.
 */

type Raw = Record<string, unknown>;

const str = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);
const obj = (value: unknown): Raw | null => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Raw) : null);

function money(value: unknown): string | null {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  return Number.isFinite(n) ? n.toFixed(2) : null;
}

function day(value: unknown): string | null {
  const s = str(value);
  return s && /^\d{4}-\d{2}-\d{2}/.test(s) ? s.slice(0, 10) : null;
}

/** Identity, version and deletion of any QuickBooks object. */
function head(raw: Raw): Omit<RemoteObject, 'fields'> {
  const id = str(raw['Id']) ?? (typeof raw['Id'] === 'number' ? String(raw['Id']) : null);
  if (!id) throw new RemoteError('malformed', 'a QuickBooks object without an Id');
  const updated = str(obj(raw['MetaData'])?.['LastUpdatedTime']);
  const at = updated ? new Date(updated) : null;
  return {
    remoteId: id,
    version: str(raw['SyncToken']) ?? (typeof raw['SyncToken'] === 'number' ? String(raw['SyncToken']) : null),
    updatedAt: at && !Number.isNaN(at.getTime()) ? at : null,
    deleted: raw['status'] === 'Deleted',
  };
}

function linkedTxn(raw: Raw, type: string): string | null {
  const lines = Array.isArray(raw['Line']) ? (raw['Line'] as Raw[]) : [];
  for (const line of lines) {
    const linked = Array.isArray(obj(line)?.['LinkedTxn']) ? (line['LinkedTxn'] as Raw[]) : [];
    for (const txn of linked) if (txn['TxnType'] === type && str(txn['TxnId'])) return str(txn['TxnId']);
  }
  return null;
}

function status(raw: Raw): 'paid' | 'open' {
  const balance = typeof raw['Balance'] === 'number' ? raw['Balance'] : Number(raw['Balance'] ?? NaN);
  return balance === 0 ? 'paid' : 'open';
}

function need(value: string | null | undefined, message: string): string {
  if (!value) throw new RemoteError('validation', message);
  return value;
}

function text(fields: Raw, key: string): string | null {
  const value = fields[key];
  return typeof value === 'string' || typeof value === 'number' ? String(value) : null;
}

export const vendorEntity: SyncEntity<QuickBooksConfig> = {
  remote: 'Vendor',
  recordType: 'vendors',
  naturalKey: 'code',
  fields: ['code', 'name', 'email', 'phone', 'status'],
  push: true,
  deletedFields: { status: 'inactive' },
  toRemoteObject(raw) {
    const base = head(raw);
    if (base.deleted) return { ...base, fields: null };
    return {
      ...base,
      fields: {
        code: (str(raw['AcctNum']) ?? `QB-${base.remoteId}`).slice(0, 64),
        name: need(str(raw['DisplayName']), `Vendor ${base.remoteId} has no DisplayName`).slice(0, 255),
        email: str(obj(raw['PrimaryEmailAddr'])?.['Address']),
        phone: str(obj(raw['PrimaryPhone'])?.['FreeFormNumber']),
        status: raw['Active'] === false ? 'inactive' : 'active',
      },
    };
  },
  toRemote(fields) {
    const email = text(fields, 'email');
    const phone = text(fields, 'phone');
    return {
      DisplayName: need(text(fields, 'name'), 'a vendor needs a name'),
      AcctNum: text(fields, 'code'),
      ...(email ? { PrimaryEmailAddr: { Address: email } } : {}),
      ...(phone ? { PrimaryPhone: { FreeFormNumber: phone } } : {}),
      Active: fields['status'] !== 'inactive',
    };
  },
};

function invoiceFields(raw: Raw, base: Omit<RemoteObject, 'fields'>, prefix: string): Raw {
  return {
    number: (str(raw['DocNumber']) ?? `${prefix}-${base.remoteId}`).slice(0, 64),
    invoiceDate: need(day(raw['TxnDate']), `${prefix} ${base.remoteId} has no TxnDate`),
    dueDate: day(raw['DueDate']),
    amount: money(raw['TotalAmt']) ?? '0.00',
    currency: str(obj(raw['CurrencyRef'])?.['value'])?.slice(0, 3) ?? null,
    status: status(raw),
  };
}

export const billEntity: SyncEntity<QuickBooksConfig> = {
  remote: 'Bill',
  recordType: 'invoices',
  filter: { kind: 'payable' },
  naturalKey: 'number',
  fields: ['number', 'vendorCode', 'invoiceDate', 'dueDate', 'amount', 'currency', 'status'],
  push: true,
  deletedFields: { status: 'void' },
  toRemoteObject(raw, refs) {
    const base = head(raw);
    if (base.deleted) return { ...base, fields: null };
    const vendorId = str(obj(raw['VendorRef'])?.['value']);
    return { ...base, fields: { ...invoiceFields(raw, base, 'QB-BILL'), kind: 'payable', vendorCode: vendorId ? refs.localKey('Vendor', vendorId) : null } };
  },
  toRemote(fields, refs, config) {
    const vendorCode = need(text(fields, 'vendorCode'), `bill ${text(fields, 'number')} has no vendor; QuickBooks requires one`);
    const vendorId = need(refs.remoteId('Vendor', vendorCode), `vendor ${vendorCode} of bill ${text(fields, 'number')} is not in QuickBooks yet`);
    return oneLineTransaction(fields, { VendorRef: { value: vendorId } }, 'AccountBasedExpenseLineDetail', {
      AccountRef: { value: need(config.expenseAccountId, 'the connection has no expenseAccountId for pushed bills') },
    });
  },
};

/**
 * A bill or invoice as QuickBooks takes it: number, party, dates, and one line of the whole
 * amount (`detailType` names the line's detail object, as Intuit's Line schema wants).
 */
function oneLineTransaction(fields: Record<string, unknown>, party: Record<string, unknown>, detailType: string, detail: Record<string, unknown>) {
  const dueDate = text(fields, 'dueDate');
  return {
    DocNumber: text(fields, 'number'),
    ...party,
    TxnDate: text(fields, 'invoiceDate'),
    ...(dueDate ? { DueDate: dueDate } : {}),
    Line: [{ DetailType: detailType, Amount: Number(fields['amount']), [detailType]: detail }],
  };
}

export const invoiceEntity: SyncEntity<QuickBooksConfig> = {
  remote: 'Invoice',
  recordType: 'invoices',
  filter: { kind: 'receivable' },
  naturalKey: 'number',
  fields: ['number', 'invoiceDate', 'dueDate', 'amount', 'taxAmount', 'currency', 'status'],
  push: true,
  deletedFields: { status: 'void' },
  toRemoteObject(raw) {
    const base = head(raw);
    if (base.deleted) return { ...base, fields: null };
    return { ...base, fields: { ...invoiceFields(raw, base, 'QB-INV'), kind: 'receivable', taxAmount: money(obj(raw['TxnTaxDetail'])?.['TotalTax']) } };
  },
  toRemote(fields, _refs, config) {
    return oneLineTransaction(fields, { CustomerRef: { value: need(config.customerId, 'the connection has no customerId for pushed invoices') } }, 'SalesItemLineDetail', {
      ItemRef: { value: need(config.itemId, 'the connection has no itemId for pushed invoices') },
    });
  },
};

export const paymentEntity: SyncEntity<QuickBooksConfig> = {
  remote: 'Payment',
  recordType: 'payments',
  fields: ['invoiceNumber', 'paymentDate', 'amount', 'reference'],
  push: true,
  owns: (fields, refs) => typeof fields['invoiceNumber'] === 'string' && refs.remoteId('Invoice', fields['invoiceNumber']) !== null,
  toRemoteObject(raw, refs) {
    const base = head(raw);
    if (base.deleted) return { ...base, fields: null };
    const invoiceId = linkedTxn(raw, 'Invoice');
    const invoiceNumber = invoiceId ? refs.localKey('Invoice', invoiceId) : null;
    return {
      ...base,
      fields: {
        invoiceNumber: need(invoiceNumber, `Payment ${base.remoteId} is not applied to a synced invoice`),
        paymentDate: need(day(raw['TxnDate']), `Payment ${base.remoteId} has no TxnDate`),
        amount: money(raw['TotalAmt']) ?? '0.00',
        reference: str(raw['PaymentRefNum'])?.slice(0, 100) ?? null,
      },
    };
  },
  toRemote(fields, refs, config) {
    const invoiceNumber = need(text(fields, 'invoiceNumber'), 'a payment needs an invoice number');
    const invoiceId = need(refs.remoteId('Invoice', invoiceNumber), `invoice ${invoiceNumber} is not in QuickBooks yet`);
    const reference = text(fields, 'reference');
    return {
      CustomerRef: { value: need(config.customerId, 'the connection has no customerId for pushed payments') },
      TotalAmt: Number(fields['amount']),
      TxnDate: text(fields, 'paymentDate'),
      ...(reference ? { PaymentRefNum: reference.slice(0, 21) } : {}),
      Line: [{ Amount: Number(fields['amount']), LinkedTxn: [{ TxnId: invoiceId, TxnType: 'Invoice' }] }],
    };
  },
};

const PAY_TYPES: Record<string, string> = { Check: 'check', CreditCard: 'card' };

export const billPaymentEntity: SyncEntity<QuickBooksConfig> = {
  remote: 'BillPayment',
  recordType: 'payments',
  fields: ['invoiceNumber', 'paymentDate', 'amount', 'reference', 'method'],
  push: false,
  toRemoteObject(raw, refs) {
    const base = head(raw);
    if (base.deleted) return { ...base, fields: null };
    const billId = linkedTxn(raw, 'Bill');
    const invoiceNumber = billId ? refs.localKey('Bill', billId) : null;
    return {
      ...base,
      fields: {
        invoiceNumber: need(invoiceNumber, `BillPayment ${base.remoteId} is not applied to a synced bill`),
        paymentDate: need(day(raw['TxnDate']), `BillPayment ${base.remoteId} has no TxnDate`),
        amount: money(raw['TotalAmt']) ?? '0.00',
        reference: str(raw['DocNumber'])?.slice(0, 100) ?? null,
        method: PAY_TYPES[String(raw['PayType'])] ?? 'other',
      },
    };
  },
  toRemote() {
    throw new RemoteError('validation', 'bill payments are not pushed to QuickBooks');
  },
};

/** In the order they sync: what a later entity refers to is linked first. */
export const QUICKBOOKS_ENTITIES = [vendorEntity, billEntity, invoiceEntity, paymentEntity, billPaymentEntity] as const;
