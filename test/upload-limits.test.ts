import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './support/test-app.js';
import { executeWithFile } from './support/upload.js';
import { CreateImportDocument } from './generated/graphql.js';

/* The upload size limit, on an app configured with a small one. */
let app: TestApp;
let key: string;
let passed = false;

beforeAll(async () => {
  app = await startTestApp('upload_limits', { MAX_UPLOAD_BYTES: '2000' });
  const org = await app.createOrganization();
  key = (await app.createKey(org.id)).plaintext;
}, 60_000);

afterAll(async () => {
  await app.close({ dropData: passed });
});

describe('upload size limit', () => {
  it('refuses larger files over GraphQL and REST, stores nothing, and stays up', async () => {
    const big = `Vendor Code,Name\n${'V,Name\n'.repeat(1000)}`;
    const graphql = await executeWithFile(app.url, CreateImportDocument, { input: { type: 'VENDORS' } as never }, { name: 'big.csv', content: big }, { key });
    expect(graphql.status).toBe(413);
    const rest = await fetch(`${app.url.replace(/\/graphql$/, '')}/api/v1/import/upload?type=vendors`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}` },
      body: big,
    }).catch((error: unknown) => error);
    // The server may close the socket before reading the whole body; either way, no job.
    if (rest instanceof Response) {
      expect(rest.status).toBe(413);
      expect(await rest.json()).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });
    }
    const [rows] = await app.app.services.pool.query('SELECT COUNT(*) AS n FROM import_jobs');
    expect(rows).toEqual([{ n: 0 }]);
    const small = await executeWithFile(app.url, CreateImportDocument, { input: { type: 'VENDORS' } as never }, { name: 'ok.csv', content: 'Vendor Code,Name\nA,B\n' }, { key });
    expect(small.errors).toBeUndefined();
    passed = true;
  });
});
