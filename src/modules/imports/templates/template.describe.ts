import { ENTITIES, type EntityDef, type FieldDef, type FieldType } from '../../records/index.js';

/** Earliest and latest dates the templates accept, ISO. */
export const TEMPLATE_DATE_MIN = '1901-01-01';
export const TEMPLATE_DATE_MAX = '2100-12-31';

const TYPE_NAMES: Readonly<Record<FieldType, string>> = {
  string: 'text',
  text: 'long text',
  integer: 'whole number',
  decimal: 'number',
  money: 'amount',
  date: 'date',
  boolean: 'yes/no',
  enum: 'one of a list',
  email: 'e-mail address',
  currency: 'currency code',
};

/** The field's type in words, with the catalog's name for it: "amount (money)". */
export function typeText(field: FieldDef): string {
  return `${TYPE_NAMES[field.type]} (${field.type})`;
}

/** The allowed values, as they are accepted. */
export function allowedValues(field: FieldDef): readonly string[] | undefined {
  if (field.type === 'boolean') return ['yes', 'no'];
  return field.type === 'enum' ? field.values : undefined;
}

/** Bounds and length in words: "0 to 100", "at least 0.01", "up to 64 characters". */
export function rangeText(field: FieldDef): string {
  const { min, max } = field;
  const parts: string[] = [];
  if (min !== undefined && max !== undefined) parts.push(`${min} to ${max}`);
  else if (min !== undefined) parts.push(`at least ${min}`);
  else if (max !== undefined) parts.push(`at most ${max}`);
  if (field.type === 'date') parts.push(`${TEMPLATE_DATE_MIN} to ${TEMPLATE_DATE_MAX}`);
  if (field.maxLength !== undefined) parts.push(`up to ${field.maxLength} characters`);
  return parts.join('; ');
}

/** How a value is written: date layout, decimals, or the field's pattern in words. */
export function formatText(field: FieldDef): string {
  const parts: string[] = [];
  switch (field.type) {
    case 'date':
      parts.push('yyyy-mm-dd (a date cell in Excel)');
      break;
    case 'money':
      parts.push('number with up to 2 decimals, no currency sign needed');
      break;
    case 'integer':
      parts.push('whole number');
      break;
    case 'boolean':
      parts.push('yes or no');
      break;
    case 'enum':
      parts.push('one of the allowed values (any letter case)');
      break;
    case 'email':
      parts.push('name@example.com');
      break;
    default:
      break;
  }
  if (field.pattern) parts.push(`${field.pattern.message} (pattern ${field.pattern.regex.source})`);
  return parts.join('; ');
}

/** "must match an existing cost code (its Cost Code)" for a field naming another record. */
export function referenceText(field: FieldDef): string {
  if (!field.reference) return '';
  const target = ENTITIES[field.reference.entity];
  const targetField = target.fields.find((f) => f.key === field.reference!.field);
  return `must match an existing ${target.label} (its ${targetField?.label ?? field.reference.field})`;
}

export interface FieldDoc {
  label: string;
  key: string;
  type: string;
  required: 'yes' | 'no';
  allowedValues: string;
  range: string;
  format: string;
  reference: string;
  unique: string;
  description: string;
  example: string;
  aliases: string;
}

/** Columns of the Fields sheet, in order, with their headers. */
export const FIELD_DOC_COLUMNS: ReadonlyArray<{ key: keyof FieldDoc; header: string; width: number }> = [
  { key: 'label', header: 'Column', width: 20 },
  { key: 'key', header: 'Key', width: 16 },
  { key: 'type', header: 'Type', width: 22 },
  { key: 'required', header: 'Required', width: 10 },
  { key: 'allowedValues', header: 'Allowed values', width: 28 },
  { key: 'range', header: 'Range / length', width: 26 },
  { key: 'format', header: 'Format / pattern', width: 36 },
  { key: 'reference', header: 'Must match', width: 34 },
  { key: 'unique', header: 'Unique', width: 22 },
  { key: 'description', header: 'Description', width: 60 },
  { key: 'example', header: 'Example', width: 22 },
  { key: 'aliases', header: 'Also accepted as header', width: 36 },
];

/** Everything a person needs to fill one column in, as text. */
export function describeField(entity: EntityDef, field: FieldDef): FieldDoc {
  return {
    label: field.label,
    key: field.key,
    type: typeText(field),
    required: field.required ? 'yes' : 'no',
    allowedValues: allowedValues(field)?.join(', ') ?? '',
    range: rangeText(field),
    format: formatText(field),
    reference: referenceText(field),
    unique: field.unique ? `yes: one ${entity.label} per value${entity.projectScoped ? ' in the project' : ''}, once per file` : '',
    description: field.description,
    example: field.example,
    aliases: field.aliases?.join(', ') ?? '',
  };
}
