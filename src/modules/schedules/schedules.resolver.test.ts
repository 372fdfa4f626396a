import { describe, expect, test } from '../../../test/support/fixtures.js';
import { codes, execute, type TestApp } from '../../../test/support/test-app.js';
import { executeWithFile } from '../../../test/support/upload.js';
import {
  CreateProjectDocument,
  ExportScheduleDocument,
  ImportScheduleDocument,
  ScheduleAssignmentsDocument,
  ScheduleCalendarsDocument,
  ScheduleResourcesDocument,
  ScheduleTasksDocument,
  TaskDependenciesDocument,
} from '../../../test/generated/graphql.js';
import { sampleSchedule } from './schedule.samples.js';
import { scheduleFileStream } from './schedules.service.js';
import { readMspdi } from './mspdi.reader.js';
import { readXer } from './xer.reader.js';
import { readP6Xml } from './p6xml.reader.js';
import { bufferOf, streamOf } from './schedule.test-support.js';
import type { ScheduleFormat } from './schedules.service.js';

let projects = 0;
async function project(app: TestApp, key: string): Promise<string> {
  projects++;
  const res = await execute(app.url, CreateProjectDocument, { input: { name: `Tower ${projects}`, code: `T${projects}` } }, { key });
  if (res.errors) throw new Error(JSON.stringify(res.errors));
  return res.data!.createProject.id;
}

const fileOf = (format: ScheduleFormat, size = 60) => bufferOf(scheduleFileStream(format, sampleSchedule(size), []));

function importFile(app: TestApp, key: string | undefined, projectId: string, format: ScheduleFormat, content: Buffer | string, name = 'schedule.xml', p6Project?: string) {
  return executeWithFile(app.url, ImportScheduleDocument, { input: { projectId, format, file: null, ...(p6Project ? { p6Project } : {}) } as never }, { name, content }, key ? { key } : {});
}

