import type ExcelJS from 'exceljs';
import type { EntityDef, FieldDef } from '../../records/index.js';
import { allowedValues, describeField, FIELD_DOC_COLUMNS, rangeText, TEMPLATE_DATE_MAX, TEMPLATE_DATE_MIN } from './template.describe.js';

export type TemplateFormat = 'csv' | 'xlsx';

export const TEMPLATE_CONTENT_TYPES: Readonly<Record<TemplateFormat, string>> = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

/** Rows below the header that carry data validation: the example row and 999 more. */
export const VALIDATED_ROWS = 1000;
/** Excel refuses an inline list ("a,b,c") longer than 255 characters; longer lists go to the Lists sheet. */
const INLINE_LIST_MAX = 255;

const REQUIRED_FILL = 'FFFCE4D6';
const OPTIONAL_FILL = 'FFEDEDED';
const MONEY_FORMAT = '#,##0.00';
const DATE_FORMAT = 'yyyy-mm-dd';
const TEXT_FORMAT = '@';

/** "cost_codes" → "cost-codes-import-template.xlsx". */
export function templateFileName(entity: EntityDef, format: TemplateFormat): string {
  return `${entity.type.replaceAll('_', '-')}-import-template.${format}`;
}

/**
 * The import template of an entity, whole, as a Buffer: templates are a few kilobytes, and a
 * Buffer is what an HTTP response or a file store takes (and what a test inspects).
 *
 * Headers are the catalog labels exactly, with no "*" or other marks, so an uploaded template
 * maps column to field without guessing; which columns are required is shown by the XLSX
 * header colour and notes and its Fields sheet (the CSV has no room for it).
 */
export async function buildImportTemplate(entity: EntityDef, format: TemplateFormat): Promise<Buffer> {
  return format === 'csv' ? csvTemplate(entity) : xlsxTemplate(entity);
}

// ---------------------------------------------------------------- CSV

function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * UTF-8 with a byte-order mark (Excel reads accents right only with it), CRLF, the header and
 * the example row. Examples are written verbatim, not neutralised like exported text: they are
 * the catalog's own words, and the importer reads a leading apostrophe as part of the value.
 */
function csvTemplate(entity: EntityDef): Buffer {
  const header = entity.fields.map((f) => csvField(f.label)).join(',');
  const example = entity.fields.map((f) => csvField(f.example)).join(',');
  return Buffer.from(`\uFEFF${header}\r\n${example}\r\n`, 'utf8');
}

// ---------------------------------------------------------------- XLSX

/** exceljs keeps a sheet's validations by address (a cell or a range); not in its typings. */
interface DataValidations {
  add(address: string, validation: ExcelJS.DataValidation): void;
}

function validationsOf(sheet: ExcelJS.Worksheet): DataValidations {
  return (sheet as unknown as { dataValidations: DataValidations }).dataValidations;
}

/** Excel's limits: titles 32 characters, messages 255. */
function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function utcDate(iso: string): Date {
  return new Date(`${iso}T00:00:00Z`);
}

/** The example as a typed cell: numbers as numbers, dates as dates, the rest as text. */
function exampleCell(field: FieldDef): string | number | Date {
  switch (field.type) {
    case 'integer':
    case 'decimal':
    case 'money': {
      const n = Number(field.example);
      return field.example.trim() !== '' && Number.isFinite(n) ? n : field.example;
    }
    case 'date':
      return /^\d{4}-\d{2}-\d{2}$/.test(field.example) ? utcDate(field.example) : field.example;
    case 'boolean':
      return /^(?:yes|true|y|1)$/i.test(field.example.trim()) ? 'yes' : 'no';
    default:
      return field.example;
  }
}

function columnFormat(field: FieldDef): string | undefined {
  switch (field.type) {
    case 'money':
      return MONEY_FORMAT;
    case 'integer':
      return '0';
    case 'date':
      return DATE_FORMAT;
    case 'decimal':
      return undefined;
    default:
      // Text columns stay text: Excel would turn 03-30-00 or 1.2.3 into dates and drop the
      // leading zeros of 00123.
      return TEXT_FORMAT;
  }
}

