import { describe, expect, it } from 'vitest';
import { ENTITIES, type EntityType } from '../../records/index.js';
import { suggestMapping } from '../mapping/index.js';
import { checkRowsInChunks, isFailed, RowValidator, type ReferenceLookup, type RowInput, type RowIssue } from './validation.engine.js';
import type { CellValue } from './value.coerce.js';

/** Records of the "database": for each entity.field, the values held and the origin id of their holder. */
class FakeLookup implements ReferenceLookup {
  readonly calls: Array<{ kind: 'existing' | 'owners'; target: string; values: string[] }> = [];

  constructor(
    private readonly data: Record<string, Array<[string, string | null]>>,
    /** Milliseconds `existing` takes, to answer after `owners`. */
    private readonly existingDelay = 0,
  ) {}

  async existing(entity: EntityType, field: string, values: string[]): Promise<Set<string>> {
    this.calls.push({ kind: 'existing', target: `${entity}.${field}`, values });
    if (this.existingDelay > 0) await new Promise((resolve) => setTimeout(resolve, this.existingDelay));
    const held = new Set((this.data[`${entity}.${field}`] ?? []).map(([v]) => v.toLowerCase()));
    return new Set(values.filter((v) => held.has(v.toLowerCase())));
  }

  async owners(entity: EntityType, field: string, values: string[]): Promise<Map<string, string | null>> {
    this.calls.push({ kind: 'owners', target: `${entity}.${field}`, values });
    const result = new Map<string, string | null>();
    for (const [held, origin] of this.data[`${entity}.${field}`] ?? []) {
      const asked = values.find((v) => v.toLowerCase() === held.toLowerCase());
      if (asked !== undefined) result.set(asked, origin);
    }
    return result;
  }
}

function validator(type: EntityType, headers: string[], options: ConstructorParameters<typeof RowValidator>[3] = {}): RowValidator {
  const { mapping } = suggestMapping(ENTITIES[type], headers);
  return new RowValidator(ENTITIES[type], headers, mapping, options);
}

const codes = (issues: readonly RowIssue[]): string[] => issues.map((i) => `${i.severity === 'error' ? '' : 'warning:'}${i.code}:${i.field ?? ''}`);

const INVOICE_HEADERS = ['Origin ID', 'Kind', 'Invoice #', 'Vendor', 'Date', 'Due', 'Total', 'Tax', 'Currency', 'Status'];

