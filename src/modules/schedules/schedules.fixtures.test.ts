import { createReadStream } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabases, type TestDatabases } from '../../../test/support/databases.js';
import { connectMySql, type MySql } from '../../platform/db/mysql.js';
import { runMigrations } from '../../platform/db/migrate.js';
import { createOrganization, createProject } from '../organizations/index.js';
import { exportScheduleFile, importScheduleFile, loadSchedule, readScheduleFile, type ScheduleFormat } from './schedules.service.js';
import { validateSchedule } from './schedule.validate.js';
import { bufferOf, streamOf } from './schedule.test-support.js';
import { FIXTURES_DIR, realFilesPresent } from '../../../test/support/real-files.js';

/*
 * Real files exported by MS Project and P6 (../shared/fixtures; SOURCES.tsv says where each comes
 * from). The tier skips, visibly, where that folder is absent.
 */
const FIXTURES = FIXTURES_DIR;
const present = realFilesPresent('the schedule fixture tier');

const read = async (format: ScheduleFormat, name: string) => validateSchedule(await readScheduleFile(format, createReadStream(path.join(FIXTURES, name))));

const FILES: Array<[ScheduleFormat, string]> = [
  ['MSPDI', 'mspdi/mpxj-task-links-project2019-mspdi.xml'],
  ['MSPDI', 'mspdi/mpxj-legacy-sample.xml'],
  ['XER', 'xer/mpxj-PredecessorCalendar.xer'],
  ['XER', 'xer/mpxj-resource-rates-test.xer'],
  ['P6_XML', 'pmxml/mpxj-PredecessorCalendar-pmxml.xml'],
];

