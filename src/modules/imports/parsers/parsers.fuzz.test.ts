import { describe, expect, it } from 'vitest';
import { openParsedFile } from './index.js';
import { MAX_NESTING } from './parser.types.js';
import { allRows, minimalXlsxParts, rejection, sheetXml, useTempDir, writeZip } from './parsers.test-support.js';

/*
 * Hostile or broken files found by feeding the parsers generated input: each must end in a
 * ParseError with a reason (BAD_USER_INPUT for the caller), never a bare error (a 500).
 */

const tmp = useTempDir();
const DEEP = 100_000;

/** Opens the file and reads every row; the ParseError it fails with. */
async function failure(name: string, content: string | Buffer) {
  const file = await tmp.file(name, content);
  return rejection(openParsedFile(file, { declaredName: name }).then(allRows));
}

describe('parser fuzzing: deep nesting', () => {
  it(`XML nested ${DEEP} levels deep`, async () => {
    const error = await failure('deep.xml', `<r><a>${'<x>'.repeat(DEEP)}v${'</x>'.repeat(DEEP)}</a><a>1</a></r>`);
    expect(error.details).toEqual({ reason: 'NESTING_TOO_DEEP', rowNumber: 1 });
    expect(error.message).toBe(`Record 1 nests elements more than ${MAX_NESTING} levels deep`);
  });

  it('XML records nested just past the limit, after good ones', async () => {
    const deep = `<a>${'<x>'.repeat(MAX_NESTING + 2)}v${'</x>'.repeat(MAX_NESTING + 2)}</a>`;
    const error = await failure('deep2.xml', `<r><a><b>1</b></a><a><b>2</b></a>${deep}</r>`);
    expect(error.details).toEqual({ reason: 'NESTING_TOO_DEEP', rowNumber: 3 });
  });

  it(`a JSON record nested ${DEEP} levels deep`, async () => {
    const error = await failure('deep.json', `[{"a":1},{"a":${'{"b":'.repeat(DEEP)}1${'}'.repeat(DEEP)}}]`);
    expect(error.details).toEqual({ reason: 'NESTING_TOO_DEEP', rowNumber: 2 });
  });

  it(`an NDJSON line nested ${DEEP} levels deep`, async () => {
    const error = await failure('deep.ndjson', `{"a":1}\n{"a":${'['.repeat(DEEP)}${']'.repeat(DEEP)}}\n`);
    expect(error.details).toEqual({ reason: 'NESTING_TOO_DEEP', rowNumber: 2 });
  });

  it('nesting within the limit is read, nested values as JSON text', async () => {
    const file = await tmp.file('ok.json', `[{"a":${'['.repeat(MAX_NESTING - 1)}${']'.repeat(MAX_NESTING - 1)}}]`);
    const rows = await allRows(await openParsedFile(file));
    expect(rows).toHaveLength(1);
  });
});

describe('parser fuzzing: huge cells and broken archives', () => {
  it('a 5 MB field in CSV, JSON and XML is RECORD_TOO_LARGE', async () => {
    const big = 'x'.repeat(5_000_000);
    expect((await failure('huge.csv', `a,b\n"${big}",1\n`)).details.reason).toBe('RECORD_TOO_LARGE');
    expect((await failure('huge.json', `[{"a":"${big}"}]`)).details.reason).toBe('RECORD_TOO_LARGE');
    expect((await failure('huge.xml', `<r><a b="${big}"/></r>`)).details.reason).toBe('RECORD_TOO_LARGE');
  });

  it('a workbook with a 5 MB cell is refused, not read into memory', async () => {
    const file = tmp.path('huge-cell.xlsx');
    await writeZip(file, minimalXlsxParts({ name: 's', data: sheetXml([['a', 'b'], ['x'.repeat(5_000_000), '1']]) }));
    expect(['RECORD_TOO_LARGE', 'ZIP_BOMB']).toContain((await rejection(openParsedFile(file).then(allRows))).details.reason);
  });

  it('a workbook damaged anywhere is CORRUPT_XLSX, NOT_XLSX or ZIP_BOMB', async () => {
    const good = tmp.path('good.xlsx');
    await writeZip(good, minimalXlsxParts({ name: 's', data: sheetXml([['a', 'b'], ['x', '1']]) }));
    const bytes = await import('node:fs/promises').then((fs) => fs.readFile(good));
    for (let at = 0; at < bytes.length - 8; at += 37) {
      const damaged = Buffer.from(bytes);
      for (let k = 0; k < 8; k++) damaged[at + k] = damaged[at + k]! ^ 0x5a;
      const file = await tmp.file(`damaged-${at}.xlsx`, damaged);
      const outcome = await openParsedFile(file).then(allRows, (error: unknown) => error);
      if (Array.isArray(outcome)) continue; // a byte the reader never needs (a timestamp, say)
      expect(outcome, `damage at ${at}`).toHaveProperty('details.reason');
      expect(['CORRUPT_XLSX', 'NOT_XLSX', 'ZIP_BOMB', 'EMPTY_FILE', 'UNSUPPORTED_FORMAT', 'SHEET_NOT_FOUND']).toContain((outcome as { details: { reason: string } }).details.reason);
    }
  });
});
