/**
 * The platform records that imports, exports and connectors read and write, described once.
 * The catalog drives import templates, header mapping, validation, export field definitions
 * and the GraphQL documentation of each field; the drizzle tables (records/*.table.ts) carry
 * the same fields as columns.
 */

export const ENTITY_TYPES = [
  'vendors',
  'cost_codes',
  'budget_line_items',
  'invoices',
  'payments',
  'schedule_tasks',
  'task_dependencies',
  'schedule_calendars',
  'schedule_resources',
  'schedule_assignments',
  'contacts',
] as const;
export type EntityType = (typeof ENTITY_TYPES)[number];

export type FieldType = 'string' | 'text' | 'integer' | 'decimal' | 'money' | 'date' | 'boolean' | 'enum' | 'email' | 'currency';

export interface FieldDef {
  /** camelCase name: the GraphQL field, the mapping target, the export column key. */
  key: string;
  /** Header of templates and exports. */
  label: string;
  type: FieldType;
  required?: boolean;
  description: string;
  /** A realistic value for the template's example row. */
  example: string;
  /** Other headers people use for this field (matched case- and punctuation-insensitively). */
  aliases?: readonly string[];
  /** For `enum`: the allowed values (matched case-insensitively on import). */
  values?: readonly string[];
  /** Numeric bounds for integer/decimal/money. */
  min?: number;
  max?: number;
  /** Longest text accepted. */
  maxLength?: number;
  pattern?: { regex: RegExp; message: string };
  /** Unique within the organization (or the project, for project records) and within a file. */
  unique?: boolean;
  /** The value names another record by its code or origin id; it must exist. */
  reference?: { entity: EntityType; field: string };
}

export interface CrossFieldRule {
  fields: readonly string[];
  message: string;
  severity: 'error' | 'warning';
  /** True when the row is fine; only called when every field in `fields` has a value. */
  check(row: Readonly<Record<string, unknown>>): boolean;
}

export interface EntityDef {
  type: EntityType;
  /** Singular, for messages: "vendor". */
  label: string;
  /** Records of a project (imports name the project) or of the whole organization. */
  projectScoped: boolean;
  fields: readonly FieldDef[];
  rules?: readonly CrossFieldRule[];
}

const originId: FieldDef = {
  key: 'originId',
  label: 'Origin ID',
  type: 'string',
  description: 'Identifier of the record in the system it comes from; re-importing the same origin ID updates the record instead of adding one.',
  example: 'QB-1001',
  aliases: ['external id', 'source id', 'id', 'record id', 'erp id'],
  maxLength: 100,
  unique: true,
};

const DURATION_UNIT = { regex: /^e?(m|h|d|w|mo|%)$/, message: 'must be m, h, d, w, mo or %, with e before it for elapsed time' };
const WORK_WEEK = { regex: /^(-|\d\d:\d\d-\d\d:\d\d(,\d\d:\d\d-\d\d:\d\d)*)(;(-|\d\d:\d\d-\d\d:\d\d(,\d\d:\d\d-\d\d:\d\d)*)){6}$/, message: 'must give seven days, Sunday first, separated by semicolons: - or ranges such as 08:00-12:00' };

const CURRENCY = { regex: /^[A-Z]{3}$/, message: 'must be a three-letter ISO 4217 code such as USD' };

