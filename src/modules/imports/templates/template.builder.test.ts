import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { ENTITIES, ENTITY_TYPES, type EntityDef, type FieldDef } from '../../records/index.js';
import { openParsedFile, type CellValue } from '../parsers/index.js';
import { coerceValue } from '../validation/value.coerce.js';
import { buildImportTemplate, templateFileName, VALIDATED_ROWS } from './template.builder.js';
import { TEMPLATE_DATE_MAX, TEMPLATE_DATE_MIN } from './template.describe.js';

async function load(buffer: Buffer): Promise<ExcelJS.Workbook> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(buffer as unknown as ArrayBuffer);
  return workbook;
}

function noteText(note: unknown): string {
  if (typeof note === 'string') return note;
  const texts = (note as { texts?: Array<{ text: string }> } | undefined)?.texts ?? [];
  return texts.map((t) => t.text).join('');
}

function expectedExample(field: FieldDef): unknown {
  switch (field.type) {
    case 'integer':
    case 'decimal':
    case 'money':
      return Number(field.example);
    case 'date':
      return new Date(`${field.example}T00:00:00Z`);
    default:
      return field.example;
  }
}

describe.each(ENTITY_TYPES)('import template of %s', (type) => {
  const entity = ENTITIES[type];

  it('CSV: BOM, the exact labels, one example row', async () => {
    const buffer = await buildImportTemplate(entity, 'csv');
    expect([...buffer.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = buffer.toString('utf8').slice(1);
    expect(text.endsWith('\r\n')).toBe(true);
    expect(text.split('\r\n')).toHaveLength(3);
    const parsed = Papa.parse<string[]>(text, { newline: '\r\n', skipEmptyLines: true });
    expect(parsed.errors).toEqual([]);
    expect(parsed.data).toEqual([entity.fields.map((f) => f.label), entity.fields.map((f) => f.example)]);
  });

  it('XLSX: properties, header, typed example row and column formats', async () => {
    const workbook = await load(await buildImportTemplate(entity, 'xlsx'));
    expect(workbook.creator).toBe('Trestle');
    expect(workbook.title).toBe(`${entity.label.charAt(0).toUpperCase()}${entity.label.slice(1)} import template`);
    expect(workbook.worksheets.map((s) => s.name).slice(0, 2)).toEqual(['Data', 'Fields']);

    const data = workbook.getWorksheet('Data')!;
    expect(data.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(data.rowCount).toBe(2);
    entity.fields.forEach((field, i) => {
      const head = data.getRow(1).getCell(i + 1);
      expect(head.value).toBe(field.label);
      expect(head.font?.bold).toBe(true);
      const fill = head.fill as ExcelJS.FillPattern;
      expect(fill.fgColor?.argb).toBe(field.required ? 'FFFCE4D6' : 'FFEDEDED');
      expect(noteText(head.note)).toMatch(field.required ? /^Required\. / : /^Optional\. /);
      expect(data.getColumn(i + 1).width).toBeGreaterThanOrEqual(field.label.length);

      const example = data.getRow(2).getCell(i + 1);
      expect(example.value, field.key).toEqual(expectedExample(field));
      if (field.type === 'money') expect(example.numFmt).toBe('#,##0.00');
      if (field.type === 'date') {
        expect(example.type).toBe(ExcelJS.ValueType.Date);
        expect(example.numFmt).toBe('yyyy-mm-dd');
      }
      if (field.type === 'string' || field.type === 'enum') expect(data.getColumn(i + 1).numFmt).toBe('@');
    });
  });

  it('XLSX: data validation on every constrained column, down to row 1001', async () => {
    const workbook = await load(await buildImportTemplate(entity, 'xlsx'));
    const data = workbook.getWorksheet('Data')!;
    entity.fields.forEach((field, i) => {
      const at = (row: number) => data.getRow(row).getCell(i + 1).dataValidation;
      const validation = at(2);
      expect(at(VALIDATED_ROWS + 1), `${field.key} at the last row`).toEqual(validation);
      expect(at(VALIDATED_ROWS + 2)).toBeUndefined();
      expect(at(1)).toBeUndefined();
      if (field.type === 'enum') {
        expect(validation).toMatchObject({ type: 'list', allowBlank: true, showErrorMessage: true, formulae: [`"${field.values!.join(',')}"`] });
        expect(validation.error).toContain(field.values!.join(', '));
      } else if (field.type === 'boolean') {
        expect(validation).toMatchObject({ type: 'list', formulae: ['"yes,no"'] });
      } else if (field.type === 'date') {
        expect(validation).toMatchObject({ type: 'date', operator: 'between', showErrorMessage: true, formulae: [new Date(`${TEMPLATE_DATE_MIN}T00:00:00Z`), new Date(`${TEMPLATE_DATE_MAX}T00:00:00Z`)] });
        expect(validation.error).toContain(TEMPLATE_DATE_MIN);
      } else if (field.type === 'decimal' || field.type === 'money' || field.type === 'integer') {
        expect(validation.type).toBe(field.type === 'integer' ? 'whole' : 'decimal');
        if (field.min !== undefined && field.max !== undefined) expect(validation).toMatchObject({ operator: 'between', formulae: [field.min, field.max] });
        else if (field.min !== undefined) expect(validation).toMatchObject({ operator: 'greaterThanOrEqual', formulae: [field.min] });
        else if (field.max !== undefined) expect(validation).toMatchObject({ operator: 'lessThanOrEqual', formulae: [field.max] });
      } else if (field.type === 'currency') {
        expect(validation).toMatchObject({ type: 'textLength', operator: 'equal', formulae: [3] });
      } else if (field.maxLength !== undefined) {
        expect(validation).toMatchObject({ type: 'textLength', operator: 'lessThanOrEqual', formulae: [field.maxLength] });
      } else {
        expect(validation).toBeUndefined();
      }
    });
  });

  it('XLSX: the Fields sheet documents every field', async () => {
    const workbook = await load(await buildImportTemplate(entity, 'xlsx'));
    const sheet = workbook.getWorksheet('Fields')!;
    const headers = (sheet.getRow(1).values as unknown[]).slice(1);
    expect(headers).toEqual(['Column', 'Key', 'Type', 'Required', 'Allowed values', 'Range / length', 'Format / pattern', 'Must match', 'Unique', 'Description', 'Example', 'Also accepted as header']);
    const col = (name: string) => headers.indexOf(name) + 1;
    entity.fields.forEach((field, i) => {
      const row = sheet.getRow(i + 2);
      const text = (name: string) => row.getCell(col(name)).text;
      expect(text('Column')).toBe(field.label);
      expect(text('Key')).toBe(field.key);
      expect(text('Type')).toContain(`(${field.type})`);
      expect(text('Required')).toBe(field.required ? 'yes' : 'no');
      expect(text('Description')).toBe(field.description);
      expect(text('Example')).toBe(field.example);
      if (field.values) expect(text('Allowed values')).toBe(field.values.join(', '));
      if (field.maxLength !== undefined) expect(text('Range / length')).toContain(`up to ${field.maxLength} characters`);
      if (field.min !== undefined) expect(text('Range / length')).toContain(String(field.min));
      if (field.pattern) expect(text('Format / pattern')).toContain(field.pattern.message);
      if (field.reference) expect(text('Must match')).toMatch(new RegExp(`^must match an existing ${ENTITIES[field.reference.entity].label} `));
      else expect(text('Must match')).toBe('');
      if (field.unique) expect(text('Unique')).toMatch(/^yes/);
    });
    const all = sheet.getSheetValues().flat().map(String);
    for (const rule of entity.rules ?? []) expect(all).toContain(rule.message);
  });

  it('reads back through the importer: exact headers, and an example every field accepts', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'trestle-template-'));
    try {
      for (const format of ['csv', 'xlsx'] as const) {
        const file = path.join(dir, templateFileName(entity, format));
        await writeFile(file, await buildImportTemplate(entity, format));
        const parsed = await openParsedFile(file);
        expect(parsed.headers).toEqual(entity.fields.map((f) => f.label));
        const rows: CellValue[][] = [];
        for await (const row of parsed.rows) rows.push(row.values);
        expect(rows).toHaveLength(1);
        entity.fields.forEach((field, i) => {
          const result = coerceValue(field, rows[0]![i] ?? null);
          expect(result, `${format} ${field.key}`).toMatchObject({ ok: true });
          expect(result.ok && 'warning' in result ? result.warning : undefined, `${format} ${field.key}`).toBeUndefined();
        });
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('long lists', () => {
  const many = Array.from({ length: 60 }, (_, i) => `division_${String(i).padStart(2, '0')}`);
  const entity: EntityDef = {
    ...ENTITIES.cost_codes,
    fields: [
      ...ENTITIES.cost_codes.fields,
      { key: 'division2', label: 'Division Code', type: 'enum', values: many, description: 'Long list.', example: 'division_03' },
      { key: 'commas', label: 'Commas', type: 'enum', values: ['a, b', 'c'], description: 'Values with commas.', example: 'c' },
    ],
  };

  it('go to a hidden Lists sheet, referenced by range', async () => {
    const workbook = await load(await buildImportTemplate(entity, 'xlsx'));
    const lists = workbook.getWorksheet('Lists')!;
    expect(lists.state).toBe('hidden');
    expect(lists.getColumn(1).values.slice(1)).toEqual(many);
    expect(lists.getColumn(2).values.slice(1)).toEqual(['a, b', 'c']);
    const data = workbook.getWorksheet('Data')!;
    const n = entity.fields.length;
    expect(data.getRow(2).getCell(n - 1).dataValidation).toMatchObject({ type: 'list', formulae: ['Lists!$A$1:$A$60'] });
    expect(data.getRow(VALIDATED_ROWS + 1).getCell(n).dataValidation).toMatchObject({ type: 'list', formulae: ['Lists!$B$1:$B$2'] });
    // Short lists of the same entity stay inline.
    const costType = entity.fields.findIndex((f) => f.key === 'costType') + 1;
    expect(data.getRow(2).getCell(costType).dataValidation.formulae).toEqual(['"labor,material,equipment,subcontract,other"']);
  });
});

describe('templateFileName', () => {
  it('names the file after the entity type', () => {
    expect(templateFileName(ENTITIES.budget_line_items, 'xlsx')).toBe('budget-line-items-import-template.xlsx');
  });
});