function numberValidation(field: FieldDef): ExcelJS.DataValidation {
  const type = field.type === 'integer' ? 'whole' : 'decimal';
  const what = field.type === 'integer' ? 'a whole number' : field.type === 'money' ? 'an amount' : 'a number';
  const range = rangeText(field);
  const common = { type, allowBlank: true, showErrorMessage: true, errorStyle: 'stop', errorTitle: clip(`Not ${what}`, 32), error: clip(`${field.label} must be ${what}${range ? `, ${range}` : ''}.`, 255) } as const;
  const { min, max } = field;
  if (min !== undefined && max !== undefined) return { ...common, operator: 'between', formulae: [min, max] };
  if (min !== undefined) return { ...common, operator: 'greaterThanOrEqual', formulae: [min] };
  if (max !== undefined) return { ...common, operator: 'lessThanOrEqual', formulae: [max] };
  // No bounds: still refuse text typed into a number column.
  return { ...common, operator: 'between', formulae: [-1e15, 1e15] };
}

/**
 * The validation of a column, if any. Blank cells are always allowed: required-ness is checked
 * on import (Excel validates only what is typed).
 */
function validationFor(field: FieldDef, listRange: string | undefined): ExcelJS.DataValidation | undefined {
  const values = allowedValues(field);
  if (values) {
    const shown = values.join(', ');
    return {
      type: 'list',
      allowBlank: true,
      formulae: [listRange ?? `"${values.join(',')}"`],
      showErrorMessage: true,
      errorStyle: 'stop',
      errorTitle: clip(`Not a valid ${field.label}`, 32),
      error: clip(`${field.label} must be one of: ${shown}.`, 255),
    };
  }
  switch (field.type) {
    case 'date':
      return {
        type: 'date',
        operator: 'between',
        allowBlank: true,
        formulae: [utcDate(TEMPLATE_DATE_MIN), utcDate(TEMPLATE_DATE_MAX)],
        showErrorMessage: true,
        errorStyle: 'stop',
        errorTitle: 'Not a date',
        error: clip(`${field.label} must be a date between ${TEMPLATE_DATE_MIN} and ${TEMPLATE_DATE_MAX}, e.g. ${field.example}.`, 255),
      };
    case 'integer':
    case 'decimal':
    case 'money':
      return numberValidation(field);
    case 'currency':
      return { type: 'textLength', operator: 'equal', allowBlank: true, formulae: [3], showErrorMessage: true, errorStyle: 'stop', errorTitle: 'Not a currency code', error: clip(`${field.label} ${field.pattern?.message ?? 'must be a three-letter currency code such as USD'}.`, 255) };
    default:
      break;
  }
  if (field.maxLength !== undefined) {
    return {
      type: 'textLength',
      operator: 'lessThanOrEqual',
      allowBlank: true,
      formulae: [field.maxLength],
      showErrorMessage: true,
      errorStyle: 'stop',
      errorTitle: 'Too long',
      error: clip(`${field.label} takes up to ${field.maxLength} characters.`, 255),
    };
  }
  return undefined;
}

/** A list goes to the Lists sheet when Excel could not take it inline. */
function needsListSheet(values: readonly string[]): boolean {
  return `"${values.join(',')}"`.length > INLINE_LIST_MAX || values.some((v) => v.includes(',') || v.includes('"'));
}

function columnLetter(n: number): string {
  let s = '';
  for (let c = n; c > 0; c = Math.floor((c - 1) / 26)) s = String.fromCharCode(65 + ((c - 1) % 26)) + s;
  return s;
}

