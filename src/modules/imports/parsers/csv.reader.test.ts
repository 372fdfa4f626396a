import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { openParsedFile } from './index.js';
import { allRows, allValues, rejection, useTempDir } from './parsers.test-support.js';

const tmp = useTempDir();

describe('CSV encodings', () => {
  it('reads UTF-8 with a BOM, without the BOM in the first header', async () => {
    const file = await tmp.file('bom.csv', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('Name,City\nZoë,Köln\n')]));
    const parsed = await openParsedFile(file);
    expect(parsed.headers).toEqual(['Name', 'City']);
    expect(parsed.info).toMatchObject({ format: 'csv', encoding: 'utf-8', encodingSource: 'bom', delimiter: ',' });
    expect(await allValues(parsed)).toEqual([['Zoë', 'Köln']]);
  });

  it('reads UTF-16LE with a BOM', async () => {
    const file = await tmp.file('utf16le.csv', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('Name;Préféré\nÅsa;ja\n', 'utf16le')]));
    const parsed = await openParsedFile(file);
    expect(parsed.info).toMatchObject({ encoding: 'utf-16le', delimiter: ';' });
    expect(parsed.headers).toEqual(['Name', 'Préféré']);
    expect(await allValues(parsed)).toEqual([['Åsa', 'ja']]);
  });

  it('reads UTF-16BE with a BOM', async () => {
    const body = Buffer.from('Name,Ort\nJürgen,Zürich\n', 'utf16le').swap16();
    const file = await tmp.file('utf16be.csv', Buffer.concat([Buffer.from([0xfe, 0xff]), body]));
    const parsed = await openParsedFile(file);
    expect(parsed.info.encoding).toBe('utf-16be');
    expect(await allValues(parsed)).toEqual([['Jürgen', 'Zürich']]);
  });

  it('detects windows-1252 and decodes € and é (not C1 controls)', async () => {
    const file = await tmp.file('cp1252.csv', iconv.encode('Item,Price\nCafé crème,€ 3,50\n"Naïve ‘quote’",€ 4\n', 'windows-1252'));
    const parsed = await openParsedFile(file);
    expect(parsed.info.encoding).toBe('windows-1252');
    expect(await allValues(parsed)).toEqual([
      ['Café crème', '€ 3', '50'],
      ['Naïve ‘quote’', '€ 4'],
    ]);
  });

  it('decodes an explicit latin1 file', async () => {
    const file = await tmp.file('latin1.csv', iconv.encode('Nom,Ville\nJosé,Saint-Étienne\n', 'latin1'));
    const parsed = await openParsedFile(file, { encoding: 'latin1' });
    expect(parsed.info).toMatchObject({ encoding: 'latin1', encodingSource: 'forced' });
    expect(await allValues(parsed)).toEqual([['José', 'Saint-Étienne']]);
  });

  it('takes a file with windows-1252 bytes in its head as windows-1252 throughout', async () => {
    const file = await tmp.file('mixed-head.csv', Buffer.concat([Buffer.from('Name\n'), Buffer.from([0x43, 0x61, 0x66, 0xe9]), Buffer.from('\n')]));
    const parsed = await openParsedFile(file);
    expect(parsed.info.encoding).toBe('windows-1252');
    expect(await allValues(parsed)).toEqual([['Café']]);
  });

  it('decodes stray windows-1252 bytes after the sniffed head instead of U+FFFD, and counts them', async () => {
    const utf8Rows = Array.from({ length: 8000 }, (_, i) => `Zoë ${i},ok`).join('\n');
    const tail = Buffer.concat([Buffer.from('\nCaf'), Buffer.from([0xe9]), Buffer.from(',late\n')]);
    const file = await tmp.file('mixed-late.csv', Buffer.concat([Buffer.from(`Name,State\n${utf8Rows}`), tail]));
    const parsed = await openParsedFile(file);
    expect(parsed.info.encoding).toBe('utf-8');
    const rows = await allValues(parsed);
    expect(rows).toHaveLength(8001);
    expect(rows[0]).toEqual(['Zoë 0', 'ok']);
    expect(rows.at(-1)).toEqual(['Café', 'late']);
    expect(parsed.info.encodingFallbackBytes).toBe(1);
  });

  it('refuses an unknown forced encoding', async () => {
    const file = await tmp.file('any.csv', 'a,b\n1,2\n');
    expect((await rejection(openParsedFile(file, { encoding: 'ebcdic' }))).details.reason).toBe('UNSUPPORTED_ENCODING');
  });
});

