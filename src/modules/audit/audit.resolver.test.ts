import { describe, expect, test } from '../../../test/support/fixtures.js';
import { codes, execute } from '../../../test/support/test-app.js';
import { subscribe, wsClient } from '../../../test/support/ws-client.js';
import { AuditEventAddedDocument, AuditEventsDocument, CreateProjectDocument } from '../../../test/generated/graphql.js';

const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

describe('auditEvents', () => {
  test('lists the organization’s changes, filterable by target', async ({ app, key }) => {
    const p = await execute(app.url, CreateProjectDocument, { input: { name: 'Audit me', code: 'AUD-1' } }, { key });
    const res = await execute(app.url, AuditEventsDocument, { targetType: 'project', targetId: p.data!.createProject.id }, { key });
    expect(res.data?.auditEvents.nodes).toEqual([
      expect.objectContaining({ action: 'project.created', actorType: 'api_key', metadata: { name: 'Audit me', code: 'AUD-1' } }),
    ]);
  });

  test('requires audit:read and authentication, and rejects bad page sizes', async ({ app, org, key }) => {
    expect(codes(await execute(app.url, AuditEventsDocument, {}))).toEqual(['UNAUTHENTICATED']);
    const other = await app.createKey(org.id, ['keys:read']);
    expect(codes(await execute(app.url, AuditEventsDocument, {}, { key: other.plaintext }))).toEqual(['FORBIDDEN']);
    expect(codes(await execute(app.url, AuditEventsDocument, { first: 1000 }, { key }))).toEqual(['BAD_USER_INPUT']);
  });

  test('never shows another organization’s events', async ({ app, key }) => {
    const other = await app.createOrganization();
    const otherKey = await app.createKey(other.id);
    await execute(app.url, CreateProjectDocument, { input: { name: 'Secret', code: 'SECRET-1' } }, { key: otherKey.plaintext });
    const mine = await execute(app.url, AuditEventsDocument, { first: 100 }, { key });
    expect(JSON.stringify(mine.data)).not.toContain('SECRET-1');
  });
});

describe('auditEventAdded subscription', () => {
  test('streams the organization’s events over graphql-ws, and only its own', async ({ app, key }) => {
    const client = wsClient(app.wsUrl, { Authorization: `Bearer ${key}` });
    const sub = subscribe(client, AuditEventAddedDocument);
    await settle();
    const other = await app.createOrganization();
    const otherKey = await app.createKey(other.id);
    await execute(app.url, CreateProjectDocument, { input: { name: 'Theirs', code: 'THEIRS' } }, { key: otherKey.plaintext });
    const p = await execute(app.url, CreateProjectDocument, { input: { name: 'Live', code: 'LIVE-1' } }, { key });
    const event = await sub.next();
    expect(event.auditEventAdded).toMatchObject({ action: 'project.created', targetId: p.data!.createProject.id });
    await sub.close();
  });

  test('closes a connection with a bad key, and refuses a subscription without one', async ({ app }) => {
    const garbage = subscribe(wsClient(app.wsUrl, { Authorization: 'Bearer trk_live_garbage' }), AuditEventAddedDocument);
    await expect(garbage.next()).rejects.toMatchObject({ code: 4403 });
    await garbage.close();
    const anonymous = subscribe(wsClient(app.wsUrl, {}), AuditEventAddedDocument);
    await expect(anonymous.next()).rejects.toEqual([
      expect.objectContaining({ extensions: expect.objectContaining({ code: 'UNAUTHENTICATED' }) }),
    ]);
    await anonymous.close();
  });

  test('refuses a key without audit:read', async ({ app, org }) => {
    const weak = await app.createKey(org.id, ['keys:read']);
    const sub = subscribe(wsClient(app.wsUrl, { 'X-API-Key': weak.plaintext }), AuditEventAddedDocument);
    await expect(sub.next()).rejects.toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'FORBIDDEN' }) })]);
    await sub.close();
  });
});