describe('RowValidator.checkRow', () => {
  it('turns a good row into its canonical record', () => {
    const v = validator('invoices', INVOICE_HEADERS);
    const { record, issues } = v.checkRow({
      rowNumber: 2,
      values: ['QB-1', 'Payable', 'INV-1', 'ACME-CON', '03/15/2024', new Date(Date.UTC(2024, 3, 14)), '$12,500.00', 0, 'usd', 'OPEN'],
    });
    expect(issues).toEqual([]);
    expect(record).toEqual({
      originId: 'QB-1',
      kind: 'payable',
      number: 'INV-1',
      vendorCode: 'ACME-CON',
      invoiceDate: '2024-03-15',
      dueDate: '2024-04-14',
      amount: '12500.00',
      taxAmount: '0.00',
      currency: 'USD',
      status: 'open',
    });
  });

  it('reports each kind of cell error with the column and the value as written', () => {
    const v = validator('invoices', INVOICE_HEADERS);
    const { record, issues } = v.checkRow({
      rowNumber: 3,
      values: ['QB-2', 'credit', '', 'X'.repeat(65), '2024-02-30', null, '12abc', '-1', 'dollars', 'open'],
    });
    expect(codes(issues)).toEqual(['ENUM:kind', 'REQUIRED:number', 'LENGTH:vendorCode', 'TYPE:invoiceDate', 'TYPE:amount', 'RANGE:taxAmount', 'PATTERN:currency']);
    expect(issues[0]).toEqual({
      rowNumber: 3,
      column: 'Kind',
      field: 'kind',
      value: 'credit',
      code: 'ENUM',
      severity: 'error',
      message: 'Kind must be one of: payable, receivable',
    });
    expect(issues[3]).toMatchObject({ column: 'Date', value: '2024-02-30', message: expect.stringMatching(/^Invoice Date is not a valid date/) });
    expect(issues[6]!.message).toBe('Currency must be a three-letter ISO 4217 code such as USD');
    expect(record).toMatchObject({ kind: null, number: null, invoiceDate: null, amount: null, taxAmount: null, dueDate: null });
    expect(isFailed(issues)).toBe(true);
  });

  it('applies the cross-field rules of the catalog', () => {
    const v = validator('invoices', INVOICE_HEADERS);
    const dueEarly = v.checkRow({ rowNumber: 2, values: ['A', 'receivable', 'I-1', null, '2024-03-15', '2024-03-01', '100', '5', 'USD', null] });
    expect(dueEarly.issues).toEqual([
      { rowNumber: 2, column: 'Due', field: 'dueDate', value: '2024-03-01', code: 'RULE', severity: 'error', message: 'Due Date is before Invoice Date' },
    ]);
    const taxTooBig = v.checkRow({ rowNumber: 3, values: ['B', 'receivable', 'I-2', null, '2024-03-15', null, '100', '150', null, null] });
    expect(codes(taxTooBig.issues)).toEqual(['RULE:taxAmount']);
    // A payable without a vendor is only a warning: the row is not failed.
    const noVendor = v.checkRow({ rowNumber: 4, values: ['C', 'payable', 'I-3', '', '2024-03-15', '2024-03-15', '100', null, null, null] });
    expect(codes(noVendor.issues)).toEqual(['warning:RULE:kind']);
    expect(isFailed(noVendor.issues)).toBe(false);
    // A rule is skipped when one of its fields is empty or invalid.
    const invalidDate = v.checkRow({ rowNumber: 5, values: ['D', 'receivable', 'I-4', null, 'soon', '2024-03-01', '100', null, null, null] });
    expect(codes(invalidDate.issues)).toEqual(['TYPE:invoiceDate']);
  });

  it('checks schedule tasks: finish before start, progress range, milestone flags', () => {
    const v = validator('schedule_tasks', ['Task Ref', 'Task Name', 'Start', 'Finish', '% Complete', 'Milestone'], {});
    expect(v.mappingProblems.map((p) => p.code)).toEqual(['REQUIRED_UNMAPPED']);
    const tasks = validator('schedule_tasks', ['Origin ID', 'Task Name', 'Start', 'Finish', '% Complete', 'Milestone']);
    const backwards = tasks.checkRow({ rowNumber: 2, values: ['T-1', 'Pour slab', '05/03/2024', '05/01/2024', '120%', 'x'] });
    expect(codes(backwards.issues)).toEqual(['RANGE:percentComplete', 'RULE:finishDate']);
    expect(backwards.issues[1]!.message).toBe('Finish is before Start');
    const fine = tasks.checkRow({ rowNumber: 3, values: ['T-2', 'Cure', 45413, 45415, '0', 'no'] });
    expect(fine).toEqual({
      rowNumber: 3,
      issues: [],
      record: { originId: 'T-2', name: 'Cure', startDate: '2024-05-01', finishDate: '2024-05-03', percentComplete: '0', isMilestone: false },
    });
  });

  it('refuses a dependency of a task on itself', () => {
    const v = validator('task_dependencies', ['Predecessor', 'Successor', 'Type', 'Lag']);
    expect(codes(v.checkRow({ rowNumber: 2, values: ['T-1', 'T-1', 'fs', '0'] }).issues)).toEqual(['RULE:successorId']);
    expect(v.checkRow({ rowNumber: 3, values: ['T-1', 'T-2', 'ss', '-2'] })).toMatchObject({ issues: [], record: { type: 'SS', lagDays: '-2' } });
  });

  it('warns when a budget differs from quantity × unit cost', () => {
    const v = validator('budget_line_items', ['Cost Code', 'Qty', 'Unit Cost', 'Original Budget']);
    expect(v.checkRow({ rowNumber: 2, values: ['03-30-00', '420', '185.00', '77,700.00'] }).issues).toEqual([]);
    const off = v.checkRow({ rowNumber: 3, values: ['03-30-00', '420', '185.00', '80,000.00'] });
    expect(off.issues).toEqual([
      expect.objectContaining({ code: 'RULE', severity: 'warning', field: 'originalAmount', column: 'Original Budget', value: '80,000.00', message: 'Original Budget differs from Quantity × Unit Cost by more than 1%' }),
    ]);
    expect(isFailed(off.issues)).toBe(false);
  });

  it('finds duplicates within the file, case-insensitively, naming the first row', () => {
    const v = validator('vendors', ['Origin ID', 'Vendor Code', 'Name']);
    expect(v.checkRow({ rowNumber: 2, values: ['QB-1', 'ACME', 'Acme'] }).issues).toEqual([]);
    expect(v.checkRow({ rowNumber: 3, values: ['QB-2', 'BOLT', 'Bolt'] }).issues).toEqual([]);
    const again = v.checkRow({ rowNumber: 4, values: ['qb-1', 'acme', 'Acme again'] });
    expect(again.issues).toEqual([
      { rowNumber: 4, column: 'Origin ID', field: 'originId', value: 'qb-1', code: 'DUPLICATE_IN_FILE', severity: 'error', message: 'Origin ID "qb-1" is already used in row 2 of this file' },
      { rowNumber: 4, column: 'Vendor Code', field: 'code', value: 'acme', code: 'DUPLICATE_IN_FILE', severity: 'error', message: 'Vendor Code "acme" is already used in row 2 of this file' },
    ]);
    // Empty values are never duplicates.
    expect(codes(v.checkRow({ rowNumber: 5, values: [null, 'CRANE', 'Crane'] }).issues)).toEqual([]);
    expect(codes(v.checkRow({ rowNumber: 6, values: ['', 'DIG', 'Dig'] }).issues)).toEqual([]);
  });

  it('tracks no in-file duplicates of fields the caller makes unique itself', () => {
    const v = validator('vendors', ['Origin ID', 'Vendor Code', 'Name'], { uniqueByConstruction: ['originId'] });
    expect(v.checkRow({ rowNumber: 2, values: ['import:1:2', 'ACME', 'Acme'] }).issues).toEqual([]);
    expect(codes(v.checkRow({ rowNumber: 3, values: ['import:1:2', 'acme', 'Acme'] }).issues)).toEqual(['DUPLICATE_IN_FILE:code']);
  });

  it('names the first row of a duplicate with non-ASCII text, compared after Unicode normalisation', () => {
    const v = validator('vendors', ['Origin ID', 'Vendor Code', 'Name']);
    expect(v.checkRow({ rowNumber: 2, values: ['QB-1', 'CAF\u00c9', 'Café'] }).issues).toEqual([]);
    expect(v.checkRow({ rowNumber: 7, values: ['QB-2', 'cafe\u0301', 'Café bis'] }).issues).toEqual([
      expect.objectContaining({ code: 'DUPLICATE_IN_FILE', field: 'code', message: 'Vendor Code "cafe\u0301" is already used in row 2 of this file' }),
    ]);
  });

  it('pads short rows with empty cells and ignores cells beyond the header', () => {
    const v = validator('contacts', ['Last Name', 'First Name', 'Email']);
    expect(v.checkRow({ rowNumber: 2, values: ['Lopez'] })).toEqual({ rowNumber: 2, issues: [], record: { lastName: 'Lopez', firstName: null, email: null } });
    expect(codes(v.checkRow({ rowNumber: 3, values: [] }).issues)).toEqual(['REQUIRED:lastName']);
    expect(v.checkRow({ rowNumber: 4, values: ['Lopez', 'Maria', 'maria@acme.com', 'stray', 42] })).toMatchObject({ issues: [], record: { email: 'maria@acme.com' } });
  });

  it('fails every row when a required field has no column', () => {
    const v = validator('invoices', ['Invoice #', 'Date', 'Total']);
    expect(v.mappingProblems).toEqual([expect.objectContaining({ code: 'REQUIRED_UNMAPPED', field: 'kind' })]);
    const { issues } = v.checkRow({ rowNumber: 2, values: ['I-1', '2024-03-15', '10'] });
    expect(issues).toEqual([
      { rowNumber: 2, column: '', field: 'kind', value: '', code: 'UNMAPPED_REQUIRED', severity: 'error', message: 'Kind is required but no column is mapped to it' },
    ]);
  });

  it('refuses an unusable mapping up front', () => {
    const entity = ENTITIES.vendors;
    expect(() => new RowValidator(entity, ['Code', 'Name'], { Code: 'code', Name: 'fullName' })).toThrow(/not a field of vendor records/);
    expect(() => new RowValidator(entity, ['Code', 'Name'], { Code: 'code', Name: 'code' })).toThrow(/mapped from several columns/);
    expect(() => new RowValidator(entity, ['Code', 'Name'], { Code: 'code', Label: 'name' })).toThrow(/no column "Label"/);
    // A repeated header is only a warning: the first column is read.
    const v = new RowValidator(entity, ['Code', 'Name', 'Name'], { Code: 'code', Name: 'name' });
    expect(v.mappingProblems.map((p) => p.code)).toEqual(['DUPLICATE_HEADER']);
    expect(v.checkRow({ rowNumber: 2, values: ['A', 'First', 'Second'] }).record).toEqual({ code: 'A', name: 'First' });
  });

  it('reads slash dates day first when asked and cuts long values in issues', () => {
    const v = validator('payments', ['Invoice', 'Date', 'Amount', 'Reference'], { dateOrder: 'DMY' });
    const row = v.checkRow({ rowNumber: 2, values: ['I-1', '04/03/2024', '10', 'R'.repeat(500)] });
    expect(row.record['paymentDate']).toBe('2024-03-04');
    expect(row.issues[0]).toMatchObject({ code: 'LENGTH', field: 'reference' });
    expect(row.issues[0]!.value).toHaveLength(200);
    expect(row.issues[0]!.value.endsWith('…')).toBe(true);
  });
});