describe('CSV dialect', () => {
  it('detects semicolons (with decimal commas in the values)', async () => {
    const file = await tmp.file('semi.csv', 'Name;Amount;Note\nAcme;1,5;"a;b"\nBeta;2,75;x\n');
    const parsed = await openParsedFile(file);
    expect(parsed.info).toMatchObject({ delimiter: ';', delimiterName: 'semicolon' });
    expect(await allValues(parsed)).toEqual([
      ['Acme', '1,5', 'a;b'],
      ['Beta', '2,75', 'x'],
    ]);
  });

  it('reads TSV', async () => {
    const file = await tmp.file('data.tsv', 'Name\tCity, State\nAcme\tAustin, TX\n');
    const parsed = await openParsedFile(file);
    expect(parsed.format).toBe('tsv');
    expect(parsed.headers).toEqual(['Name', 'City, State']);
    expect(await allValues(parsed)).toEqual([['Acme', 'Austin, TX']]);
  });

  it('detects pipes, and takes a forced delimiter', async () => {
    const file = await tmp.file('pipe.txt', 'a|b|c\n1|2|3\n');
    expect((await openParsedFile(file)).info.delimiter).toBe('|');
    const forced = await openParsedFile(file, { delimiter: ',' });
    expect(forced.headers).toEqual(['a|b|c']);
    await forced.close();
  });

  it('is not fooled by delimiters inside quotes', async () => {
    const file = await tmp.file('quoted-semis.csv', 'id,text\n1,"a;b;c;d"\n2,"e;f;g;h"\n3,"i;j;k;l"\n');
    expect((await openParsedFile(file)).info.delimiter).toBe(',');
  });

  it('handles quoting: commas, escaped quotes, newlines inside quotes, CRLF', async () => {
    const file = await tmp.file('quotes.csv', 'a,b,c\r\n"x, y","He said ""hi""","line1\r\nline2"\r\n"",plain,"  spaced  "\r\n');
    const parsed = await openParsedFile(file);
    const rows = await allRows(parsed);
    expect(rows.map((r) => r.values)).toEqual([
      ['x, y', 'He said "hi"', 'line1\nline2'],
      ['', 'plain', '  spaced  '],
    ]);
    // A record spanning two lines is still one row.
    expect(rows.map((r) => r.rowNumber)).toEqual([2, 3]);
  });

  it('reads old-Mac CR line ends and a last line without newline', async () => {
    const file = await tmp.file('cr.csv', 'a,b\r1,2\r3,4');
    expect(await allValues(await openParsedFile(file))).toEqual([
      ['1', '2'],
      ['3', '4'],
    ]);
  });

  it('keeps ragged rows: pads short ones with null, keeps extra cells', async () => {
    const file = await tmp.file('ragged.csv', 'a,b,c\n1\n1,2,3,4,5\n1,2\n');
    expect(await allValues(await openParsedFile(file))).toEqual([
      ['1', null, null],
      ['1', '2', '3', '4', '5'],
      ['1', '2', null],
    ]);
  });

  it('trims header whitespace and skips blank lines, keeping row numbers true to the file', async () => {
    const file = await tmp.file('blank.csv', '\n  Name , City \n\nAcme,Austin\n,\n  \nBeta,Boston\n\n');
    const parsed = await openParsedFile(file);
    expect(parsed.headers).toEqual(['Name', 'City']);
    expect(parsed.headerRowNumber).toBe(2);
    const rows = await allRows(parsed);
    expect(rows).toEqual([
      { rowNumber: 4, values: ['Acme', 'Austin'] },
      { rowNumber: 7, values: ['Beta', 'Boston'] },
    ]);
  });

  it('returns the headers and no rows for a header-only file', async () => {
    const file = await tmp.file('header-only.csv', 'id,name,email\n');
    const parsed = await openParsedFile(file);
    expect(parsed.headers).toEqual(['id', 'name', 'email']);
    expect(await allRows(parsed)).toEqual([]);
  });

  it('refuses an empty file and a file of blank lines', async () => {
    const empty = await tmp.file('empty.csv', '');
    expect((await rejection(openParsedFile(empty))).details.reason).toBe('EMPTY_FILE');
    const blank = await tmp.file('blank-lines.csv', '\n \r\n\n');
    expect((await rejection(openParsedFile(blank))).details.reason).toBe('EMPTY_FILE');
  });
});