export const ENTITIES: Readonly<Record<EntityType, EntityDef>> = {
  vendors: {
    type: 'vendors',
    label: 'vendor',
    projectScoped: false,
    fields: [
      originId,
      { key: 'code', label: 'Vendor Code', type: 'string', required: true, unique: true, maxLength: 64, description: 'Short code the organization uses for the vendor.', example: 'ACME-CON', aliases: ['vendor id', 'vendor number', 'supplier code', 'vendor no'] },
      { key: 'name', label: 'Name', type: 'string', required: true, maxLength: 255, description: 'Legal or trading name.', example: 'Acme Concrete LLC', aliases: ['vendor', 'vendor name', 'company', 'supplier', 'display name'] },
      { key: 'taxId', label: 'Tax ID', type: 'string', maxLength: 32, description: 'EIN, VAT or other tax identifier.', example: '12-3456789', aliases: ['ein', 'tin', 'vat number', 'tax number'] },
      { key: 'email', label: 'Email', type: 'email', maxLength: 320, description: 'Accounts contact e-mail.', example: 'ap@acmeconcrete.com', aliases: ['e-mail', 'email address'] },
      { key: 'phone', label: 'Phone', type: 'string', maxLength: 40, description: 'Main phone number.', example: '555-0100', aliases: ['telephone', 'phone number', 'tel'] },
      { key: 'paymentTerms', label: 'Payment Terms', type: 'enum', values: ['net_15', 'net_30', 'net_45', 'net_60', 'due_on_receipt'], description: 'Default terms of the vendor’s bills.', example: 'net_30', aliases: ['terms'] },
      { key: 'status', label: 'Status', type: 'enum', values: ['active', 'inactive'], description: 'Inactive vendors cannot receive new commitments.', example: 'active' },
    ],
  },
  cost_codes: {
    type: 'cost_codes',
    label: 'cost code',
    projectScoped: false,
    fields: [
      originId,
      { key: 'code', label: 'Cost Code', type: 'string', required: true, unique: true, maxLength: 32, pattern: { regex: /^[0-9A-Za-z][0-9A-Za-z.\- ]*$/, message: 'may contain letters, digits, dots, dashes and spaces' }, description: 'The code, often CSI MasterFormat (03-30-00).', example: '03-30-00', aliases: ['code', 'csi code', 'cost code number'] },
      { key: 'name', label: 'Name', type: 'string', required: true, maxLength: 255, description: 'What the code covers.', example: 'Cast-in-Place Concrete', aliases: ['description', 'cost code name', 'title'] },
      { key: 'division', label: 'Division', type: 'string', maxLength: 64, description: 'Grouping, such as the MasterFormat division.', example: '03 Concrete', aliases: ['csi division', 'group'] },
      { key: 'costType', label: 'Cost Type', type: 'enum', values: ['labor', 'material', 'equipment', 'subcontract', 'other'], description: 'Kind of cost booked to the code.', example: 'subcontract', aliases: ['type', 'category'] },
    ],
  },
  budget_line_items: {
    type: 'budget_line_items',
    label: 'budget line item',
    projectScoped: true,
    fields: [
      originId,
      { key: 'costCode', label: 'Cost Code', type: 'string', required: true, maxLength: 32, reference: { entity: 'cost_codes', field: 'code' }, description: 'Cost code of the line; it must exist.', example: '03-30-00', aliases: ['code', 'cost code number'] },
      { key: 'description', label: 'Description', type: 'string', maxLength: 255, description: 'What the line budgets.', example: 'Foundations and slabs', aliases: ['line description', 'item'] },
      { key: 'quantity', label: 'Quantity', type: 'decimal', min: 0, description: 'Budgeted quantity.', example: '420', aliases: ['qty'] },
      { key: 'unit', label: 'Unit', type: 'string', maxLength: 16, description: 'Unit of measure.', example: 'CY', aliases: ['uom', 'unit of measure'] },
      { key: 'unitCost', label: 'Unit Cost', type: 'money', min: 0, description: 'Cost per unit.', example: '185.00', aliases: ['rate', 'unit price'] },
      { key: 'originalAmount', label: 'Original Budget', type: 'money', required: true, description: 'Approved budget amount.', example: '77700.00', aliases: ['budget', 'amount', 'original amount', 'budget amount', 'original budget amount'] },
      { key: 'revisedAmount', label: 'Revised Budget', type: 'money', description: 'Budget after approved changes.', example: '80250.00', aliases: ['revised amount', 'current budget'] },
    ],
    rules: [
      {
        fields: ['quantity', 'unitCost', 'originalAmount'],
        severity: 'warning',
        message: 'Original Budget differs from Quantity × Unit Cost by more than 1%',
        check: (row) => {
          const expected = Number(row['quantity']) * Number(row['unitCost']);
          const actual = Number(row['originalAmount']);
          return expected === 0 ? actual === 0 : Math.abs(actual - expected) / Math.abs(expected) <= 0.01;
        },
      },
    ],
  },
  invoices: {
    type: 'invoices',
    label: 'invoice',
    projectScoped: true,
    fields: [
      originId,
      { key: 'kind', label: 'Kind', type: 'enum', required: true, values: ['payable', 'receivable'], description: 'payable: a vendor’s bill (AP); receivable: our invoice to the owner (AR).', example: 'payable', aliases: ['type', 'invoice type', 'ap/ar'] },
      { key: 'number', label: 'Invoice Number', type: 'string', required: true, unique: true, maxLength: 64, description: 'Invoice or bill number.', example: 'INV-2024-0042', aliases: ['invoice no', 'invoice #', 'bill number', 'doc number', 'number'] },
      { key: 'vendorCode', label: 'Vendor Code', type: 'string', maxLength: 64, reference: { entity: 'vendors', field: 'code' }, description: 'The vendor of a payable; it must exist.', example: 'ACME-CON', aliases: ['vendor', 'vendor id', 'supplier code'] },
      { key: 'invoiceDate', label: 'Invoice Date', type: 'date', required: true, description: 'Date of the invoice.', example: '2024-03-15', aliases: ['date', 'bill date', 'txn date'] },
      { key: 'dueDate', label: 'Due Date', type: 'date', description: 'Date payment is due.', example: '2024-04-14', aliases: ['due'] },
      { key: 'amount', label: 'Amount', type: 'money', required: true, description: 'Total including tax.', example: '12500.00', aliases: ['total', 'total amount', 'invoice amount'] },
      { key: 'taxAmount', label: 'Tax', type: 'money', min: 0, description: 'Tax included in the amount.', example: '0.00', aliases: ['tax amount', 'vat'] },
      { key: 'currency', label: 'Currency', type: 'currency', pattern: CURRENCY, description: 'ISO 4217 code.', example: 'USD', aliases: ['ccy', 'currency code'] },
      { key: 'status', label: 'Status', type: 'enum', values: ['draft', 'open', 'paid', 'void'], description: 'Where the invoice stands.', example: 'open' },
    ],
    rules: [
      { fields: ['invoiceDate', 'dueDate'], severity: 'error', message: 'Due Date is before Invoice Date', check: (row) => String(row['dueDate']) >= String(row['invoiceDate']) },
      { fields: ['amount', 'taxAmount'], severity: 'error', message: 'Tax is larger than Amount', check: (row) => Math.abs(Number(row['taxAmount'])) <= Math.abs(Number(row['amount'])) },
      { fields: ['kind'], severity: 'warning', message: 'A payable has no Vendor Code', check: (row) => row['kind'] !== 'payable' || Boolean(row['vendorCode']) },
    ],
  },
  payments: {
    type: 'payments',
    label: 'payment',
    projectScoped: true,
    fields: [
      originId,
      { key: 'invoiceNumber', label: 'Invoice Number', type: 'string', required: true, maxLength: 64, reference: { entity: 'invoices', field: 'number' }, description: 'The invoice paid; it must exist.', example: 'INV-2024-0042', aliases: ['invoice', 'invoice no', 'bill number'] },
      { key: 'paymentDate', label: 'Payment Date', type: 'date', required: true, description: 'Date of the payment.', example: '2024-04-10', aliases: ['date', 'paid on'] },
      { key: 'amount', label: 'Amount', type: 'money', required: true, min: 0.01, description: 'Amount paid.', example: '12500.00', aliases: ['payment amount', 'paid'] },
      { key: 'method', label: 'Method', type: 'enum', values: ['check', 'ach', 'wire', 'card', 'other'], description: 'How it was paid.', example: 'ach', aliases: ['payment method'] },
      { key: 'reference', label: 'Reference', type: 'string', maxLength: 100, description: 'Check number or transfer reference.', example: 'CHK 10233', aliases: ['ref', 'check number'] },
    ],
  },
  schedule_tasks: {
    type: 'schedule_tasks',
    label: 'schedule task',
    projectScoped: true,
    fields: [
      { ...originId, required: true, description: 'Task identifier in the scheduler (MS Project UID, P6 task code); dependencies refer to it.', example: 'T-100', aliases: [...(originId.aliases ?? []), 'unique id', 'uid', 'task id', 'activity id', 'task code'] },
      { key: 'wbs', label: 'WBS', type: 'string', maxLength: 64, description: 'Work breakdown structure code.', example: '1.2.3', aliases: ['wbs code', 'outline number'] },
      { key: 'name', label: 'Task Name', type: 'string', required: true, maxLength: 255, description: 'Name of the task.', example: 'Pour level 2 slab', aliases: ['name', 'activity name', 'task', 'activity'] },
      { key: 'startDate', label: 'Start', type: 'date', description: 'Planned start.', example: '2024-05-01', aliases: ['start date', 'planned start'] },
      { key: 'finishDate', label: 'Finish', type: 'date', description: 'Planned finish.', example: '2024-05-03', aliases: ['finish date', 'end', 'end date', 'planned finish'] },
      { key: 'durationDays', label: 'Duration (days)', type: 'decimal', min: 0, description: 'Working days.', example: '3', aliases: ['duration', 'original duration'] },
      { key: 'percentComplete', label: '% Complete', type: 'decimal', min: 0, max: 100, description: 'Progress, 0 to 100.', example: '0', aliases: ['percent complete', 'progress', 'pct complete'] },
      {
        key: 'percentCompleteType',
        label: '% Complete Type',
        type: 'enum',
        values: ['physical', 'duration', 'units'],
        description: 'What % Complete measures (P6’s percent complete type): physical (entered), duration (original against remaining duration) or units (actual against remaining resource units).',
        example: 'duration',
        aliases: ['percent complete type', 'complete type'],
      },
      { key: 'isMilestone', label: 'Milestone', type: 'boolean', description: 'yes for a milestone.', example: 'no', aliases: ['is milestone'] },
      { key: 'isSummary', label: 'Summary', type: 'boolean', description: 'yes for a summary task (a WBS node in P6) that rolls up the tasks below it.', example: 'no', aliases: ['is summary', 'summary task'] },
      { key: 'outlineLevel', label: 'Outline Level', type: 'integer', min: 0, max: 100, description: 'Depth in the outline: 1 for top-level tasks.', example: '2', aliases: ['level', 'indent'] },
      { key: 'sortOrder', label: 'Sort Order', type: 'integer', min: 0, description: 'Position of the task in the schedule (MS Project row ID).', example: '12', aliases: ['row', 'sequence', 'seq'] },
      { key: 'durationUnit', label: 'Duration Unit', type: 'string', maxLength: 4, pattern: DURATION_UNIT, description: 'Unit the scheduler shows the duration in: m, h, d, w, mo; e before it for elapsed time (ed), % for percent.', example: 'd' },
      { key: 'calendarId', label: 'Calendar ID', type: 'string', maxLength: 100, description: 'Origin ID of the task’s work calendar, when not the project’s.', example: 'CAL-1', aliases: ['calendar'] },
      { key: 'constraintType', label: 'Constraint Type', type: 'enum', values: ['asap', 'alap', 'snet', 'snlt', 'fnet', 'fnlt', 'mso', 'mfo'], description: 'Date constraint: as soon / late as possible, start or finish no earlier / later than, must start / finish on.', example: 'asap', aliases: ['constraint'] },
      { key: 'constraintDate', label: 'Constraint Date', type: 'date', description: 'Date of the constraint.', example: '2024-05-01' },
    ],
    rules: [{ fields: ['startDate', 'finishDate'], severity: 'error', message: 'Finish is before Start', check: (row) => String(row['finishDate']) >= String(row['startDate']) }],
  },
  task_dependencies: {
    type: 'task_dependencies',
    label: 'task dependency',
    projectScoped: true,
    fields: [
      { key: 'predecessorId', label: 'Predecessor ID', type: 'string', required: true, maxLength: 100, reference: { entity: 'schedule_tasks', field: 'originId' }, description: 'Origin ID of the task that comes first.', example: 'T-100', aliases: ['predecessor', 'from task'] },
      { key: 'successorId', label: 'Successor ID', type: 'string', required: true, maxLength: 100, reference: { entity: 'schedule_tasks', field: 'originId' }, description: 'Origin ID of the task that follows.', example: 'T-110', aliases: ['successor', 'to task'] },
      { key: 'type', label: 'Type', type: 'enum', values: ['FS', 'SS', 'FF', 'SF'], description: 'Finish-to-start, start-to-start, finish-to-finish or start-to-finish.', example: 'FS', aliases: ['link type', 'relationship'] },
      { key: 'lagDays', label: 'Lag (days)', type: 'decimal', min: -3650, max: 3650, description: 'Lag in working days; negative for lead.', example: '0', aliases: ['lag'] },
      { key: 'lagUnit', label: 'Lag Unit', type: 'string', maxLength: 4, pattern: DURATION_UNIT, description: 'Unit the scheduler shows the lag in (m, h, d, w, mo, e before it for elapsed, % for percent of the predecessor).', example: 'd', aliases: ['lag format'] },
    ],
    rules: [{ fields: ['predecessorId', 'successorId'], severity: 'error', message: 'A task cannot depend on itself', check: (row) => row['predecessorId'] !== row['successorId'] }],
  },
  schedule_calendars: {
    type: 'schedule_calendars',
    label: 'schedule calendar',
    projectScoped: true,
    fields: [
      { ...originId, required: true, description: 'Calendar identifier in the scheduler (MS Project calendar UID, P6 calendar id); tasks and resources refer to it.', example: 'CAL-1' },
      { key: 'name', label: 'Name', type: 'string', required: true, maxLength: 255, description: 'Name of the calendar.', example: 'Standard', aliases: ['calendar name'] },
      { key: 'baseCalendarId', label: 'Base Calendar ID', type: 'string', maxLength: 100, description: 'Origin ID of the calendar this one is derived from.', example: 'CAL-0', aliases: ['base calendar'] },
      { key: 'hoursPerDay', label: 'Hours per Day', type: 'decimal', min: 0, max: 24, description: 'Working hours in a day of this calendar.', example: '8', aliases: ['day hours'] },
      {
        key: 'workWeek',
        label: 'Work Week',
        type: 'text',
        maxLength: 1000,
        pattern: WORK_WEEK,
        description: 'Working times of each weekday, Sunday first, separated by semicolons: "-" for a day off, else ranges such as 08:00-12:00,13:00-17:00.',
        example: '-;08:00-12:00,13:00-17:00;08:00-12:00,13:00-17:00;08:00-12:00,13:00-17:00;08:00-12:00,13:00-17:00;08:00-12:00,13:00-17:00;-',
      },
    ],
  },
  schedule_resources: {
    type: 'schedule_resources',
    label: 'schedule resource',
    projectScoped: true,
    fields: [
      { ...originId, required: true, description: 'Resource identifier in the scheduler (MS Project resource UID, P6 resource id); assignments refer to it.', example: 'R-10' },
      { key: 'code', label: 'Resource Code', type: 'string', maxLength: 64, description: 'Short name or initials.', example: 'CARP', aliases: ['short name', 'initials', 'resource id'] },
      { key: 'name', label: 'Name', type: 'string', required: true, maxLength: 255, description: 'Name of the resource.', example: 'Carpenter crew', aliases: ['resource name', 'resource'] },
      { key: 'type', label: 'Type', type: 'enum', values: ['labor', 'nonlabor', 'material', 'cost'], description: 'labor (MS Project work), nonlabor (equipment), material or cost.', example: 'labor', aliases: ['resource type'] },
      { key: 'calendarId', label: 'Calendar ID', type: 'string', maxLength: 100, description: 'Origin ID of the resource’s calendar.', example: 'CAL-1', aliases: ['calendar'] },
      { key: 'maxUnits', label: 'Max Units', type: 'decimal', min: 0, description: 'Most units available at once (1 = one full-time person).', example: '1', aliases: ['max units', 'availability'] },
    ],
  },
  schedule_assignments: {
    type: 'schedule_assignments',
    label: 'schedule assignment',
    projectScoped: true,
    fields: [
      { ...originId, required: true, description: 'Assignment identifier in the scheduler (MS Project assignment UID, P6 assignment id).', example: 'A-100' },
      { key: 'taskId', label: 'Task ID', type: 'string', required: true, maxLength: 100, reference: { entity: 'schedule_tasks', field: 'originId' }, description: 'Origin ID of the task.', example: 'T-100', aliases: ['task', 'activity id'] },
      { key: 'resourceId', label: 'Resource ID', type: 'string', required: true, maxLength: 100, reference: { entity: 'schedule_resources', field: 'originId' }, description: 'Origin ID of the resource.', example: 'R-10', aliases: ['resource'] },
      { key: 'units', label: 'Units', type: 'decimal', min: 0, description: 'Units of the resource on the task (1 = full time).', example: '1', aliases: ['units per time'] },
      { key: 'workHours', label: 'Work (hours)', type: 'decimal', min: 0, description: 'Planned work in hours.', example: '24', aliases: ['work', 'planned units'] },
    ],
  },
  contacts: {
    type: 'contacts',
    label: 'contact',
    projectScoped: false,
    fields: [
      originId,
      { key: 'firstName', label: 'First Name', type: 'string', maxLength: 100, description: 'Given name.', example: 'Maria', aliases: ['first', 'given name'] },
      { key: 'lastName', label: 'Last Name', type: 'string', required: true, maxLength: 100, description: 'Family name.', example: 'Lopez', aliases: ['last', 'surname', 'family name'] },
      { key: 'email', label: 'Email', type: 'email', unique: true, maxLength: 320, description: 'Work e-mail.', example: 'maria.lopez@acmeconcrete.com', aliases: ['e-mail', 'email address'] },
      { key: 'phone', label: 'Phone', type: 'string', maxLength: 40, description: 'Work phone.', example: '555-0101', aliases: ['telephone', 'mobile'] },
      { key: 'company', label: 'Company', type: 'string', maxLength: 255, description: 'Company name.', example: 'Acme Concrete LLC', aliases: ['organization', 'employer'] },
      { key: 'vendorCode', label: 'Vendor Code', type: 'string', maxLength: 64, reference: { entity: 'vendors', field: 'code' }, description: 'The vendor the contact works for, if any; it must exist.', example: 'ACME-CON', aliases: ['vendor'] },
      { key: 'title', label: 'Title', type: 'string', maxLength: 100, description: 'Job title.', example: 'Project Manager', aliases: ['job title', 'role'] },
    ],
  },
};

export function entityDef(type: EntityType): EntityDef {
  return ENTITIES[type];
}

export function isEntityType(value: string): value is EntityType {
  return (ENTITY_TYPES as readonly string[]).includes(value);
}
