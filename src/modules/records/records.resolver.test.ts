import { describe, expect, test } from '../../../test/support/fixtures.js';
import { codes, execute } from '../../../test/support/test-app.js';
import { CreateProjectDocument, InvoicesDocument, VendorDocument, VendorsDocument } from '../../../test/generated/graphql.js';
import { upsertRecords } from './records.service.js';

describe('record queries', () => {
  test('list organization records with filters and pages, and fetch one', async ({ app, org, key }) => {
    await upsertRecords(app.app.services.db, 'vendors', { organizationId: org.id, projectId: null }, [
      { originId: 'V1', code: 'ACME', name: 'Acme Concrete', paymentTerms: 'net_30' },
      { originId: 'V2', code: 'BOLT', name: 'Bolt Steel' },
      { originId: 'V3', code: 'CRANE', name: 'Crane Co' },
    ]);
    const all = await execute(app.url, VendorsDocument, { first: 2 }, { key });
    expect(all.data?.vendors.nodes.map((v) => v.code)).toEqual(['CRANE', 'BOLT']);
    expect(all.data?.vendors.pageInfo.hasNextPage).toBe(true);
    const rest = await execute(app.url, VendorsDocument, { first: 2, after: all.data!.vendors.pageInfo.endCursor }, { key });
    expect(rest.data?.vendors.nodes).toEqual([expect.objectContaining({ code: 'ACME', paymentTerms: 'NET_30', status: 'ACTIVE' })]);

    const search = await execute(app.url, VendorsDocument, { filter: { search: 'steel' } }, { key });
    expect(search.data?.vendors.nodes.map((v) => v.originId)).toEqual(['V2']);
    const byOrigin = await execute(app.url, VendorsDocument, { filter: { originIds: ['V1', 'V3'] } }, { key });
    expect(byOrigin.data?.vendors.nodes.map((v) => v.originId)).toEqual(['V3', 'V1']);

    const one = await execute(app.url, VendorDocument, { id: rest.data!.vendors.nodes[0]!.id }, { key });
    expect(one.data?.vendor).toMatchObject({ code: 'ACME', name: 'Acme Concrete' });
  });

  test('project records need a project of the caller’s organization', async ({ app, org, key }) => {
    const project = await execute(app.url, CreateProjectDocument, { input: { name: 'Tower', code: 'T1' } }, { key });
    const projectId = project.data!.createProject.id;
    await upsertRecords(app.app.services.db, 'invoices', { organizationId: org.id, projectId: Number(projectId) }, [
      { originId: 'I1', kind: 'payable', number: 'B-100', invoiceDate: '2024-03-15', amount: '12500.10', vendorCode: 'ACME' },
    ]);
    const res = await execute(app.url, InvoicesDocument, { projectId }, { key });
    expect(res.data?.invoices.nodes).toEqual([
      expect.objectContaining({ projectId, kind: 'PAYABLE', number: 'B-100', invoiceDate: '2024-03-15', amount: '12500.10' }),
    ]);
    expect(codes(await execute(app.url, InvoicesDocument, { projectId: 'x' }, { key }))).toEqual(['BAD_USER_INPUT']);

    const other = await app.createOrganization();
    const otherKey = await app.createKey(other.id);
    expect(codes(await execute(app.url, InvoicesDocument, { projectId }, { key: otherKey.plaintext }))).toEqual(['NOT_FOUND']);
  });

  test('reject bad filters', async ({ app, key }) => {
    const ids = Array.from({ length: 101 }, (_, i) => `V${i}`);
    expect(codes(await execute(app.url, VendorsDocument, { filter: { originIds: ids } }, { key }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await execute(app.url, VendorsDocument, { first: 500 }, { key }))).toEqual(['BAD_USER_INPUT']);
  });

  test('require authentication and records:read', async ({ app, org }) => {
    expect(codes(await execute(app.url, VendorsDocument, {}))).toEqual(['UNAUTHENTICATED']);
    const weak = await app.createKey(org.id, ['keys:read']);
    expect(codes(await execute(app.url, VendorsDocument, {}, { key: weak.plaintext }))).toEqual(['FORBIDDEN']);
    const reader = await app.createKey(org.id, ['records:read']);
    expect((await execute(app.url, VendorsDocument, {}, { key: reader.plaintext })).errors).toBeUndefined();
  });

  test('never show another organization’s records', async ({ app, key }) => {
    const other = await app.createOrganization();
    await upsertRecords(app.app.services.db, 'vendors', { organizationId: other.id, projectId: null }, [
      { originId: 'SECRET', code: 'SECRET', name: 'Their Vendor' },
    ]);
    const mine = await execute(app.url, VendorsDocument, { first: 100 }, { key });
    expect(mine.data?.vendors.nodes.map((v) => v.code)).not.toContain('SECRET');
    const [rows] = await app.app.services.pool.query("SELECT id FROM vendors WHERE origin_id = 'SECRET'");
    const id = String((rows as Array<{ id: number }>)[0]!.id);
    expect(codes(await execute(app.url, VendorDocument, { id }, { key }))).toEqual(['NOT_FOUND']);
  });
});
