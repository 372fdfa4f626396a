import { escape } from 'mysql2';
import { describe, expect, test } from 'vitest';
import { SqlValues } from './sql-values.js';

/** What mysql2 would send for the same rows: its escape of each value, joined the usual way. */
function viaEscape(rows: unknown[][]): string {
  return rows.map((row) => `(${row.map((v) => escape(v as Parameters<typeof escape>[0])).join(',')})`).join(',');
}

function written(rows: unknown[][], initialBytes?: number): SqlValues {
  const values = new SqlValues(initialBytes);
  for (const row of rows) {
    values.startRow();
    for (const v of row) values.value(v);
    values.endRow();
  }
  return values;
}

const TRICKY = [
  '',
  'plain',
  "O'Brien",
  'say "hi"',
  'back\\slash',
  'nul\0byte',
  'line\nbreak\r\ttab\bbs',
  'ctrl-z \x1a end',
  'Müller & Søn',
  '東京 建設',
  'emoji 🏗️ crane',
  "mixed 'quote' and ünïcödé 🚧 \\ \n",
  ' padded ',
  'x'.repeat(5000),
];

describe('SqlValues', () => {
  test('writes every kind of value byte for byte as mysql2 escapes it', () => {
    const rows = [
      TRICKY,
      [1, -2, 3.25, 0, 1e21, 12345678901234567890n, true, false, null, undefined],
      [new Date(Date.UTC(2024, 1, 29, 12, 30)), Buffer.from([0, 255, 39])],
    ];
    const values = written(rows);
    expect(values.toString()).toBe(viaEscape(rows));
    expect(values.rows).toBe(3);
    expect(values.byteLength).toBe(Buffer.byteLength(viaEscape(rows)));
  });

  test('grows from a tiny buffer across many rows without losing a byte', () => {
    const rows = Array.from({ length: 2000 }, (_, i) => [i, TRICKY[i % TRICKY.length], i % 3 === 0 ? null : `v${i}`]);
    expect(written(rows, 16).toString()).toBe(viaEscape(rows));
  });

  test('raw text goes in as it is, comma-separated like any value', () => {
    const values = new SqlValues();
    values.startRow();
    values.value(7);
    values.raw('DEFAULT');
    values.raw('NULL');
    values.endRow();
    expect(values.toString()).toBe('(7,DEFAULT,NULL)');
  });

  test('no rows is empty text', () => {
    const values = new SqlValues();
    expect(values.toString()).toBe('');
    expect(values.rows).toBe(0);
  });

  test('refuses values outside a row and rows left open', () => {
    const values = new SqlValues();
    expect(() => values.value(1)).toThrow(/no row is open/);
    expect(() => values.endRow()).toThrow(/no row is open/);
    values.startRow();
    expect(() => values.startRow()).toThrow(/still open/);
    expect(() => values.toString()).toThrow(/still open/);
  });
});