describe.skipIf(!present)('fixture tier: schedules exported by MS Project and P6', () => {
  it('MS Project 2019: links of all four types with lags in days and weeks', async () => {
    const s = await read('MSPDI', 'mspdi/mpxj-task-links-project2019-mspdi.xml');
    expect(s.tasks).toHaveLength(16);
    expect(s.links.map((l) => [l.predecessorUid, l.successorUid, l.type, l.lagMinutes, l.lagUnit])).toEqual([
      ['1', '2', 'FS', 0, 'd'],
      ['3', '4', 'FS', 480, 'd'],
      ['5', '6', 'FS', 960, 'd'],
      ['7', '8', 'FS', 2400, 'w'],
      ['9', '10', 'FS', 4800, 'w'],
      ['11', '12', 'SF', 960, 'd'],
      ['13', '14', 'SS', 960, 'd'],
      ['15', '16', 'FF', 960, 'd'],
    ]);
    expect(s.tasks[0]).toMatchObject({ uid: '1', name: 'Task 1', start: '2018-10-18T08:00:00', finish: '2018-10-18T17:00:00', durationMinutes: 480, outlineLevel: 1 });
    expect(s.calendars).toEqual([expect.objectContaining({ uid: '1', name: 'Standard', week: [[], ...Array(5).fill(['08:00-12:00', '13:00-17:00']), []] })]);
  });

  it('MS Project (legacy): summaries, milestones, derived calendars, resources and their assignments', async () => {
    const s = await read('MSPDI', 'mspdi/mpxj-legacy-sample.xml');
    expect(s.tasks).toHaveLength(19);
    expect(s.tasks.filter((t) => t.isSummary).map((t) => t.name)).toEqual(['First Task', 'Recurring Task', 'Task Relationships']);
    expect(s.tasks.find((t) => t.uid === '3')).toMatchObject({ name: 'Third task', isMilestone: true, wbs: '1.2', outlineLevel: 2 });
    expect(s.links.map((l) => l.type)).toEqual(['FS', 'FS', 'FS', 'SS', 'FF', 'SF']);
    expect(s.links[2]).toMatchObject({ lagMinutes: -480, lagUnit: 'd' });
    expect(s.calendars.map((c) => [c.name, c.baseUid])).toEqual([
      ['Standard', null],
      ['Night Shift', null],
      ['First Resource', '1'],
      ['Second Resource', '2'],
    ]);
    expect(s.resources.map((r) => [r.uid, r.code, r.name, r.calendarUid])).toEqual([
      ['1', 'FR', 'First Resource', '3'],
      ['2', 'SR', 'Second Resource', '4'],
    ]);
    // The placeholder assignments of unassigned tasks (resource -65535) are not resources.
    expect(s.assignments).toEqual([
      { uid: '0', taskUid: '2', resourceUid: '1', units: 0.5, workHours: 200 },
      { uid: '1', taskUid: '2', resourceUid: '2', units: 0.75, workHours: 300 },
    ]);
  });

  it('P6 XER: activity, calendar data, constraint, skipped tables; resources and assignments', async () => {
    const s = await read('XER', 'xer/mpxj-PredecessorCalendar.xer');
    expect(s.name).toBe('TEST PROJECT');
    expect(s.tasks).toEqual([
      expect.objectContaining({ uid: 'A1000', name: 'Test', start: '2019-06-10T08:00:00', finish: '2019-06-12T17:00:00', durationMinutes: 1440, percentComplete: 100, calendarUid: '44739', constraintType: 'snet', constraintDate: '2019-06-10' }),
    ]);
    expect(s.calendars).toEqual([{ uid: '44739', name: '5 Day', baseUid: null, hoursPerDay: 8, week: [[], ...Array(5).fill(['08:00-12:00', '13:00-17:00']), []] }]);
    expect(s.warnings).toEqual(['Skipped XER tables a schedule does not use: CURRTYPE, OBS, SCHEDOPTIONS, ACTVTYPE, ACTVCODE, TASKACTV']);
    const rates = await read('XER', 'xer/mpxj-resource-rates-test.xer');
    expect(rates.resources).toEqual([{ uid: '1316', code: 'R1', name: 'Resource 1', type: 'labor', calendarUid: '597', maxUnits: 1 }]);
    expect(rates.assignments.length).toBeGreaterThanOrEqual(2);
    expect(rates.assignments[0]).toEqual({ uid: '6639', taskUid: 'A1000', resourceUid: '1316', units: 1, workHours: 240 });
  });

  it('P6 XML: WBS as a summary task, the activity, and work periods ending a minute early', async () => {
    const s = await read('P6_XML', 'pmxml/mpxj-PredecessorCalendar-pmxml.xml');
    expect(s.tasks.map((t) => [t.uid, t.name, t.isSummary, t.outlineLevel])).toEqual([
      ['WBS:1', 'Test Project', true, 1],
      ['A1000', 'Test', false, 2],
    ]);
    expect(s.tasks[1]).toMatchObject({ start: '2021-02-05T08:00:00', finish: '2021-04-19T15:30:00', durationMinutes: 21600, percentComplete: 100 });
    // The WBS node spans its activities.
    expect(s.tasks[0]).toMatchObject({ start: '2021-02-05T08:00:00', finish: '2021-04-19T15:30:00' });
    expect(s.calendars[0]!.week![1]).toEqual(['07:00-12:00', '12:30-15:30']);
  });

  describe('into a project and back', () => {
    let databases: TestDatabases;
    let mysql: MySql;
    let organizationId: number;
    let n = 0;
    const system = { type: 'system' as const, id: 'test' };
    beforeAll(async () => {
      databases = await createTestDatabases('sched_fixtures');
      mysql = connectMySql(databases.mysqlUrl, 3);
      await runMigrations(mysql.pool);
      organizationId = (await createOrganization(mysql.db, system, { name: 'Fixtures' })).id;
    });
    afterAll(async () => {
      await mysql.close();
      await databases.drop();
    });
    const project = async () => ({ organizationId, projectId: (await createProject(mysql.db, system, { organizationId, name: `P${++n}`, code: `P${n}` })).project.id });

    it.each(FILES)('%s %s imports, exports in its format and imports again to the same schedule', async (format, name) => {
      const a = await project();
      const summary = await importScheduleFile(mysql.db, a, format, createReadStream(path.join(FIXTURES, name)));
      expect(summary.counts.schedule_tasks?.created).toBeGreaterThan(0);
      const first = await loadSchedule(mysql.db, a);
      const exported = await bufferOf(await exportScheduleFile(mysql.db, a, format));
      const b = await project();
      await importScheduleFile(mysql.db, b, format, streamOf(exported));
      expect({ ...(await loadSchedule(mysql.db, b)), name: null }).toEqual({ ...first, name: null });
    });
  });
});
