import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabases, type TestDatabases } from '../../../test/support/databases.js';
import { connectMySql, type MySql } from '../../platform/db/mysql.js';
import { runMigrations } from '../../platform/db/migrate.js';
import { createOrganization, createProject } from '../organizations/index.js';
import { listRecords } from '../records/index.js';
import { exportScheduleFile, importSchedule, importScheduleFile, loadSchedule, scheduleFileStream, type ScheduleFormat, type ScheduleScope } from './schedules.service.js';
import { sampleSchedule } from './schedule.samples.js';
import { activitiesOf, bufferOf, linksOf, streamOf, summariesOf } from './schedule.test-support.js';
import { msProjectConnector, primaveraP6Connector, scheduleConnectors } from './schedules.connectors.js';
import { createLogger } from '../../platform/logging/logger.js';
import type { Schedule } from './schedule.model.js';

let databases: TestDatabases;
let mysql: MySql;
let orgId: number;
let otherOrgId: number;
const system = { type: 'system' as const, id: 'test' };
let projectCounter = 0;

async function newProject(organizationId = orgId): Promise<ScheduleScope> {
  projectCounter++;
  const { project } = await createProject(mysql.db, system, { organizationId, name: `Tower ${projectCounter}`, code: `T${projectCounter}` });
  return { organizationId, projectId: project.id };
}

function fileOf(format: ScheduleFormat, schedule: Schedule): Promise<Buffer> {
  return bufferOf(scheduleFileStream(format, schedule, []));
}

async function counts(scope: ScheduleScope) {
  const [rows] = (await mysql.pool.query(
    `SELECT (SELECT COUNT(*) FROM schedule_tasks WHERE project_id = ?) AS tasks, (SELECT COUNT(*) FROM task_dependencies WHERE project_id = ?) AS links,
            (SELECT COUNT(*) FROM schedule_calendars WHERE project_id = ?) AS calendars, (SELECT COUNT(*) FROM schedule_resources WHERE project_id = ?) AS resources,
            (SELECT COUNT(*) FROM schedule_assignments WHERE project_id = ?) AS assignments`,
    Array(5).fill(scope.projectId),
  )) as unknown as [Array<Record<string, number>>];
  return Object.fromEntries(Object.entries(rows[0]!).map(([k, v]) => [k, Number(v)]));
}

beforeAll(async () => {
  databases = await createTestDatabases('schedules');
  mysql = connectMySql(databases.mysqlUrl, 4);
  await runMigrations(mysql.pool);
  orgId = (await createOrganization(mysql.db, system, { name: 'Acme Builders' })).id;
  otherOrgId = (await createOrganization(mysql.db, system, { name: 'Other Builders' })).id;
});

afterAll(async () => {
  await mysql.close();
  await databases.drop();
});

