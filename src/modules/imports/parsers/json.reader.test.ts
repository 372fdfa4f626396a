import { describe, expect, it } from 'vitest';
import { openParsedFile } from './index.js';
import { allRows, allValues, rejection, useTempDir } from './parsers.test-support.js';

const tmp = useTempDir();

describe('JSON', () => {
  it('reads an array of objects: headers in order of first appearance, nested values as JSON text', async () => {
    const file = await tmp.file(
      'vendors.json',
      JSON.stringify([
        { id: 1, name: 'Acme', active: true },
        { id: 2, name: 'Beta "B" ]}', address: { city: 'Austin' }, tags: ['a', 'b'] },
        { name: null, id: 3 },
      ]),
    );
    const parsed = await openParsedFile(file);
    expect(parsed.format).toBe('json');
    expect(parsed.headerRowNumber).toBe(0);
    expect(parsed.headers).toEqual(['id', 'name', 'active', 'address', 'tags']);
    expect(await allRows(parsed)).toEqual([
      { rowNumber: 1, values: [1, 'Acme', true, null, null] },
      { rowNumber: 2, values: [2, 'Beta "B" ]}', null, '{"city":"Austin"}', '["a","b"]'] },
      { rowNumber: 3, values: [3, null, null, null, null] },
    ]);
  });

  it('reads records wrapped in an object, skipping other properties', async () => {
    const file = await tmp.file(
      'wrapped.json',
      '{ "meta": {"count": 2, "note": "[not] {this}"}, "version": 3, "records": [ {"a": 1}, {"a": 2, "b": "x"} ], "after": [{"ignored": true}] }',
    );
    const parsed = await openParsedFile(file);
    expect(parsed.headers).toEqual(['a', 'b']);
    expect(await allValues(parsed)).toEqual([
      [1, null],
      [2, 'x'],
    ]);
    expect(parsed.info.recordsKey).toBe('records');
  });

  it('streams records across chunk boundaries (a file much larger than one read)', async () => {
    const records = Array.from({ length: 20_000 }, (_, i) => ({ id: i, text: `line ${i} with "quotes" and \\ backslash`, n: { deep: [i] } }));
    const file = await tmp.file('big.json', JSON.stringify(records, null, 2));
    const parsed = await openParsedFile(file);
    let count = 0;
    for await (const row of parsed.rows) {
      expect(row.values[0]).toBe(count);
      count++;
    }
    expect(count).toBe(20_000);
  });

  it('appends keys first seen after the header sample', async () => {
    const records = [...Array.from({ length: 1005 }, (_, i) => ({ id: i })), { id: 2000, late: 'yes' }];
    const file = await tmp.file('late-key.json', JSON.stringify(records));
    const parsed = await openParsedFile(file);
    expect(parsed.headers).toEqual(['id']);
    const rows = await allValues(parsed);
    expect(rows.at(-1)).toEqual([2000, 'yes']);
    expect(parsed.headers).toEqual(['id', 'late']);
  });

  it('reports invalid JSON with the record number', async () => {
    const file = await tmp.file('invalid.json', '[{"a": 1}, {"a": 2,}, {"a": 3}]');
    expect((await rejection(openParsedFile(file).then(allRows))).details).toEqual({ reason: 'INVALID_JSON', rowNumber: 2 });
  });

  it('reports a record that is not an object, and a truncated document', async () => {
    const notObject = await tmp.file('numbers.json', '[{"a": 1}, 2]');
    expect((await rejection(openParsedFile(notObject))).details).toEqual({ reason: 'INVALID_JSON', rowNumber: 2 });
    const truncated = await tmp.file('truncated.json', '[{"a": 1}, {"a": 2}');
    expect((await rejection(openParsedFile(truncated))).details.reason).toBe('INVALID_JSON');
    const noArray = await tmp.file('no-array.json', '{\n  "a": 1,\n  "b": {"c": 2}\n}');
    expect((await rejection(openParsedFile(noArray))).details.reason).toBe('INVALID_JSON');
  });

  it('bounds a record by maxRecordBytes', async () => {
    const file = await tmp.file('large-record.json', JSON.stringify([{ a: 1 }, { blob: 'x'.repeat(200_000) }]));
    expect((await rejection(openParsedFile(file, { maxRecordBytes: 100_000 }))).details).toEqual({ reason: 'RECORD_TOO_LARGE', rowNumber: 2 });
  });

  it('reads an empty array as no headers and no rows', async () => {
    const file = await tmp.file('empty-array.json', ' [ ] ');
    const parsed = await openParsedFile(file);
    expect(parsed.headers).toEqual([]);
    expect(await allRows(parsed)).toEqual([]);
  });
});

describe('NDJSON', () => {
  it('reads one object per line, skipping blank lines, numbering rows by line', async () => {
    const file = await tmp.file('events.ndjson', '{"id":1,"kind":"a"}\r\n\n{"id":2,"extra":{"x":1}}\n{"id":3}');
    const parsed = await openParsedFile(file);
    expect(parsed.format).toBe('ndjson');
    expect(parsed.headers).toEqual(['id', 'kind', 'extra']);
    expect(await allRows(parsed)).toEqual([
      { rowNumber: 1, values: [1, 'a', null] },
      { rowNumber: 3, values: [2, null, '{"x":1}'] },
      { rowNumber: 4, values: [3, null, null] },
    ]);
  });

  it('is detected by content even when named .json', async () => {
    const file = await tmp.file('events.json', '{"id":1}\n{"id":2}\n');
    const parsed = await openParsedFile(file);
    expect(parsed.format).toBe('ndjson');
    expect(parsed.info.declaredFormat).toBe('json');
  });

  it('reports an invalid line with its number', async () => {
    const file = await tmp.file('bad.ndjson', '{"id":1}\n{"id":2}\n{"id":\n');
    expect((await rejection(openParsedFile(file).then(allRows))).details).toEqual({ reason: 'INVALID_JSON', rowNumber: 3 });
  });

  it('stops a line longer than maxRecordBytes without buffering it', async () => {
    const file = await tmp.file('long.ndjson', `{"id":1}\n{"blob":"${'x'.repeat(5 * 1024 * 1024)}"}\n{"id":3}\n`);
    expect((await rejection(openParsedFile(file).then(allRows))).details).toEqual({ reason: 'RECORD_TOO_LARGE', rowNumber: 2 });
  });
});