describe('RowValidator.checkBatch', () => {
  it('checks references with one lookup per field per batch', async () => {
    const lookup = new FakeLookup({ 'schedule_tasks.originId': [['T-1', 'T-1'], ['T-2', 'T-2']] });
    const v = validator('task_dependencies', ['Predecessor', 'Successor'], { lookup });
    const rows = [
      v.checkRow({ rowNumber: 2, values: ['T-1', 'T-2'] }),
      v.checkRow({ rowNumber: 3, values: ['t-2', 'T-9'] }),
      v.checkRow({ rowNumber: 4, values: ['T-1', 'T-9'] }),
      v.checkRow({ rowNumber: 5, values: ['T-8', null] }),
    ];
    await v.checkBatch(rows);
    expect(lookup.calls).toEqual([
      { kind: 'existing', target: 'schedule_tasks.originId', values: ['T-1', 't-2', 'T-8'] },
      { kind: 'existing', target: 'schedule_tasks.originId', values: ['T-2', 'T-9'] },
    ]);
    expect(rows.map((r) => codes(r.issues))).toEqual([[], ['REFERENCE:successorId'], ['REFERENCE:successorId'], ['REQUIRED:successorId', 'REFERENCE:predecessorId']]);
    expect(rows[1]!.issues[0]).toEqual({
      rowNumber: 3,
      column: 'Successor',
      field: 'successorId',
      value: 'T-9',
      code: 'REFERENCE',
      severity: 'error',
      message: 'Successor ID "T-9" does not match any schedule task',
    });
  });

  it('asks about a reference found to exist only once; one not found is asked again', async () => {
    const lookup = new FakeLookup({ 'schedule_tasks.originId': [['T-1', 'T-1'], ['T-2', 'T-2']] });
    const v = validator('task_dependencies', ['Predecessor', 'Successor'], { lookup });
    const first = [v.checkRow({ rowNumber: 2, values: ['T-1', 'T-9'] })];
    await v.checkBatch(first);
    const second = [v.checkRow({ rowNumber: 3, values: ['t-1', 'T-9'] }), v.checkRow({ rowNumber: 4, values: ['T-9', 'T-2'] })];
    await v.checkBatch(second);
    expect(lookup.calls).toEqual([
      { kind: 'existing', target: 'schedule_tasks.originId', values: ['T-1'] },
      { kind: 'existing', target: 'schedule_tasks.originId', values: ['T-9'] },
      // T-1 is known by now (in any case); T-9 was not found, so it is asked again.
      { kind: 'existing', target: 'schedule_tasks.originId', values: ['T-9'] },
      { kind: 'existing', target: 'schedule_tasks.originId', values: ['T-9', 'T-2'] },
    ]);
    expect([...first, ...second].map((r) => codes(r.issues))).toEqual([['REFERENCE:successorId'], ['REFERENCE:successorId'], ['REFERENCE:predecessorId']]);
  });

  it('counts values the caller knows will exist', async () => {
    const lookup = new FakeLookup({});
    const v = validator('task_dependencies', ['Predecessor', 'Successor'], { lookup, alsoExisting: new Map([['schedule_tasks.originId', new Set(['T-1', 'T-2'])]]) });
    const rows = [v.checkRow({ rowNumber: 2, values: ['T-1', 't-2'] }), v.checkRow({ rowNumber: 3, values: ['T-1', 'T-3'] })];
    await v.checkBatch(rows);
    expect(rows.map((r) => codes(r.issues))).toEqual([[], ['REFERENCE:successorId']]);
    // Known values are not looked up.
    expect(lookup.calls).toEqual([{ kind: 'existing', target: 'schedule_tasks.originId', values: ['T-3'] }]);
  });

  it('tells updates from conflicts for unique values already in the database', async () => {
    const lookup = new FakeLookup({
      'vendors.code': [['ACME', 'QB-1'], ['BOLT', null]],
      'vendors.originId': [['QB-1', 'QB-1']],
    });
    const v = validator('vendors', ['Origin ID', 'Vendor Code', 'Name'], { lookup });
    const rows = [
      v.checkRow({ rowNumber: 2, values: ['QB-1', 'acme', 'Acme renamed'] }),
      v.checkRow({ rowNumber: 3, values: ['QB-2', 'CRANE', 'Crane'] }),
      v.checkRow({ rowNumber: 4, values: ['QB-3', 'BOLT', 'Bolt'] }),
    ];
    await v.checkBatch(rows);
    expect(rows.map((r) => codes(r.issues))).toEqual([[], [], ['DUPLICATE_IN_DATABASE:code']]);
    expect(rows[2]!.issues[0]!.message).toBe('Vendor Code "BOLT" is already used by another vendor');

    const v2 = validator('vendors', ['Origin ID', 'Vendor Code', 'Name'], { lookup });
    const taken = [v2.checkRow({ rowNumber: 2, values: ['QB-9', 'ACME', 'Impostor'] })];
    await v2.checkBatch(taken);
    expect(taken[0]!.issues).toEqual([
      {
        rowNumber: 2,
        column: 'Vendor Code',
        field: 'code',
        value: 'ACME',
        code: 'DUPLICATE_IN_DATABASE',
        severity: 'error',
        message: 'Vendor Code "ACME" is already used by the vendor with Origin ID "QB-1"',
      },
    ]);
    // originId is the upsert key, never a conflict; only the unique code is looked up.
    expect(lookup.calls.filter((c) => c.target === 'vendors.originId')).toEqual([]);

    // Without an origin id the row would be a new record: the holder is a conflict.
    const v3 = validator('vendors', ['Vendor Code', 'Name'], { lookup });
    const anonymous = [v3.checkRow({ rowNumber: 2, values: ['ACME', 'Acme'] })];
    await v3.checkBatch(anonymous);
    expect(codes(anonymous[0]!.issues)).toEqual(['DUPLICATE_IN_DATABASE:code']);
  });

  it('can leave database uniqueness alone, and does nothing without a lookup', async () => {
    const lookup = new FakeLookup({ 'vendors.code': [['ACME', 'QB-1']] });
    const v = validator('vendors', ['Origin ID', 'Vendor Code', 'Name'], { lookup, uniqueAgainstDatabase: false });
    const rows = [v.checkRow({ rowNumber: 2, values: ['QB-9', 'ACME', 'Acme'] })];
    await v.checkBatch(rows);
    expect(rows[0]!.issues).toEqual([]);
    expect(lookup.calls).toEqual([]);

    const offline = validator('contacts', ['Last Name', 'Email', 'Vendor']);
    const more = [offline.checkRow({ rowNumber: 2, values: ['Lopez', 'm@acme.com', 'NOPE'] })];
    await offline.checkBatch(more);
    expect(more[0]!.issues).toEqual([]);
  });

  it.each([0, 20])('checks references and uniqueness together, in field order whatever answers first (delay %i ms)', async (delay) => {
    const lookup = new FakeLookup({ 'vendors.code': [['ACME-CON', 'V-1']], 'invoices.number': [['INV-7', 'QB-7']] }, delay);
    const v = validator('invoices', INVOICE_HEADERS, { lookup });
    const rows = [
      v.checkRow({ rowNumber: 2, values: ['QB-7', 'payable', 'INV-7', 'ACME-CON', '2024-03-15', null, '10', null, null, null] }),
      v.checkRow({ rowNumber: 3, values: ['QB-8', 'payable', 'INV-7', 'GHOST', '2024-03-15', null, '10', null, null, null] }),
    ];
    await v.checkBatch(rows);
    expect(rows.map((r) => codes(r.issues))).toEqual([[], ['DUPLICATE_IN_FILE:number', 'DUPLICATE_IN_DATABASE:number', 'REFERENCE:vendorCode']]);
    expect(lookup.calls.map((c) => [c.kind, c.target, c.values])).toEqual([
      ['owners', 'invoices.number', ['INV-7']],
      ['existing', 'vendors.code', ['ACME-CON', 'GHOST']],
    ]);
  });
});

describe('checkRowsInChunks', () => {
  it('streams rows in chunks, checking each chunk with batched lookups', async () => {
    const lookup = new FakeLookup({ 'vendors.code': [['ACME', 'V-1']] });
    const v = validator('contacts', ['Last Name', 'Vendor'], { lookup });
    async function* rows(): AsyncGenerator<RowInput> {
      const vendors: CellValue[] = ['ACME', 'NOPE', 'ACME', null, 'ACME'];
      for (const [i, vendor] of vendors.entries()) yield { rowNumber: i + 2, values: [`Name ${i}`, vendor] };
    }
    const chunks = [];
    for await (const chunk of checkRowsInChunks(v, rows(), 2)) chunks.push(chunk.map((r) => [r.rowNumber, codes(r.issues)]));
    expect(chunks).toEqual([
      [
        [2, []],
        [3, ['REFERENCE:vendorCode']],
      ],
      [
        [4, []],
        [5, []],
      ],
      [[6, []]],
    ]);
    // ACME, found in the first chunk, is not asked about again.
    expect(lookup.calls.map((c) => c.values)).toEqual([['ACME', 'NOPE']]);
  });
});