describe('schedules service: a file into a project and back', () => {
  it('MSPDI → platform → MSPDI → platform keeps every task, link type and lag; re-importing updates in place', async () => {
    const sample = sampleSchedule(200);
    const a = await newProject();
    const first = await importScheduleFile(mysql.db, a, 'MSPDI', streamOf(await fileOf('MSPDI', sample)));
    expect(first.warnings).toEqual([]);
    expect(first.counts).toEqual({
      schedule_calendars: { created: 2, updated: 0, deleted: 0 },
      schedule_tasks: { created: 200, updated: 0, deleted: 0 },
      task_dependencies: { created: sample.links.length, updated: 0, deleted: 0 },
      schedule_resources: { created: sample.resources.length, updated: 0, deleted: 0 },
      schedule_assignments: { created: sample.assignments.length, updated: 0, deleted: 0 },
    });
    const loaded = await loadSchedule(mysql.db, a);
    expect({ ...loaded, name: sample.name }).toEqual({ ...sample, warnings: [] });

    const exported = await bufferOf(await exportScheduleFile(mysql.db, a, 'MSPDI'));
    const b = await newProject();
    await importScheduleFile(mysql.db, b, 'MSPDI', streamOf(exported));
    expect({ ...(await loadSchedule(mysql.db, b)), name: null }).toEqual({ ...loaded, name: null });

    const again = await importScheduleFile(mysql.db, a, 'MSPDI', streamOf(exported));
    expect(again.counts.schedule_tasks).toEqual({ created: 0, updated: 200, deleted: 0 });
    expect(again.counts.task_dependencies).toEqual({ created: 0, updated: sample.links.length, deleted: 0 });
    expect(await counts(a)).toEqual({ tasks: 200, links: sample.links.length, calendars: 2, resources: sample.resources.length, assignments: sample.assignments.length });
  });

  it.each(['XER', 'P6_XML'] as const)('%s → platform → the same format → platform gives the same schedule', async (format) => {
    const sample = sampleSchedule(120);
    const a = await newProject();
    await importScheduleFile(mysql.db, a, format, streamOf(await fileOf(format, sample)));
    const loaded = await loadSchedule(mysql.db, a);
    expect(activitiesOf(loaded)).toEqual(activitiesOf(sample));
    expect(linksOf(loaded)).toEqual(linksOf(sample));
    expect(summariesOf(loaded)).toEqual(summariesOf(sample));
    const b = await newProject();
    await importScheduleFile(mysql.db, b, format, streamOf(await bufferOf(await exportScheduleFile(mysql.db, a, format))));
    const back = await loadSchedule(mysql.db, b);
    expect({ ...back, name: null }).toEqual({ ...loaded, name: null });
  });

  it('MSPDI → platform → XER → platform keeps the activities and links; summary tasks become the WBS', async () => {
    const sample = sampleSchedule(120);
    const a = await newProject();
    await importScheduleFile(mysql.db, a, 'MSPDI', streamOf(await fileOf('MSPDI', sample)));
    const warnings: string[] = [];
    const xer = await bufferOf(await exportScheduleFile(mysql.db, a, 'XER', warnings));
    expect(warnings).toEqual([
      expect.stringMatching(/^6 summary task\(s\) written as WBS nodes/),
      expect.stringMatching(/^P6 keeps no WBS code on an activity/),
      expect.stringMatching(/^P6 keeps durations and lags in hours/),
    ]);
    const c = await newProject();
    await importScheduleFile(mysql.db, c, 'XER', streamOf(xer));
    const fromXer = await loadSchedule(mysql.db, c);
    expect(activitiesOf(fromXer)).toEqual(activitiesOf(sample));
    expect(linksOf(fromXer)).toEqual(linksOf(sample));
    expect(summariesOf(fromXer)).toEqual(summariesOf(sample));
    expect(fromXer.resources.map((r) => r.uid)).toEqual(sample.resources.map((r) => r.uid));
    expect(fromXer.assignments).toEqual(sample.assignments);
  });

  it('keeps two or three links of different types between the same two tasks, in the records and back out', async () => {
    const a = await newProject();
    const sample = sampleSchedule(20);
    const [p, q] = ['5', '6'];
    sample.links = sample.links.filter((l) => !(l.predecessorUid === p && l.successorUid === q));
    sample.links.push(
      { predecessorUid: p, successorUid: q, type: 'FS', lagMinutes: 0, lagUnit: 'd' },
      { predecessorUid: p, successorUid: q, type: 'SS', lagMinutes: 480, lagUnit: 'd' },
      { predecessorUid: p, successorUid: q, type: 'FF', lagMinutes: 960, lagUnit: 'd' },
    );
    const first = await importScheduleFile(mysql.db, a, 'XER', streamOf(await fileOf('XER', sample)));
    expect(first.warnings).toEqual(['Skipped XER tables a schedule does not use: CURRTYPE']);
    expect(first.counts.task_dependencies).toEqual({ created: sample.links.length, updated: 0, deleted: 0 });
    const between = (s: Schedule) => s.links.filter((l) => l.predecessorUid === p && l.successorUid === q).map((l) => [l.type, l.lagMinutes]);
    expect(between(await loadSchedule(mysql.db, a))).toEqual([
      ['FS', 0],
      ['SS', 480],
      ['FF', 960],
    ]);
    const links = await listRecords(mysql.db, 'task_dependencies', a, { limit: 100, beforeId: null });
    expect(links.filter((l) => l.predecessorId === p && l.successorId === q).map((l) => l.originId).sort()).toEqual(['5->6', '5->6:FF', '5->6:SS']);
    // Importing again updates the three in place; dropping one type deletes that one only.
    const again = await importScheduleFile(mysql.db, a, 'XER', streamOf(await fileOf('XER', sample)));
    expect(again.counts.task_dependencies).toEqual({ created: 0, updated: sample.links.length, deleted: 0 });
    sample.links = sample.links.filter((l) => !(l.predecessorUid === p && l.successorUid === q && l.type === 'SS'));
    const fewer = await importScheduleFile(mysql.db, a, 'XER', streamOf(await fileOf('XER', sample)));
    expect(fewer.counts.task_dependencies).toEqual({ created: 0, updated: sample.links.length, deleted: 1 });
    expect(between(await loadSchedule(mysql.db, a))).toEqual([
      ['FS', 0],
      ['FF', 960],
    ]);
    const warnings: string[] = [];
    await bufferOf(await exportScheduleFile(mysql.db, a, 'MSPDI', warnings));
    expect(warnings).toContain('MS Project holds one link between two tasks: 1 link(s) left out, the first between each pair kept: 5 → 6 FF (lag 960 min)');
  });

  it('keeps the percent complete type of each task (physical, duration, units) and writes it back', async () => {
    const a = await newProject();
    const sample = sampleSchedule(20);
    const types = ['physical', 'duration', 'units'] as const;
    sample.tasks.forEach((t, i) => {
      t.percentCompleteType = types[i % 3]!;
      t.percentComplete = t.isSummary ? 0 : (i * 7) % 101;
    });
    await importScheduleFile(mysql.db, a, 'XER', streamOf(await fileOf('XER', sample)));
    const records = await listRecords(mysql.db, 'schedule_tasks', a, { limit: 100, beforeId: null });
    expect(records.find((t) => t.originId === '3')).toMatchObject({ percentCompleteType: 'units', percentComplete: '14.0000' });
    const activities = (s: Schedule) => s.tasks.filter((t) => !t.isSummary).map((t) => [t.uid, t.percentCompleteType, t.percentComplete]);
    const loaded = await loadSchedule(mysql.db, a);
    expect(activities(loaded)).toEqual(activities(sample));
    for (const format of ['XER', 'P6_XML'] as const) {
      const b = await newProject();
      await importScheduleFile(mysql.db, b, format, streamOf(await bufferOf(await exportScheduleFile(mysql.db, a, format))));
      expect(activities(await loadSchedule(mysql.db, b))).toEqual(activities(sample));
    }
  });

  it('shows the schedule through the generic records API', async () => {
    const a = await newProject();
    await importSchedule(mysql.db, a, sampleSchedule(40));
    const tasks = await listRecords(mysql.db, 'schedule_tasks', a, { limit: 100, beforeId: null });
    const task = tasks.find((t) => t.originId === '2')!;
    expect(task).toMatchObject({ name: expect.stringContaining('Task 2'), wbs: '1.1', startDate: '2025-01-07', durationDays: '3.0000', isSummary: false, outlineLevel: 2, sortOrder: 2 });
    const links = await listRecords(mysql.db, 'task_dependencies', a, { limit: 100, beforeId: null });
    expect(links.find((l) => l.originId === '2->3')).toMatchObject({ predecessorId: '2', successorId: '3', type: 'FS', lagDays: '0.0000', lagUnit: 'd' });
  });

  it('replaces the schedule: tasks and links the file no longer has are deleted', async () => {
    const a = await newProject();
    await importSchedule(mysql.db, a, sampleSchedule(60));
    const smaller = sampleSchedule(40);
    const summary = await importSchedule(mysql.db, a, smaller);
    expect(summary.counts.schedule_tasks).toEqual({ created: 0, updated: 40, deleted: 20 });
    expect((await counts(a)).tasks).toBe(40);
    expect(linksOf(await loadSchedule(mysql.db, a))).toEqual(linksOf(smaller));
  });

  it('writes record events in the import’s transaction, only those a webhook subscribes to', async () => {
    const a = await newProject();
    const asked: string[][] = [];
    const subscribedEvents = async (_org: number, names: string[]) => {
      asked.push(names);
      return names.filter((n) => n.startsWith('schedule_task.'));
    };
    const eventsOf = async () => {
      const [rows] = (await mysql.pool.query('SELECT event_type AS type, COUNT(*) AS n FROM outbox_events WHERE project_id = ? GROUP BY event_type ORDER BY event_type', [a.projectId])) as unknown as [
        Array<{ type: string; n: number }>,
      ];
      return Object.fromEntries(rows.map((r) => [r.type, Number(r.n)]));
    };
    await importSchedule(mysql.db, a, sampleSchedule(30), { subscribedEvents });
    expect(asked[0]).toEqual(expect.arrayContaining(['schedule_task.created', 'task_dependency.deleted', 'schedule_calendar.updated', 'schedule_assignment.created']));
    expect(await eventsOf()).toEqual({ 'schedule_task.created': 30 });
    await importSchedule(mysql.db, a, sampleSchedule(20), { subscribedEvents });
    expect(await eventsOf()).toEqual({ 'schedule_task.created': 30, 'schedule_task.updated': 20, 'schedule_task.deleted': 10 });
    await importSchedule(mysql.db, a, sampleSchedule(20));
    expect(await eventsOf()).toEqual({ 'schedule_task.created': 30, 'schedule_task.updated': 20, 'schedule_task.deleted': 10 });
  });

  it('refuses a cyclic schedule and leaves the project as it was', async () => {
    const a = await newProject();
    const sample = sampleSchedule(40);
    await importSchedule(mysql.db, a, sample);
    const before = await loadSchedule(mysql.db, a);
    const cyclic = sampleSchedule(40);
    cyclic.links.push({ predecessorUid: '30', successorUid: '3', type: 'FS', lagMinutes: 0, lagUnit: 'd' });
    cyclic.tasks[2]!.name = 'changed';
    await expect(importScheduleFile(mysql.db, a, 'MSPDI', streamOf(await fileOf('MSPDI', cyclic)))).rejects.toMatchObject({ reason: 'CYCLE', code: 'BAD_USER_INPUT' });
    expect(await loadSchedule(mysql.db, a)).toEqual(before);
  });

  it('writes nothing when the database refuses a row half way (one transaction)', async () => {
    const a = await newProject();
    const bad = sampleSchedule(1500);
    // Validation lets it through; the column (an enum) does not: the table after the tasks fails.
    (bad.resources[0] as { type: string }).type = 'robot';
    await expect(importSchedule(mysql.db, a, bad)).rejects.toThrow();
    expect(await counts(a)).toEqual({ tasks: 0, links: 0, calendars: 0, resources: 0, assignments: 0 });
  });

  it('keeps projects and organizations apart', async () => {
    const a = await newProject();
    const foreign = await newProject(otherOrgId);
    await importSchedule(mysql.db, a, sampleSchedule(20));
    await importSchedule(mysql.db, foreign, sampleSchedule(40));
    expect((await loadSchedule(mysql.db, a)).tasks).toHaveLength(20);
    // The other organization's project reads as missing.
    await expect(loadSchedule(mysql.db, { organizationId: orgId, projectId: foreign.projectId })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(importSchedule(mysql.db, { organizationId: orgId, projectId: foreign.projectId }, sampleSchedule(5))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await counts(foreign)).tasks).toBe(40);
  });

  it('serves the MS Project and P6 connectors of the integrations contract', async () => {
    const a = await newProject();
    const scope = { db: mysql.db, logger: createLogger('silent'), ...a };
    const summary = await primaveraP6Connector.files!.importFile(scope, 'XER', streamOf(await fileOf('XER', sampleSchedule(30))));
    expect(summary.counts.schedule_tasks?.created).toBe(30);
    const xml = await bufferOf(await msProjectConnector.files!.exportFile(scope, 'MSPDI'));
    expect(xml.toString('utf8')).toContain('<Project xmlns="http://schemas.microsoft.com/project">');
    await expect(msProjectConnector.files!.importFile(scope, 'XER', streamOf(''))).rejects.toMatchObject({ reason: 'UNKNOWN_FORMAT' });
    expect(msProjectConnector.configSchema.safeParse({}).success).toBe(true);
    expect(primaveraP6Connector.files!.formats.map((f) => f.id)).toEqual(['XER', 'P6_XML']);
    // With subscriptions, the connectors' imports write record events too.
    const [, p6] = scheduleConnectors({ subscribedEvents: async (_db, _org, names) => names.filter((n) => n === 'schedule_task.created') });
    const b = await newProject();
    await p6.files!.importFile({ ...scope, ...b }, 'XER', streamOf(await fileOf('XER', sampleSchedule(10))));
    const [rows] = (await mysql.pool.query("SELECT COUNT(*) AS n FROM outbox_events WHERE project_id = ? AND event_type = 'schedule_task.created'", [b.projectId])) as unknown as [Array<{ n: number }>];
    expect(Number(rows[0]!.n)).toBe(10);
  });
});
