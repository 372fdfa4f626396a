import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openParsedFile } from './index.js';
import { tempDir, type TempDir } from './parsers.test-support.js';

/*
 * Volume: a generated 200k-row CSV goes through the reader row by row. Only the count is
 * asserted; timings and memory are not (shared machines make them noisy). That the reader
 * streams is by construction: it pulls 64 KiB at a time and holds one partial record.
 */

const ROWS = 200_000;
let tmp: TempDir;
let file: string;

beforeAll(async () => {
  tmp = await tempDir();
  file = tmp.path('volume.csv');
  const out = createWriteStream(file);
  out.write('id,name,amount,note\n');
  for (let i = 1; i <= ROWS; i++) {
    const line = `${i},"Vendor ${i}, Inc.",${(i * 1.25).toFixed(2)},"line ""${i}"""\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
});

afterAll(async () => {
  await tmp.remove();
});

it('streams a 200k-row CSV and yields every row', async () => {
  const parsed = await openParsedFile(file);
  expect(parsed.headers).toEqual(['id', 'name', 'amount', 'note']);
  let count = 0;
  let last: unknown[] = [];
  for await (const row of parsed.rows) {
    count++;
    last = row.values;
  }
  expect(count).toBe(ROWS);
  expect(last).toEqual([String(ROWS), `Vendor ${ROWS}, Inc.`, (ROWS * 1.25).toFixed(2), `line "${ROWS}"`]);
}, 120_000);
