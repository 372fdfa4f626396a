import {
  objectNotFound,
  qboTime,
  requiredParamMissing,
  staleObject,
  validationFault,
} from './faults.js';
import { lookupPath, runQuery, type ParsedQuery } from './query-language.js';

/**
 * One QuickBooks company (realm): its Vendor, Customer, Bill, Invoice, Payment and BillPayment
 * objects with Intuit's field names, SyncToken optimistic concurrency, MetaData timestamps and
 * tombstones for deleted transactions (for CDC). Name-list entities (Vendor, Customer) are never
 * deleted, only made inactive, as in QuickBooks.
 */

export const ENTITY_NAMES = ['Vendor', 'Customer', 'Bill', 'Invoice', 'Payment', 'BillPayment'] as const;
export type EntityName = (typeof ENTITY_NAMES)[number];
export type QboObject = Record<string, unknown>;
export type Operation = 'Create' | 'Update' | 'Delete';

export interface ChangeEvent {
  realmId: string;
  entity: EntityName;
  id: string;
  operation: Operation;
  at: number;
}

interface EntityDef {
  kind: 'name' | 'transaction';
  /** Writable top-level fields. */
  fields: string[];
  /** Fields the server computes; accepted in requests and ignored. */
  computed: string[];
  required: string[];
  /** Allowed Line DetailType values; null when lines carry LinkedTxn instead. */
  lineDetailTypes: string[] | null;
  /** The reference that must point at an existing, active object. */
  partyRef: { field: string; entity: EntityName } | null;
  /** The transaction type payments of this entity settle (Payment → Invoice, BillPayment → Bill). */
  settles: EntityName | null;
}

const NAME_FIELDS = ['DisplayName', 'Title', 'GivenName', 'MiddleName', 'FamilyName', 'Suffix', 'CompanyName', 'PrintOnCheckName', 'Active',
  'PrimaryEmailAddr', 'PrimaryPhone', 'AlternatePhone', 'Mobile', 'Fax', 'WebAddr', 'BillAddr', 'OtherContactInfo', 'CurrencyRef', 'TaxIdentifier',
  'AcctNum'];
const TXN_FIELDS = ['TxnDate', 'DocNumber', 'PrivateNote', 'CurrencyRef', 'ExchangeRate', 'DepartmentRef', 'LinkedTxn', 'TxnTaxDetail',
  'GlobalTaxCalculation', 'Line'];
const COMMON = ['Id', 'SyncToken', 'MetaData', 'domain', 'sparse'];