describe('importSchedule / exportSchedule', () => {
  test('an MS Project file becomes the project’s schedule, and comes back as MSPDI and XER', async ({ app, key }) => {
    const projectId = await project(app, key);
    const res = await importFile(app, key, projectId, 'MSPDI', await fileOf('MSPDI'));
    expect(res.errors).toBeUndefined();
    const sample = sampleSchedule(60);
    expect(res.data!.importSchedule).toEqual({
      tasks: { created: 60, updated: 0, deleted: 0 },
      dependencies: { created: sample.links.length, updated: 0, deleted: 0 },
      calendars: { created: 2, updated: 0, deleted: 0 },
      resources: { created: sample.resources.length, updated: 0, deleted: 0 },
      assignments: { created: sample.assignments.length, updated: 0, deleted: 0 },
      warnings: [],
    });
    const again = await importFile(app, key, projectId, 'MSPDI', await fileOf('MSPDI'));
    expect(again.data!.importSchedule.tasks).toEqual({ created: 0, updated: 60, deleted: 0 });

    const tasks = await execute(app.url, ScheduleTasksDocument, { projectId, first: 100 }, { key });
    expect(tasks.data!.scheduleTasks.nodes).toHaveLength(60);
    expect(tasks.data!.scheduleTasks.nodes.find((t) => t.originId === '1')).toMatchObject({ isSummary: true, outlineLevel: 1, wbs: '1' });
    const links = await execute(app.url, TaskDependenciesDocument, { projectId, first: 100 }, { key });
    expect(new Set(links.data!.taskDependencies.nodes.map((l) => l.type))).toEqual(new Set(['FS', 'SS', 'FF', 'SF']));
    expect((await execute(app.url, ScheduleCalendarsDocument, { projectId }, { key })).data!.scheduleCalendars.nodes).toHaveLength(2);
    expect((await execute(app.url, ScheduleResourcesDocument, { projectId }, { key })).data!.scheduleResources.nodes).toHaveLength(sample.resources.length);
    expect((await execute(app.url, ScheduleAssignmentsDocument, { projectId }, { key })).data!.scheduleAssignments.nodes).toHaveLength(sample.assignments.length);

    const base = app.url.replace(/\/graphql$/, '');
    const mspdi = await execute(app.url, ExportScheduleDocument, { projectId, format: 'MSPDI' }, { key });
    expect(mspdi.data!.exportSchedule).toMatchObject({ fileName: expect.stringMatching(/\.xml$/), warnings: [] });
    const xml = await fetch(base + mspdi.data!.exportSchedule.url);
    expect(xml.status).toBe(200);
    const back = await readMspdi(streamOf(Buffer.from(await xml.arrayBuffer())));
    expect(back.tasks).toEqual(sample.tasks);
    expect(back.links).toEqual(sample.links);

    const xer = await execute(app.url, ExportScheduleDocument, { projectId, format: 'XER' }, { key });
    const xerFile = await fetch(base + xer.data!.exportSchedule.url);
    expect(xer.data!.exportSchedule.fileName).toMatch(/\.xer$/);
    expect((await readXer(streamOf(Buffer.from(await xerFile.arrayBuffer())))).links).toHaveLength(sample.links.length);
  });

  test('a P6 XER file in Windows-1252 imports with its accents and €, and comes back as P6 XML', async ({ app, key }) => {
    const projectId = await project(app, key);
    const xer = await fileOf('XER', 40);
    expect(xer.includes(Buffer.from([0x80]))).toBe(true);
    const res = await importFile(app, key, projectId, 'XER', xer, 'schedule.xer');
    expect(res.errors).toBeUndefined();
    // Summary tasks come in as WBS nodes of P6, activities with their activity ids.
    expect(res.data!.importSchedule.tasks).toEqual({ created: 40, updated: 0, deleted: 0 });
    const tasks = await execute(app.url, ScheduleTasksDocument, { projectId, first: 100 }, { key });
    expect(tasks.data!.scheduleTasks.nodes.find((t) => t.originId === '2')!.name).toBe('Task 2: pour slab 1 (béton €2)');
    // The percent complete type comes with the percentage.
    expect(tasks.data!.scheduleTasks.nodes.find((t) => t.originId === '13')).toMatchObject({ percentComplete: '0.0000', percentCompleteType: 'PHYSICAL' });
    expect(tasks.data!.scheduleTasks.nodes.find((t) => t.originId === '12')).toMatchObject({ percentComplete: '50.0000', percentCompleteType: 'DURATION' });
    expect(tasks.data!.scheduleTasks.nodes.find((t) => t.originId === 'WBS:1')).toMatchObject({ name: 'Phase 1 – Gebäude 1', isSummary: true });

    const exported = await execute(app.url, ExportScheduleDocument, { projectId, format: 'P6_XML' }, { key });
    expect(exported.data!.exportSchedule.fileName).toMatch(/-p6\.xml$/);
    const file = await fetch(app.url.replace(/\/graphql$/, '') + exported.data!.exportSchedule.url);
    const back = await readP6Xml(streamOf(Buffer.from(await file.arrayBuffer())));
    expect(back.tasks.map((t) => t.uid)).toEqual(tasks.data!.scheduleTasks.nodes.map((t) => t.originId).reverse());
  });

  test('bad files are refused with BAD_USER_INPUT and a reason, and nothing is written', async ({ app, key }) => {
    const projectId = await project(app, key);
    const cyclic = sampleSchedule(20);
    cyclic.links.push({ predecessorUid: '10', successorUid: '3', type: 'FS', lagMinutes: 0, lagUnit: 'd' });
    const cycle = await importFile(app, key, projectId, 'MSPDI', await bufferOf(scheduleFileStream('MSPDI', cyclic, [])));
    expect(codes(cycle)).toEqual(['BAD_USER_INPUT']);
    expect(cycle.errors![0]!.extensions).toMatchObject({ reason: 'CYCLE' });
    expect(cycle.errors![0]!.message).toMatch(/cycle/);

    const xer = (await fileOf('XER')).toString('latin1');
    const truncated = await importFile(app, key, projectId, 'XER', Buffer.from(xer.slice(0, xer.length / 2), 'latin1'), 'schedule.xer');
    expect(codes(truncated)).toEqual(['BAD_USER_INPUT']);
    expect(truncated.errors![0]!.extensions).toMatchObject({ reason: 'TRUNCATED' });
    expect(JSON.stringify(truncated.errors)).not.toMatch(/at .*\.ts:\d+/);

    const unknownProject = await importFile(app, key, projectId, 'XER', Buffer.from(xer, 'latin1'), 'schedule.xer', 'NO-SUCH-PROJECT');
    expect(unknownProject.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'PROJECT_NOT_FOUND' });
    expect(unknownProject.errors![0]!.message).toMatch(/has no project "NO-SUCH-PROJECT"; it holds/);
    const notP6 = await importFile(app, key, projectId, 'MSPDI', await fileOf('MSPDI'), 'schedule.xml', 'TOWER');
    expect(notP6.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'PROJECT_NOT_FOUND' });

    const wrongFormat = await importFile(app, key, projectId, 'P6_XML', await fileOf('MSPDI'));
    expect(wrongFormat.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'NOT_P6_XML' });
    const badId = await importFile(app, key, 'not-an-id', 'MSPDI', await fileOf('MSPDI'));
    expect(codes(badId)).toEqual(['BAD_USER_INPUT']);

    const tasks = await execute(app.url, ScheduleTasksDocument, { projectId }, { key });
    expect(tasks.data!.scheduleTasks.nodes).toEqual([]);
  });

  test('needs a key: records:write to import, records:read to export', async ({ app, org, key }) => {
    const projectId = await project(app, key);
    const file = await fileOf('MSPDI', 10);
    expect(codes(await importFile(app, undefined, projectId, 'MSPDI', file))).toEqual(['UNAUTHENTICATED']);
    expect(codes(await execute(app.url, ExportScheduleDocument, { projectId, format: 'XER' }))).toEqual(['UNAUTHENTICATED']);
    const reader = (await app.createKey(org.id, ['records:read'])).plaintext;
    expect(codes(await importFile(app, reader, projectId, 'MSPDI', file))).toEqual(['FORBIDDEN']);
    expect(codes(await execute(app.url, ExportScheduleDocument, { projectId, format: 'XER' }, { key: reader }))).toEqual([]);
    const stranger = (await app.createKey(org.id, ['keys:read'])).plaintext;
    expect(codes(await execute(app.url, ExportScheduleDocument, { projectId, format: 'XER' }, { key: stranger }))).toEqual(['FORBIDDEN']);
  });

  test('another organization’s project reads as missing', async ({ app, key }) => {
    const projectId = await project(app, key);
    await importFile(app, key, projectId, 'MSPDI', await fileOf('MSPDI', 10));
    const other = await app.createOrganization('Other Builders');
    const otherKey = (await app.createKey(other.id, ['*'])).plaintext;
    expect(codes(await importFile(app, otherKey, projectId, 'MSPDI', await fileOf('MSPDI', 5)))).toEqual(['NOT_FOUND']);
    expect(codes(await execute(app.url, ExportScheduleDocument, { projectId, format: 'MSPDI' }, { key: otherKey }))).toEqual(['NOT_FOUND']);
    expect(codes(await execute(app.url, ScheduleTasksDocument, { projectId }, { key: otherKey }))).toEqual(['NOT_FOUND']);
    const tasks = await execute(app.url, ScheduleTasksDocument, { projectId, first: 100 }, { key });
    expect(tasks.data!.scheduleTasks.nodes).toHaveLength(10);
  });
});
