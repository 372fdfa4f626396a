import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openParsedFile, type ParsedFile } from '../src/modules/imports/parsers/index.js';
import { readScheduleFile, sampleSchedule, scheduleFileStream } from '../src/modules/schedules/index.js';

/*
 * The encoding of CSV and schedule files is decided on the whole file: one whose first
 * Windows-1252 byte comes after 64 KiB (or after a megabyte) decodes as Windows-1252, not as
 * UTF-8 with replacement characters; UTF-8 with a late multi-byte character stays UTF-8.
 */

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'trestle-encoding-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function values(file: ParsedFile): Promise<unknown[][]> {
  const out: unknown[][] = [];
  for await (const row of file.rows) out.push(row.values);
  return out;
}

/** A vendors CSV of plain ASCII rows up to `offset` bytes, then one row with accents. */
function csvText(offset: number): string {
  const lines = ['Vendor Code,Vendor Name'];
  let size = lines[0]!.length + 1;
  for (let i = 0; size < offset; i++) {
    const line = `V${i},Vendor number ${i} of a long list`;
    lines.push(line);
    size += line.length + 1;
  }
  lines.push('CAFE,Café Crème – 3 € “Façade”');
  return `${lines.join('\n')}\n`;
}

describe('CSV: the encoding is decided on the whole file', () => {
  for (const offset of [64 * 1024 + 100, 1024 * 1024 + 100]) {
    it(`Windows-1252 whose first non-ASCII byte is past ${offset} bytes`, async () => {
      const text = csvText(offset);
      const file = path.join(dir, `late-${offset}.csv`);
      await writeFile(file, iconv.encode(text, 'windows-1252'));
      const parsed = await openParsedFile(file);
      expect(parsed.info.encoding).toBe('windows-1252');
      const rows = await values(parsed);
      expect(rows.at(-1)).toEqual(['CAFE', 'Café Crème – 3 € “Façade”']);
      expect(rows.some((r) => String(r[1]).includes('\uFFFD'))).toBe(false);
    });

    it(`UTF-8 whose first multi-byte character is past ${offset} bytes stays UTF-8`, async () => {
      const text = csvText(offset);
      const file = path.join(dir, `late-utf8-${offset}.csv`);
      await writeFile(file, text);
      const parsed = await openParsedFile(file);
      expect(parsed.info.encoding).toBe('utf-8');
      expect((await values(parsed)).at(-1)).toEqual(['CAFE', 'Café Crème – 3 € “Façade”']);
      expect(parsed.info.encodingFallbackBytes).toBeUndefined();
    });
  }

  it('UTF-16 with a BOM still works', async () => {
    const file = path.join(dir, 'utf16.csv');
    await writeFile(file, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`${csvText(70 * 1024)}`, 'utf16le')]));
    const parsed = await openParsedFile(file);
    expect(parsed.info.encoding).toBe('utf-16le');
    expect((await values(parsed)).at(-1)).toEqual(['CAFE', 'Café Crème – 3 € “Façade”']);
  });
});

describe('XER: a project can re-import its own Windows-1252 export', () => {
  for (const tasks of [400, 6000]) {
    it(`its export, whose first accented task name is past ${tasks === 400 ? '64 KiB' : '1 MiB'} decodes right`, async () => {
      // The sample's names are made ASCII, so the last task's is the file's first accented text.
      const schedule = JSON.parse(JSON.stringify(sampleSchedule(tasks)).replace(/[^ -~\n\r\t]/g, 'e')) as ReturnType<typeof sampleSchedule>;
      const last = schedule.tasks.at(-1)!;
      last.name = 'Façade – Café €';
      // The XER writer writes Windows-1252, as P6 does.
      const chunks: Buffer[] = [];
      for await (const chunk of scheduleFileStream('XER', schedule, []) as AsyncIterable<Buffer | string>) chunks.push(Buffer.from(chunk));
      const bytes = Buffer.concat(chunks);
      expect(bytes.indexOf(Buffer.from([0xe7]))).toBeGreaterThan(tasks === 400 ? 64 * 1024 : 1024 * 1024);
      // Fed in 16 KiB pieces, as an upload arrives.
      const pieces = Array.from({ length: Math.ceil(bytes.length / 16384) }, (_, i) => bytes.subarray(i * 16384, (i + 1) * 16384));
      const read = await readScheduleFile('XER', Readable.from(pieces));
      expect(read.tasks.find((t) => t.uid === last.uid)?.name).toBe('Façade – Café €');
    });
  }
});