export const ENTITIES: Record<EntityName, EntityDef> = {
  Vendor: {
    kind: 'name',
    fields: [...NAME_FIELDS, 'Vendor1099', 'TermRef', 'APAccountRef', 'BillRate', 'CostRate', 'VendorPaymentBankDetail'],
    computed: ['Balance'],
    required: [],
    lineDetailTypes: null,
    partyRef: null,
    settles: null,
  },
  Customer: {
    kind: 'name',
    fields: [...NAME_FIELDS, 'ShipAddr', 'Notes', 'Taxable', 'Job', 'ParentRef', 'BillWithParent', 'SalesTermRef', 'PaymentMethodRef',
      'PreferredDeliveryMethod', 'ResaleNum'],
    computed: ['Balance', 'BalanceWithJobs', 'FullyQualifiedName', 'Level'],
    required: [],
    lineDetailTypes: null,
    partyRef: null,
    settles: null,
  },
  Bill: {
    kind: 'transaction',
    fields: [...TXN_FIELDS, 'VendorRef', 'DueDate', 'APAccountRef', 'SalesTermRef'],
    computed: ['TotalAmt', 'Balance', 'HomeBalance'],
    required: ['VendorRef', 'Line'],
    lineDetailTypes: ['AccountBasedExpenseLineDetail', 'ItemBasedExpenseLineDetail'],
    partyRef: { field: 'VendorRef', entity: 'Vendor' },
    settles: null,
  },
  Invoice: {
    kind: 'transaction',
    fields: [...TXN_FIELDS, 'CustomerRef', 'DueDate', 'CustomerMemo', 'BillEmail', 'BillAddr', 'ShipAddr', 'SalesTermRef', 'EmailStatus',
      'PrintStatus', 'AllowOnlineCreditCardPayment', 'AllowOnlineACHPayment', 'ApplyTaxAfterDiscount', 'ClassRef', 'Deposit'],
    computed: ['TotalAmt', 'Balance', 'HomeBalance'],
    required: ['CustomerRef', 'Line'],
    lineDetailTypes: ['SalesItemLineDetail', 'GroupLineDetail', 'DescriptionOnly', 'DiscountLineDetail', 'SubTotalLineDetail'],
    partyRef: { field: 'CustomerRef', entity: 'Customer' },
    settles: null,
  },
  Payment: {
    kind: 'transaction',
    fields: [...TXN_FIELDS, 'CustomerRef', 'TotalAmt', 'PaymentRefNum', 'PaymentMethodRef', 'DepositToAccountRef', 'ARAccountRef',
      'ProcessPayment'],
    computed: ['UnappliedAmt'],
    required: ['CustomerRef', 'TotalAmt'],
    lineDetailTypes: null,
    partyRef: { field: 'CustomerRef', entity: 'Customer' },
    settles: 'Invoice',
  },
  BillPayment: {
    kind: 'transaction',
    fields: [...TXN_FIELDS, 'VendorRef', 'TotalAmt', 'PayType', 'CheckPayment', 'CreditCardPayment', 'APAccountRef'],
    computed: [],
    required: ['VendorRef', 'TotalAmt', 'PayType', 'Line'],
    lineDetailTypes: null,
    partyRef: { field: 'VendorRef', entity: 'Vendor' },
    settles: 'Bill',
  },
};

const BY_LOWER = new Map<string, EntityName>(ENTITY_NAMES.map((name) => [name.toLowerCase(), name]));

/** `vendor`, `Vendor`, `VENDOR` → Vendor; null for anything else. */
export function entityByName(name: string): EntityName | null {
  return BY_LOWER.get(name.toLowerCase()) ?? null;
}

/** Top-level properties a query may name for this entity (case-insensitive). */
export function queryableFields(entity: EntityName): Set<string> {
  const def = ENTITIES[entity];
  return new Set([...COMMON, ...def.fields, ...def.computed].map((f) => f.toLowerCase()));
}

export interface Stored {
  entity: EntityName;
  id: string;
  data: QboObject;
  syncToken: number;
  createdAt: number;
  updatedAt: number;
  deletedAt: number | null;
}

const round2 = (n: number) => Math.round(n * 100) / 100;
const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const clone = <T>(v: T): T => structuredClone(v);