function headerNote(field: FieldDef): string {
  const rules = [rangeText(field), allowedValues(field) ? `one of: ${allowedValues(field)!.join(', ')}` : ''].filter(Boolean).join('; ');
  return `${field.required ? 'Required.' : 'Optional.'} ${field.description}${rules ? `\n(${rules})` : ''}`;
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

async function xlsxTemplate(entity: EntityDef): Promise<Buffer> {
  // Loaded on the first XLSX template: exceljs and its dependencies add some 35 MB to a
  // process's resident memory, which every worker and server process would otherwise carry
  // (bench:import's peak RSS goal counts it).
  const { default: Excel } = await import('exceljs');
  const workbook = new Excel.Workbook();
  workbook.creator = 'Trestle';
  workbook.lastModifiedBy = 'Trestle';
  workbook.title = `${capitalised(entity.label)} import template`;
  workbook.subject = `Import of ${entity.type}`;
  workbook.created = new Date();
  workbook.modified = workbook.created;

  const data = workbook.addWorksheet('Data', { views: [{ state: 'frozen', xSplit: 0, ySplit: 1 }] });
  const fields = workbook.addWorksheet('Fields', { views: [{ state: 'frozen', xSplit: 0, ySplit: 1 }] });

  // Long lists: one column of the hidden Lists sheet each.
  const listRanges = new Map<string, string>();
  let lists: ExcelJS.Worksheet | undefined;
  for (const field of entity.fields) {
    const values = allowedValues(field);
    if (!values || !needsListSheet(values)) continue;
    lists ??= workbook.addWorksheet('Lists', { state: 'hidden' });
    const column = listRanges.size + 1;
    values.forEach((v, i) => {
      lists!.getCell(i + 1, column).value = v;
    });
    const letter = columnLetter(column);
    listRanges.set(field.key, `Lists!$${letter}$1:$${letter}$${values.length}`);
  }

  const header = data.getRow(1);
  const example = data.getRow(2);
  entity.fields.forEach((field, i) => {
    const column = data.getColumn(i + 1);
    const numFmt = columnFormat(field);
    if (numFmt) column.numFmt = numFmt;
    const exampleValue = exampleCell(field);
    const exampleWidth = exampleValue instanceof Date ? 10 : String(exampleValue).length;
    column.width = Math.min(50, Math.max(10, field.label.length + 4, exampleWidth + 2));

    const cell = header.getCell(i + 1);
    cell.value = field.label;
    cell.numFmt = 'General';
    cell.font = { bold: true };
    cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: field.required ? REQUIRED_FILL : OPTIONAL_FILL } };
    cell.alignment = { vertical: 'middle' };
    cell.note = headerNote(field);

    example.getCell(i + 1).value = exampleValue;

    const validation = validationFor(field, listRanges.get(field.key));
    if (validation) {
      const letter = columnLetter(i + 1);
      validationsOf(data).add(`${letter}2:${letter}${VALIDATED_ROWS + 1}`, validation);
    }
  });

  fields.columns = FIELD_DOC_COLUMNS.map((c) => ({ header: c.header, key: c.key, width: c.width }));
  fields.getRow(1).font = { bold: true };
  for (const field of entity.fields) {
    const row = fields.addRow(describeField(entity, field));
    row.alignment = { vertical: 'top', wrapText: true };
    if (field.required) row.getCell(1).font = { bold: true };
  }
  fields.addRow([]);
  const notes = [
    'Row 2 of the Data sheet is an example: replace it or delete it before importing.',
    'Required columns have an orange header; hover a header for what it takes.',
    ...(entity.projectScoped ? [`${capitalised(entity.label)} records belong to a project: you choose the project when you upload the file.`] : []),
  ];
  fields.addRow(['Notes']).font = { bold: true };
  for (const note of notes) fields.addRow([note]);
  if (entity.rules?.length) {
    fields.addRow([]);
    fields.addRow(['Checks across columns', 'Severity']).font = { bold: true };
    for (const rule of entity.rules) fields.addRow([rule.message, rule.severity]);
  }

  return Buffer.from(await workbook.xlsx.writeBuffer());
}