describe('CSV limits', () => {
  it('stops a 10 MB single line with RECORD_TOO_LARGE and its row number', async () => {
    const file = await tmp.file('long-line.csv', `a,b\n1,2\n3,${'x'.repeat(10 * 1024 * 1024)}\n5,6\n`);
    const parsed = await openParsedFile(file);
    const error = await rejection(allRows(parsed));
    expect(error.details).toEqual({ reason: 'RECORD_TOO_LARGE', rowNumber: 3 });
  });

  it('delivers the rows before an oversized one, then fails at it', async () => {
    const file = await tmp.file('long-later.csv', `a,b\n1,2\n3,4\n5,${'z'.repeat(300)}\n7,8\n`);
    const parsed = await openParsedFile(file, { maxRecordBytes: 100 });
    const seen: unknown[] = [];
    const error = await rejection(
      (async () => {
        for await (const row of parsed.rows) seen.push(row.values);
      })(),
    );
    expect(seen).toEqual([
      ['1', '2'],
      ['3', '4'],
    ]);
    expect(error.details).toEqual({ reason: 'RECORD_TOO_LARGE', rowNumber: 4 });
  });

  it('stops a quote that is never closed once the record passes the limit', async () => {
    const lines = Array.from({ length: 5000 }, (_, i) => `${i},text ${i}`).join('\n');
    const file = await tmp.file('open-quote.csv', `a,b\n1,"never closed\n${lines}\n`);
    const parsed = await openParsedFile(file, { maxRecordBytes: 16 * 1024 });
    expect((await rejection(allRows(parsed))).details).toEqual({ reason: 'RECORD_TOO_LARGE', rowNumber: 2 });
  });

  it('reports an unterminated quote at the end of a small file', async () => {
    const file = await tmp.file('open-quote-end.csv', 'a,b\n1,2\n3,"open\n');
    const parsed = await openParsedFile(file);
    expect((await rejection(allRows(parsed))).details).toEqual({ reason: 'UNTERMINATED_QUOTE', rowNumber: 3 });
  });

  it('honours a small maxRecordBytes for complete lines too', async () => {
    const file = await tmp.file('small-limit.csv', `a\n${'y'.repeat(300)}\n`);
    const parsed = await openParsedFile(file, { maxRecordBytes: 100 });
    expect((await rejection(allRows(parsed))).details.reason).toBe('RECORD_TOO_LARGE');
  });

  it('stops when the signal aborts', async () => {
    const file = await tmp.file('abort.csv', `a,b\n${Array.from({ length: 50_000 }, (_, i) => `${i},x`).join('\n')}\n`);
    const controller = new AbortController();
    const parsed = await openParsedFile(file, { signal: controller.signal });
    let seen = 0;
    const run = async (): Promise<void> => {
      for await (const _row of parsed.rows) {
        if (++seen === 10) controller.abort(new Error('stop'));
      }
    };
    await expect(run()).rejects.toThrow();
    expect(seen).toBeLessThan(50_000);
  });
});

describe('CSV rows in batches', () => {
  it('are the same rows as one at a time: blank lines left out, short rows padded, row numbers kept', async () => {
    // Long enough to span several decoded chunks (64 KiB each), so there are several batches.
    const lines = ['Code,Name,City'];
    for (let i = 1; i <= 5000; i++) lines.push(i % 97 === 0 ? '' : i % 89 === 0 ? `C${i}` : `C${i},"Name, ${i}",Town ${i % 13}`);
    const file = await tmp.file('batches.csv', `${lines.join('\n')}\n`);
    const one = await allRows(await openParsedFile(file));
    const parsed = await openParsedFile(file);
    const batches: number[] = [];
    const rows = [];
    for await (const batch of parsed.batches!) {
      batches.push(batch.length);
      rows.push(...batch);
    }
    expect(batches.length).toBeGreaterThan(1);
    expect(rows).toEqual(one);
    expect(rows).toHaveLength(5000 - Math.floor(5000 / 97));
    expect(rows[88]).toEqual({ rowNumber: 90, values: ['C89', null, null] });
  });

  it('stop cleanly when the reader is closed part-way', async () => {
    const file = await tmp.file('closed.csv', `Code\n${Array.from({ length: 20000 }, (_, i) => `C${i}`).join('\n')}\n`);
    const parsed = await openParsedFile(file);
    for await (const batch of parsed.batches!) {
      expect(batch.length).toBeGreaterThan(0);
      break;
    }
    await parsed.close();
  });
});