function today(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export class Company {
  private readonly tables = new Map<EntityName, Map<string, Stored>>(ENTITY_NAMES.map((e) => [e, new Map()]));
  private readonly nextIds = new Map<EntityName, number>(ENTITY_NAMES.map((e) => [e, 1]));
  /** lower-case DisplayName → "Vendor:12": names are unique across vendors and customers. */
  private readonly names = new Map<string, string>();
  /** "Invoice:3" → amount applied by payments. */
  private readonly applied = new Map<string, number>();
  private nextDocNumber = 1001;

  private readonly createdAt: number;

  constructor(
    readonly realmId: string,
    private readonly clock: () => number,
    private readonly emit: (event: ChangeEvent) => void,
    readonly companyName = `Sandbox Company US ${realmId.slice(-4)}`,
  ) {
    this.createdAt = clock();
  }

  /** GET /companyinfo/{realmId}: the company's name and country (read-only here). */
  companyInfo(): QboObject {
    return {
      CompanyName: this.companyName,
      LegalName: this.companyName,
      Country: 'US',
      SupportedLanguages: 'en',
      FiscalYearStartMonth: 'January',
      domain: 'QBO',
      sparse: false,
      Id: '1',
      SyncToken: '0',
      MetaData: { CreateTime: qboTime(this.createdAt), LastUpdatedTime: qboTime(this.createdAt) },
    };
  }

  table(entity: EntityName): Map<string, Stored> {
    return this.tables.get(entity)!;
  }

  /** The JSON QuickBooks answers with for a stored object. */
  view(stored: Stored): QboObject {
    if (stored.deletedAt !== null) {
      return { domain: 'QBO', status: 'Deleted', Id: stored.id, MetaData: { LastUpdatedTime: qboTime(stored.updatedAt) } };
    }
    return {
      ...clone(stored.data),
      domain: 'QBO',
      sparse: false,
      Id: stored.id,
      SyncToken: String(stored.syncToken),
      MetaData: { CreateTime: qboTime(stored.createdAt), LastUpdatedTime: qboTime(stored.updatedAt) },
    };
  }

  /** Reads a field for queries: MetaData times as instants, Id and SyncToken from the record. */
  readField = (stored: Stored, path: string): unknown => {
    const lower = path.toLowerCase();
    if (lower === 'id') return stored.id;
    if (lower === 'synctoken') return String(stored.syncToken);
    if (lower === 'metadata.createtime') return stored.createdAt;
    if (lower === 'metadata.lastupdatedtime') return stored.updatedAt;
    return lookupPath(stored.data, path);
  };

  get(entity: EntityName, id: string): Stored | undefined {
    return this.table(entity).get(id);
  }

  /** GET /{entity}/{id}: deleted or unknown objects are 610 Object Not Found. */
  read(entity: EntityName, id: string): Stored {
    const stored = this.get(entity, id);
    if (!stored || stored.deletedAt !== null) throw objectNotFound(this.clock(), entity, id);
    return stored;
  }

  query(entity: EntityName, query: ParsedQuery): { page: Stored[]; total: number } {
    const live = [...this.table(entity).values()].filter((s) => s.deletedAt === null);
    // QuickBooks returns only active name-list objects unless the query filters on Active.
    const where =
      ENTITIES[entity].kind === 'name' && !query.where.some((c) => c.field.toLowerCase() === 'active')
        ? [...query.where, { field: 'Active', op: '=' as const, value: true }]
        : query.where;
    // Ids are handed out in ascending order and the table keeps insertion order.
    return runQuery(live, { ...query, where }, this.readField, { inIdOrder: true });
  }

  // --- writes -------------------------------------------------------------------------------

  /** POST /{entity} without Id: validates, fills server fields, stores and records the change. */
  create(entity: EntityName, body: unknown, options: { notify?: boolean; at?: number } = {}): Stored {
    const now = options.at ?? this.clock();
    const data = this.validate(entity, body, null, now);
    const id = String(this.nextIds.get(entity)!);
    this.nextIds.set(entity, Number(id) + 1);
    const stored: Stored = { entity, id, data, syncToken: 0, createdAt: now, updatedAt: now, deletedAt: null };
    this.claimName(stored);
    this.table(entity).set(id, stored);
    this.computeBalance(stored);
    this.applyPayments(stored, 1, now);
    if (options.notify !== false) this.emit({ realmId: this.realmId, entity, id, operation: 'Create', at: now });
    return stored;
  }

  /** POST /{entity} with Id and SyncToken: a full update, or a sparse one with `sparse: true`. */
  update(entity: EntityName, body: unknown): Stored {
    const now = this.clock();
    if (!isRecord(body)) throw validationFault(now, '2010', 'Request has invalid or unsupported property', 'The request body must be an object');
    const id = body['Id'];
    if (typeof id !== 'string' && typeof id !== 'number') throw requiredParamMissing(now, 'Id');
    const stored = this.get(entity, String(id));
    if (!stored || stored.deletedAt !== null) throw objectNotFound(now, entity, String(id));
    const token = body['SyncToken'];
    if (typeof token !== 'string' && typeof token !== 'number') throw requiredParamMissing(now, 'SyncToken');
    if (String(token) !== String(stored.syncToken)) throw staleObject(now);
    const sparse = body['sparse'] === true || body['sparse'] === 'true';
    const data = this.validate(entity, body, sparse ? stored.data : null, now, `${entity}:${stored.id}`);
    this.write(stored, data, now);
    this.emit({ realmId: this.realmId, entity, id: stored.id, operation: 'Update', at: now });
    return stored;
  }

  /** POST /{entity}?operation=delete: transactions only; name-list objects are made inactive instead. */
  delete(entity: EntityName, body: unknown): Stored {
    const now = this.clock();
    if (ENTITIES[entity].kind === 'name') {
      throw validationFault(now, '500', 'Unsupported Operation', `Operation Delete is not supported for ${entity}; make it inactive (Active = false) instead`);
    }
    if (!isRecord(body)) throw validationFault(now, '2010', 'Request has invalid or unsupported property', 'The request body must be an object');
    const id = body['Id'];
    if (typeof id !== 'string' && typeof id !== 'number') throw requiredParamMissing(now, 'Id');
    const stored = this.get(entity, String(id));
    if (!stored || stored.deletedAt !== null) throw objectNotFound(now, entity, String(id));
    const token = body['SyncToken'];
    if (typeof token !== 'string' && typeof token !== 'number') throw requiredParamMissing(now, 'SyncToken');
    if (String(token) !== String(stored.syncToken)) throw staleObject(now);
    this.tombstone(stored, now);
    return stored;
  }

  /** As if a QuickBooks user edited the object: a sparse change without SyncToken check. */
  userChange(entity: EntityName, id: string, fields: QboObject): Stored {
    const now = this.clock();
    const stored = this.get(entity, id);
    if (!stored || stored.deletedAt !== null) throw new Error(`${entity} ${id} does not exist in realm ${this.realmId}`);
    const data = this.validate(entity, { ...fields, Id: id, SyncToken: String(stored.syncToken), sparse: true }, stored.data, now, `${entity}:${id}`);
    this.write(stored, data, now);
    this.emit({ realmId: this.realmId, entity, id, operation: 'Update', at: now });
    return stored;
  }

  /** As if a QuickBooks user deleted it: transactions are deleted, vendors and customers made inactive. */
  userRemove(entity: EntityName, id: string): Stored {
    const stored = this.get(entity, id);
    if (!stored || stored.deletedAt !== null) throw new Error(`${entity} ${id} does not exist in realm ${this.realmId}`);
    if (ENTITIES[entity].kind === 'name') return this.userChange(entity, id, { Active: false });
    this.tombstone(stored, this.clock());
    return stored;
  }

  private tombstone(stored: Stored, now: number): void {
    this.applyPayments(stored, -1, now);
    stored.deletedAt = now;
    stored.updatedAt = now;
    stored.syncToken += 1;
    this.emit({ realmId: this.realmId, entity: stored.entity, id: stored.id, operation: 'Delete', at: now });
  }

  private write(stored: Stored, data: QboObject, now: number): void {
    this.applyPayments(stored, -1, now);
    this.releaseName(stored);
    stored.data = data;
    this.claimName(stored);
    stored.syncToken += 1;
    stored.updatedAt = now;
    this.computeBalance(stored);
    this.applyPayments(stored, 1, now);
  }

  private claimName(stored: Stored): void {
    const name = stored.data['DisplayName'];
    if (typeof name === 'string') this.names.set(name.toLowerCase(), `${stored.entity}:${stored.id}`);
  }

  private releaseName(stored: Stored): void {
    const name = stored.data['DisplayName'];
    if (typeof name === 'string' && this.names.get(name.toLowerCase()) === `${stored.entity}:${stored.id}`) this.names.delete(name.toLowerCase());
  }

  private computeBalance(stored: Stored): void {
    const def = ENTITIES[stored.entity];
    if (def.computed.includes('TotalAmt')) {
      const total = stored.data['TotalAmt'] as number;
      stored.data['Balance'] = round2(total - (this.applied.get(`${stored.entity}:${stored.id}`) ?? 0));
    }
  }

  /** Applies (sign 1) or withdraws (sign -1) a payment's lines to the transactions it settles. */
  private applyPayments(stored: Stored, sign: 1 | -1, now: number): void {
    const settles = ENTITIES[stored.entity].settles;
    if (!settles || stored.deletedAt !== null) return;
    for (const line of (stored.data['Line'] as QboObject[] | undefined) ?? []) {
      for (const link of (line['LinkedTxn'] as QboObject[] | undefined) ?? []) {
        const target = this.get(settles, String(link['TxnId']));
        if (!target || target.deletedAt !== null) continue;
        const key = `${settles}:${target.id}`;
        this.applied.set(key, round2((this.applied.get(key) ?? 0) + sign * (line['Amount'] as number)));
        this.computeBalance(target);
        target.syncToken += 1;
        target.updatedAt = now;
        this.emit({ realmId: this.realmId, entity: settles, id: target.id, operation: 'Update', at: now });
      }
    }
  }

  /** Checks a request body and returns the object's new writable data (merged onto `base` when sparse). */
  private validate(entity: EntityName, body: unknown, base: QboObject | null, now: number, self: string | null = null): QboObject {
    const def = ENTITIES[entity];
    if (!isRecord(body)) throw validationFault(now, '2010', 'Request has invalid or unsupported property', 'The request body must be a JSON object');
    const known = new Set([...COMMON, ...def.fields, ...def.computed]);
    for (const key of Object.keys(body)) {
      if (!known.has(key)) {
        throw validationFault(
          now,
          '2010',
          'Request has invalid or unsupported property',
          `Property Name:${key} specified is unsupported or invalid`,
          key,
        );
      }
    }
    const data: QboObject = base ? clone(base) : {};
    for (const field of def.fields) if (field in body) data[field] = clone(body[field]);
    for (const field of def.required) {
      if (data[field] === undefined || data[field] === null || (Array.isArray(data[field]) && (data[field] as unknown[]).length === 0)) {
        throw requiredParamMissing(now, field);
      }
    }
    if (def.kind === 'name') this.validateName(entity, data, self, now);
    else this.validateTransaction(entity, def, data, now);
    data['CurrencyRef'] ??= { value: 'USD', name: 'United States Dollar' };
    return data;
  }

  private validateName(entity: EntityName, data: QboObject, self: string | null, now: number): void {
    if (typeof data['DisplayName'] !== 'string' || data['DisplayName'].trim() === '') {
      const parts = ['Title', 'GivenName', 'MiddleName', 'FamilyName', 'Suffix'].map((f) => data[f]).filter((v) => typeof v === 'string' && v !== '');
      if (parts.length === 0) throw requiredParamMissing(now, 'DisplayName');
      data['DisplayName'] = parts.join(' ');
    }
    const name = (data['DisplayName'] as string).trim();
    if (name.length > 500) throw validationFault(now, '6000', 'A business validation error has occurred while processing your request', 'DisplayName is longer than 500 characters', 'DisplayName');
    data['DisplayName'] = name;
    const owner = this.names.get(name.toLowerCase());
    if (owner !== undefined && owner !== self) {
      throw validationFault(
        now,
        '6240',
        'Duplicate Name Exists Error',
        'The name supplied already exists. : Another customer, vendor or employee is already using this name. Please use a different name.',
      );
    }
    data['Active'] ??= true;
    if (typeof data['Active'] !== 'boolean') throw validationFault(now, '2010', 'Request has invalid or unsupported property', 'Active must be true or false', 'Active');
    data['PrintOnCheckName'] ??= name;
    if (entity === 'Customer') data['FullyQualifiedName'] = name;
    data['Balance'] ??= 0;
    const email = data['PrimaryEmailAddr'];
    if (email !== undefined && email !== null && (!isRecord(email) || typeof email['Address'] !== 'string')) {
      throw validationFault(now, '2010', 'Request has invalid or unsupported property', 'PrimaryEmailAddr must be { "Address": "…" }', 'PrimaryEmailAddr');
    }
  }

  private validateTransaction(entity: EntityName, def: EntityDef, data: QboObject, now: number): void {
    if (def.partyRef) {
      const ref = data[def.partyRef.field];
      const refId = isRecord(ref) ? ref['value'] : undefined;
      if (typeof refId !== 'string' && typeof refId !== 'number') throw requiredParamMissing(now, `${def.partyRef.field}.value`);
      const party = this.get(def.partyRef.entity, String(refId));
      if (!party) {
        throw validationFault(now, '2500', 'Invalid Reference Id', `Invalid Reference Id : ${def.partyRef.entity} ${String(refId)} does not exist`, def.partyRef.field);
      }
      if (party.data['Active'] === false) {
        throw validationFault(
          now,
          '610',
          'Object Not Found',
          `Object Not Found : Something you're trying to use has been made inactive. Check the fields with accounts, customers, items, vendors or employees.`,
          def.partyRef.field,
        );
      }
      data[def.partyRef.field] = { value: String(refId), name: party.data['DisplayName'] };
    }
    const lines = data['Line'];
    if (lines !== undefined && !Array.isArray(lines)) throw validationFault(now, '2010', 'Request has invalid or unsupported property', 'Line must be an array', 'Line');
    let sum = 0;
    let discount = 0;
    ((lines as unknown[] | undefined) ?? []).forEach((line, index) => {
      if (!isRecord(line)) throw validationFault(now, '2010', 'Request has invalid or unsupported property', `Line[${index}] must be an object`, 'Line');
      const amount = line['Amount'];
      if (typeof amount !== 'number' || !Number.isFinite(amount)) throw requiredParamMissing(now, `Line[${index}].Amount`);
      if (def.lineDetailTypes) {
        const type = line['DetailType'];
        if (typeof type !== 'string') throw requiredParamMissing(now, `Line[${index}].DetailType`);
        if (!def.lineDetailTypes.includes(type)) {
          throw validationFault(now, '2010', 'Request has invalid or unsupported property', `Line[${index}].DetailType ${type} is not valid for ${entity}`, 'DetailType');
        }
        if (type === 'DiscountLineDetail') discount += amount;
        else if (type !== 'SubTotalLineDetail') sum += amount;
      } else {
        const links = line['LinkedTxn'];
        if (!Array.isArray(links) || links.length === 0) throw requiredParamMissing(now, `Line[${index}].LinkedTxn`);
        for (const link of links) {
          const target = isRecord(link) ? this.get(def.settles!, String(link['TxnId'])) : undefined;
          if (!isRecord(link) || link['TxnType'] !== def.settles || !target || target.deletedAt !== null) {
            throw validationFault(now, '2500', 'Invalid Reference Id', `Invalid Reference Id : Line[${index}].LinkedTxn must name an existing ${def.settles}`, 'LinkedTxn');
          }
        }
        sum += amount;
      }
      line['Id'] ??= String(index + 1);
      line['LineNum'] ??= index + 1;
    });
    if (def.computed.includes('TotalAmt')) {
      data['TotalAmt'] = round2(sum - discount);
      data['DocNumber'] ??= String(this.nextDocNumber++);
      data['TxnDate'] ??= today(now);
      if (entity === 'Bill' || entity === 'Invoice') data['DueDate'] ??= data['TxnDate'];
    } else {
      const total = data['TotalAmt'];
      if (typeof total !== 'number' || total < 0) throw validationFault(now, '2010', 'Request has invalid or unsupported property', 'TotalAmt must be a non-negative number', 'TotalAmt');
      if (round2(sum) > total) {
        throw validationFault(now, '6000', 'A business validation error has occurred while processing your request', 'The amounts applied exceed TotalAmt', 'Line');
      }
      data['TxnDate'] ??= today(now);
      if (entity === 'Payment') data['UnappliedAmt'] = round2(total - sum);
      if (entity === 'BillPayment' && data['PayType'] !== 'Check' && data['PayType'] !== 'CreditCard') {
        throw validationFault(now, '2010', 'Request has invalid or unsupported property', 'PayType must be Check or CreditCard', 'PayType');
      }
    }
  }
}
