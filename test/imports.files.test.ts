import { describe, expect, test } from './support/fixtures.js';
import { executeWithFile } from './support/upload.js';
import { CreateImportDocument } from './generated/graphql.js';
import type { TestApp } from './support/test-app.js';

/*
 * Files an import cannot read are refused with a reason a program can act on (the job FAILED
 * with errorCode and a message naming the problem), over GraphQL and REST alike; never a bare
 * INTERNAL_SERVER_ERROR, never a VALIDATED job of zero rows.
 */

const DEEP = 100_000;
const FILES: Array<{ name: string; content: string | Buffer; code: string; message: string | RegExp }> = [
  { name: 'deep.xml', content: `<Vendors><Vendor>${'<x>'.repeat(DEEP)}v${'</x>'.repeat(DEEP)}</Vendor></Vendors>`, code: 'NESTING_TOO_DEEP', message: 'Record 1 nests elements more than 100 levels deep' },
  { name: 'deep.json', content: `[{"code":${'['.repeat(DEEP)}${']'.repeat(DEEP)}}]`, code: 'NESTING_TOO_DEEP', message: 'Record 1 nests objects or arrays more than 100 levels deep' },
  { name: 'codes.json', content: '["V1", "V2"]', code: 'INVALID_JSON', message: 'Record 1 is not a JSON object' },
  { name: 'vendors.xlsx', content: 'Please send the vendor list by Friday.\n', code: 'UNSUPPORTED_FORMAT', message: /^This file is plain text, not an Excel workbook/ },
  { name: 'vendors.csv', content: '%PDF-1.7\n1 0 obj\n', code: 'UNSUPPORTED_FORMAT', message: 'This file is a PDF document; export the data as CSV or XLSX' },
  { name: 'vendors.xls', content: '<html><body><table><tr><td>Code</td></tr></table></body></html>', code: 'UNSUPPORTED_FORMAT', message: /^This file is an HTML page/ },
];

async function overGraphql(app: TestApp, key: string, file: (typeof FILES)[number]) {
  const res = await executeWithFile(app.url, CreateImportDocument, { input: { type: 'VENDORS' } as never }, { name: file.name, content: file.content }, { key });
  expect(res.errors, file.name).toBeUndefined();
  return res.data!.createImport.importJob;
}

async function overRest(app: TestApp, key: string, file: (typeof FILES)[number]) {
  const base = app.url.replace(/\/graphql$/, '');
  const res = await fetch(`${base}/api/v1/import/upload?type=vendors&fileName=${encodeURIComponent(file.name)}`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: file.content });
  expect(res.status, file.name).toBe(201);
  const job = ((await res.json()) as { importJob: { status: string; errorCode: string | null; errorMessage: string | null } }).importJob;
  return { ...job, status: job.status.toUpperCase() };
}

describe('files an import cannot read', () => {
  for (const protocol of ['GraphQL', 'REST'] as const) {
    test(`are refused with a reason and a message, over ${protocol}`, async ({ app, key }) => {
      for (const file of FILES) {
        const job = protocol === 'GraphQL' ? await overGraphql(app, key, file) : await overRest(app, key, file);
        expect({ name: file.name, status: job.status, errorCode: job.errorCode }).toEqual({ name: file.name, status: 'FAILED', errorCode: file.code });
        if (typeof file.message === 'string') expect(job.errorMessage, file.name).toBe(file.message);
        else expect(job.errorMessage, file.name).toMatch(file.message);
      }
    }, 120_000);
  }
});
