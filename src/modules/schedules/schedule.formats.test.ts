import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { readMspdi } from './mspdi.reader.js';
import { writeMspdi } from './mspdi.writer.js';
import { readXer } from './xer.reader.js';
import { writeXer } from './xer.writer.js';
import { readP6Xml } from './p6xml.reader.js';
import { writeP6Xml } from './p6xml.writer.js';
import { sampleSchedule } from './schedule.samples.js';
import { tasksOnCycle, validateSchedule } from './schedule.validate.js';
import { activitiesOf, bufferOf, linksOf, streamOf, summariesOf } from './schedule.test-support.js';
import { ScheduleFileError } from './schedules.errors.js';
import { defaultWeek, parseClndrData, formatClndrData } from './xer.format.js';
import { parseIsoDuration } from './mspdi.reader.js';
import type { LinkType, Schedule } from './schedule.model.js';

const mspdiOf = (s: Schedule, warnings: string[] = []) => [...writeMspdi(s, warnings)].join('');
const xerOf = (s: Schedule, warnings: string[] = []) => bufferOf(writeXer(s, warnings, new Date('2025-01-01T00:00:00Z')));
const p6xmlOf = (s: Schedule, warnings: string[] = []) => [...writeP6Xml(s, warnings)].join('');

async function refusal(promise: Promise<unknown>): Promise<ScheduleFileError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ScheduleFileError) return error;
    throw error;
  }
  throw new Error('expected a ScheduleFileError');
}

const XER_HEAD = 'ERMHDR\t8.0\t2025-01-01\tProject\tadmin\tadmin\tdb\tProject Management\tUSD';
const xerText = (...lines: string[]) => [XER_HEAD, ...lines].join('\r\n');
const PROJECT = ['%T\tPROJECT', '%F\tproj_id\tproj_short_name\tclndr_id', '%R\t1\tDEMO\t'];
const TASKS = [
  '%T\tTASK',
  '%F\ttask_id\tproj_id\twbs_id\ttask_code\ttask_name\ttask_type\ttarget_drtn_hr_cnt\ttarget_start_date\ttarget_end_date',
  '%R\t10\t1\t\tA10\tExcavate\tTT_Task\t16\t2025-01-06 08:00\t2025-01-07 17:00',
  '%R\t20\t1\t\tA20\tFooting\tTT_Task\t8\t2025-01-08 08:00\t2025-01-08 17:00',
];

/** What P6 cannot hold of sampleSchedule(120): its summary tasks, the activities' own WBS codes, display units. */
const p6Warnings = [
  expect.stringMatching(/^6 summary task\(s\) written as WBS nodes/),
  expect.stringMatching(/^P6 keeps no WBS code on an activity.*: 114 task WBS code\(s\) not kept \(2: 1\.1, /),
  expect.stringMatching(/^P6 keeps durations and lags in hours and shows them in its own unit: the display unit .* of 16 duration\(s\) and \d+ lag\(s\) is not kept$/),
];

describe('MSPDI', () => {
  it('round-trips a schedule: tasks, links of all four types with lags and units, calendars, resources, assignments', async () => {
    const sample = sampleSchedule(120);
    const xml = mspdiOf(sample);
    const back = await readMspdi(streamOf(xml));
    expect(back).toEqual({ ...sample, warnings: [] });
    expect(new Set(sample.links.map((l) => l.type))).toEqual(new Set(['FS', 'SS', 'FF', 'SF']));
  });

  it('writes the namespace and each element in the order of the MSPDI schema', () => {
    const xml = mspdiOf(sampleSchedule(60));
    expect(xml).toMatch(/^<\?xml version="1\.0" encoding="UTF-8" standalone="yes"\?>\n<Project xmlns="http:\/\/schemas\.microsoft\.com\/project">/);
    const header = ['SaveVersion', 'Name', 'Title', 'ScheduleFromStart', 'StartDate', 'FinishDate', 'CalendarUID', 'MinutesPerDay', 'MinutesPerWeek', 'DaysPerMonth', 'Calendars', 'Tasks', 'Resources', 'Assignments'];
    const firsts = header.map((n) => xml.indexOf(`<${n}>`));
    expect(firsts.every((i) => i > 0)).toBe(true);
    expect(firsts).toEqual([...firsts].sort((a, b) => a - b));
    const task = ['UID', 'ID', 'Name', 'IsNull', 'WBS', 'OutlineLevel', 'Start', 'Finish', 'Duration', 'DurationFormat', 'Milestone', 'Summary', 'PercentComplete', 'ConstraintType', 'CalendarUID', 'ConstraintDate', 'PhysicalPercentComplete', 'EarnedValueMethod', 'PredecessorLink'];
    expect(xml).toContain('<EarnedValueMethod>1</EarnedValueMethod>');
    for (const body of xml.match(/<Task>[\s\S]*?<\/Task>/g)!.slice(0, 40)) {
      const names = [...body.matchAll(/<([A-Za-z]+)>/g)].map((m) => m[1]!).filter((n) => task.includes(n));
      const positions = names.map((n) => task.indexOf(n));
      expect(positions).toEqual([...positions].sort((a, b) => a - b));
    }
    const link = /<PredecessorLink>([\s\S]*?)<\/PredecessorLink>/.exec(xml)![1]!;
    expect([...link.matchAll(/<([A-Za-z]+)>/g)].map((m) => m[1])).toEqual(['PredecessorUID', 'Type', 'CrossProject', 'LinkLag', 'LagFormat']);
  });

  it('reads LinkLag in tenths of a minute with its LagFormat, and ignores elements it does not know', async () => {
    const xml = `<?xml version="1.0"?><Project xmlns="http://schemas.microsoft.com/project"><Name>x</Name><Unknown><Deep>1</Deep></Unknown>
      <Tasks><Task><UID>0</UID><OutlineLevel>0</OutlineLevel><Name>project summary</Name></Task>
      <Task><UID>1</UID><Name>A &amp; B</Name><OutlineLevel>1</OutlineLevel><Duration>PT8H30M0S</Duration><DurationFormat>53</DurationFormat><Whatever>?</Whatever></Task>
      <Task><UID>2</UID><Name>C</Name><OutlineLevel>1</OutlineLevel>
        <PredecessorLink><PredecessorUID>1</PredecessorUID><Type>3</Type><LinkLag>48000</LinkLag><LagFormat>9</LagFormat><Future>x</Future></PredecessorLink>
        <PredecessorLink><PredecessorUID>1</PredecessorUID><Type>0</Type><LinkLag>-2400</LinkLag><LagFormat>5</LagFormat></PredecessorLink></Task>
      <Task><UID>3</UID><IsNull>1</IsNull></Task></Tasks></Project>`;
    const s = await readMspdi(streamOf(xml));
    expect(s.tasks.map((t) => [t.uid, t.name, t.durationMinutes, t.durationUnit])).toEqual([
      ['1', 'A & B', 510, 'd'],
      ['2', 'C', null, null],
    ]);
    expect(s.links).toEqual([
      { predecessorUid: '1', successorUid: '2', type: 'SS', lagMinutes: 4800, lagUnit: 'w' },
      { predecessorUid: '1', successorUid: '2', type: 'FF', lagMinutes: -240, lagUnit: 'h' },
    ]);
    const commented = '<Project xmlns="http://schemas.microsoft.com/project"><!-- <Tasks> --><Name>n</Name><Tasks><Task><UID>1</UID><Name><![CDATA[<Task>]]></Name></Task></Tasks></Project>';
    expect((await readMspdi(streamOf(commented))).tasks.map((t) => t.name)).toEqual(['<Task>']);
    const prefixed = '<p:Project xmlns:p="http://schemas.microsoft.com/project"><p:MinutesPerDay>420</p:MinutesPerDay><p:Tasks><p:Task><p:UID>7</p:UID><p:Name>x</p:Name></p:Task></p:Tasks></p:Project>';
    const p = await readMspdi(streamOf(prefixed));
    expect([p.minutesPerDay, p.tasks.map((t) => t.uid)]).toEqual([420, ['7']]);
    expect(parseIsoDuration('PT1H0M30S')).toBe(60.5);
    expect(parseIsoDuration('P1DT2H')).toBe(1560);
    expect(parseIsoDuration('junk')).toBeNull();
  });

  it('holds physical % complete (EarnedValueMethod 1) and duration % complete; units % complete is written as % complete with a warning', async () => {
    const sample = sampleSchedule(3);
    const [, a, b] = sample.tasks;
    Object.assign(a!, { percentComplete: 40, percentCompleteType: 'physical' });
    Object.assign(b!, { percentComplete: 60, percentCompleteType: 'units' });
    const warnings: string[] = [];
    const xml = mspdiOf(sample, warnings);
    expect(xml).toMatch(/<PercentComplete>40<\/PercentComplete>.*<PhysicalPercentComplete>40<\/PhysicalPercentComplete><EarnedValueMethod>1<\/EarnedValueMethod>/);
    const back = await readMspdi(streamOf(xml));
    expect(back.tasks.map((t) => [t.percentCompleteType, t.percentComplete])).toEqual([
      ['duration', 0],
      ['physical', 40],
      ['duration', 60],
    ]);
    expect(warnings).toEqual(['MS Project measures % complete by duration or physical % complete, not by units: 1 task(s) measured by units written as duration % complete (3)']);
  });

  it('refuses what is not MSPDI, malformed XML and DOCTYPEs', async () => {
    expect((await refusal(readMspdi(streamOf('<?xml version="1.0"?><Workbook/>')))).reason).toBe('NOT_MSPDI');
    expect((await refusal(readMspdi(streamOf('<Project xmlns="http://schemas.microsoft.com/project"><Tasks><Task></Tasks></Project>')))).reason).toBe('INVALID_XML');
    const xxe = '<?xml version="1.0"?><!DOCTYPE Project [<!ENTITY x SYSTEM "file:///etc/passwd">]><Project><Name>&x;</Name></Project>';
    expect((await refusal(readMspdi(streamOf(xxe)))).reason).toBe('ENTITY_EXPANSION');
    expect((await refusal(readMspdi(streamOf(Buffer.from('\ufeff<Project/>', 'utf16le'))))).reason).toBe('ENCODING');
    const noUid = '<Project xmlns="http://schemas.microsoft.com/project"><Tasks><Task><Name>x</Name></Task></Tasks></Project>';
    expect((await refusal(readMspdi(streamOf(noUid)))).reason).toBe('MISSING_VALUE');
  });
});

describe('XER', () => {
  it('round-trips a schedule through Windows-1252 with CR LF: activities, WBS, links with lags, calendars, resources, assignments', async () => {
    const sample = sampleSchedule(120);
    const warnings: string[] = [];
    const file = await xerOf(sample, warnings);
    // Summary tasks become WBS nodes; the activities' own WBS codes (1.1, …) are MS Project's, not P6's.
    expect(warnings).toEqual(p6Warnings);
    expect(file.includes(Buffer.from('\r\n'))).toBe(true);
    // € is 0x80 and ä 0xE4 in Windows-1252.
    expect(file.includes(Buffer.from([0xe4]))).toBe(true);
    expect(file.includes(Buffer.from([0x80]))).toBe(true);
    const text = iconv.decode(file, 'win1252');
    expect(text.split('\r\n').filter((l) => l.startsWith('%T')).map((l) => l.slice(3))).toEqual(['CURRTYPE', 'PROJECT', 'CALENDAR', 'PROJWBS', 'RSRC', 'RSRCRATE', 'TASK', 'TASKPRED', 'TASKRSRC']);
    expect(text.endsWith('%E\r\n')).toBe(true);

    const back = await readXer(streamOf(file));
    expect(activitiesOf(back)).toEqual(activitiesOf(sample));
    expect(linksOf(back)).toEqual(linksOf(sample));
    expect(summariesOf(back)).toEqual(summariesOf(sample));
    expect(back.tasks.filter((t) => t.isSummary).map((t) => t.uid)).toEqual(sample.tasks.filter((t) => t.isSummary).map((t) => `WBS:${t.wbs}`));
    expect(back.calendars).toEqual(sample.calendars);
    expect(back.resources).toEqual(sample.resources);
    expect(back.assignments).toEqual(sample.assignments);
    // Written again, the schedule read back reads the same.
    expect(await readXer(streamOf(await xerOf(back)))).toEqual(back);
  });

  it('maps PR_FS / PR_SS / PR_FF / PR_SF with lag_hr_cnt, pads rows P6 shortened, and skips unknown tables with one warning', async () => {
    const file = xerText(
      '%T\tCURRTYPE',
      '%F\tcurr_id\tcurr_short_name',
      '%R\t1\tUSD',
      ...PROJECT,
      ...TASKS,
      '%T\tTASKPRED',
      '%F\ttask_pred_id\ttask_id\tpred_task_id\tproj_id\tpred_proj_id\tpred_type\tlag_hr_cnt',
      '%R\t1\t20\t10\t1\t1\tPR_SS\t4',
      '%R\t2\t20\t999\t1\t1\tPR_FS\t0',
      '%T\tUDFVALUE',
      '%F\tudf_type_id\tfk_id',
      '%R\t1\t10',
      '%E',
    );
    const s = validateSchedule(await readXer(streamOf(iconv.encode(file, 'win1252'))));
    expect(s.tasks.map((t) => [t.uid, t.name, t.durationMinutes, t.start])).toEqual([
      ['A10', 'Excavate', 960, '2025-01-06T08:00:00'],
      ['A20', 'Footing', 480, '2025-01-08T08:00:00'],
    ]);
    expect(s.links).toEqual([{ predecessorUid: 'A10', successorUid: 'A20', type: 'SS', lagMinutes: 240, lagUnit: 'd' }]);
    expect(s.warnings).toEqual([
      'Skipped XER tables a schedule does not use: CURRTYPE, UDFVALUE',
      'Relationship 2 links a task that is not in the project (task_id 999 → 20): dropped',
    ]);
  });

  it('reads two or three relationships of different types between the same two activities', async () => {
    const file = xerText(
      ...PROJECT,
      ...TASKS,
      '%T\tTASKPRED',
      '%F\ttask_pred_id\ttask_id\tpred_task_id\tproj_id\tpred_proj_id\tpred_type\tlag_hr_cnt',
      '%R\t1\t20\t10\t1\t1\tPR_FS\t0',
      '%R\t2\t20\t10\t1\t1\tPR_SS\t8',
      '%R\t3\t20\t10\t1\t1\tPR_FF\t16',
      '%E',
    );
    const s = validateSchedule(await readXer(streamOf(file)));
    expect(s.links.map((l) => [l.type, l.lagMinutes])).toEqual([
      ['FS', 0],
      ['SS', 480],
      ['FF', 960],
    ]);
    expect(s.warnings).toEqual([]);
    // XER and P6 XML hold all three; MSPDI holds one link per predecessor of a task and says which it left out.
    for (const back of [await readXer(streamOf(await xerOf(s))), await readP6Xml(streamOf(p6xmlOf(s)))]) {
      expect(validateSchedule(back).links.map((l) => [l.type, l.lagMinutes])).toEqual(s.links.map((l) => [l.type, l.lagMinutes]));
    }
    const warnings: string[] = [];
    const mspdi = await readMspdi(streamOf(mspdiOf(s, warnings)));
    expect(mspdi.links.map((l) => l.type)).toEqual(['FS']);
    expect(warnings).toEqual([
      'The schedule has no calendar: one named "Standard" (Monday to Friday, 08:00-12:00 and 13:00-17:00) was written, as MSPDI needs one',
      'MSPDI needs whole-number ids: 2 task id(s) renumbered (A10 → 1, A20 → 2)',
      'MS Project holds one link between two tasks: 2 link(s) left out, the first between each pair kept: A10 → A20 SS (lag 480 min), A10 → A20 FF (lag 960 min)',
    ]);
  });

  it('reads % complete by its type: physical, duration (remaining against original duration), units (actual against remaining units)', async () => {
    const file = xerText(
      '%T\tPROJECT',
      '%F\tproj_id\tproj_short_name\tclndr_id\tdef_complete_pct_type',
      '%R\t1\tDEMO\t\tCP_Drtn',
      '%T\tRSRC',
      '%F\trsrc_id\trsrc_short_name\trsrc_name\trsrc_type',
      '%R\t1\tCARP\tCarpenter\tRT_Labor',
      '%R\t2\tCRANE\tCrane\tRT_Equip',
      '%R\t3\tCONC\tConcrete\tRT_Mat',
      '%T\tTASK',
      '%F\ttask_id\tproj_id\ttask_code\ttask_name\tcomplete_pct_type\tphys_complete_pct\tstatus_code\ttarget_drtn_hr_cnt\tremain_drtn_hr_cnt\tact_work_qty\tremain_work_qty\tact_equip_qty\tremain_equip_qty',
      '%R\t1\t1\tP1\tPhysical\tCP_Phys\t35\tTK_Active\t80\t80\t0\t0\t0\t0',
      '%R\t2\t1\tD1\tDuration\tCP_Drtn\t0\tTK_Active\t80\t20\t0\t0\t0\t0',
      '%R\t3\t1\tU1\tUnits of assignments\tCP_Units\t0\tTK_Active\t80\t80\t0\t0\t0\t0',
      '%R\t4\t1\tU2\tUnits without assignments\tCP_Units\t0\tTK_Active\t80\t80\t30\t50\t10\t10',
      '%R\t5\t1\tX1\tProject default type\t\t10\tTK_Active\t40\t30\t0\t0\t0\t0',
      '%R\t6\t1\tM1\tFinished milestone\tCP_Drtn\t0\tTK_Complete\t0\t0\t0\t0\t0\t0',
      '%T\tTASKRSRC',
      '%F\ttaskrsrc_id\ttask_id\tproj_id\trsrc_id\ttarget_qty\tact_reg_qty\tact_ot_qty\tremain_qty\trsrc_type',
      '%R\t1\t3\t1\t1\t40\t10\t2\t28\tRT_Labor',
      '%R\t2\t3\t1\t2\t20\t8\t0\t12\tRT_Equip',
      '%R\t3\t3\t1\t3\t100\t100\t0\t0\tRT_Mat',
      '%E',
    );
    const s = validateSchedule(await readXer(streamOf(file)));
    expect(s.tasks.map((t) => [t.uid, t.percentCompleteType, t.percentComplete])).toEqual([
      ['P1', 'physical', 35],
      ['D1', 'duration', 75],
      // (10 + 2 + 8) / (10 + 2 + 28 + 8 + 12): labor and nonlabor units; the material is not counted.
      ['U1', 'units', 33.3333],
      // No assignments: the activity's own labor and nonlabor units, (30 + 10) / (30 + 50 + 10 + 10).
      ['U2', 'units', 40],
      ['X1', 'duration', 25],
      ['M1', 'duration', 100],
    ]);
    // Written back with its type (and what P6 computes it from), each reads as it was.
    for (const back of [await readXer(streamOf(await xerOf(s))), await readP6Xml(streamOf(p6xmlOf(s)))]) {
      expect(back.tasks.map((t) => [t.uid, t.percentCompleteType, t.percentComplete])).toEqual(s.tasks.map((t) => [t.uid, t.percentCompleteType, t.percentComplete]));
    }
    const text = iconv.decode(await xerOf(s), 'win1252');
    const row = (code: string) => text.split('\r\n').find((l) => l.startsWith('%R') && l.split('\t').includes(code))!.split('\t');
    const fields = text.split('\r\n').find((l) => l.startsWith('%F\ttask_id'))!.split('\t');
    const value = (code: string, field: string) => row(code)[fields.indexOf(field)];
    expect(['P1', 'D1', 'U1'].map((c) => value(c, 'complete_pct_type'))).toEqual(['CP_Phys', 'CP_Drtn', 'CP_Units']);
    expect([value('P1', 'phys_complete_pct'), value('D1', 'remain_drtn_hr_cnt')]).toEqual(['35', '20']);
  });

  it('reads one project of a file that holds several, with a warning', async () => {
    const file = xerText(
      '%T\tPROJECT',
      '%F\tproj_id\tproj_short_name\tproject_flag',
      '%R\t1\tTEMPLATE\tN',
      '%R\t2\tTOWER\tY',
      '%R\t3\tGARAGE\tY',
      '%T\tTASK',
      '%F\ttask_id\tproj_id\ttask_code\ttask_name',
      '%R\t10\t1\tT1\tTemplate task',
      '%R\t20\t2\tA1\tTower task',
      '%R\t30\t3\tG1\tGarage task',
      '%E',
    );
    const s = await readXer(streamOf(file));
    expect([s.name, s.tasks.map((t) => t.uid)]).toEqual(['TOWER', ['A1']]);
    expect(s.warnings).toContain('The XER file holds 3 projects (TEMPLATE, TOWER, GARAGE); only TOWER was read: name another with p6Project');
    // Another, by its ID (any case): no warning then.
    const garage = await readXer(streamOf(file), { project: 'garage' });
    expect([garage.name, garage.tasks.map((t) => t.uid), garage.warnings]).toEqual(['GARAGE', ['G1'], []]);
    const missing = await refusal(readXer(streamOf(file), { project: 'PARKING' }));
    expect(missing.reason).toBe('PROJECT_NOT_FOUND');
    expect(missing.message).toBe('The XER file has no project "PARKING"; it holds "TEMPLATE", "TOWER", "GARAGE"');
  });

  it('reads a text value with a line break in it as one value', async () => {
    const file = xerText(...PROJECT, '%T\tTASK', '%F\ttask_id\tproj_id\ttask_code\ttask_name\ttask_type', '%R\t1\t1\tA1\tFirst line', 'second line\tTT_Mile', '%E');
    const s = await readXer(streamOf(file));
    expect(s.tasks.map((t) => [t.name, t.isMilestone])).toEqual([['First line\nsecond line', true]]);
  });

  it('decodes Windows-1252 (€ and accents) and UTF-8, LF or CR LF', async () => {
    const lines = [...PROJECT, '%T\tTASK', '%F\ttask_id\tproj_id\ttask_code\ttask_name', '%R\t1\t1\tA1\tBéton – 5 €', '%E'];
    for (const content of [iconv.encode(xerText(...lines), 'win1252'), Buffer.from(xerText(...lines).replace(/\r\n/g, '\n'), 'utf8')]) {
      expect((await readXer(streamOf(content, 7))).tasks.map((t) => t.name)).toEqual(['Béton – 5 €']);
    }
  });

  it('refuses truncated files, damaged rows, wrong encodings and files that are not XER', async () => {
    const truncated = xerText(...PROJECT, ...TASKS);
    expect(await refusal(readXer(streamOf(truncated)))).toMatchObject({ reason: 'TRUNCATED', message: expect.stringContaining('without the %E end line') });
    const tooMany = xerText(...PROJECT, '%T\tTASK', '%F\ttask_id\ttask_code', '%R\t1\tA1\textra\tvalues', '%E');
    expect(await refusal(readXer(streamOf(tooMany)))).toMatchObject({ reason: 'BAD_ROW', context: { line: 7, table: 'TASK' } });
    const stray = xerText(...PROJECT.slice(0, 2), 'some text', '%E');
    expect(await refusal(readXer(streamOf(stray)))).toMatchObject({ reason: 'BAD_ROW', context: { line: 4 } });
    const rowFirst = xerText('%T\tTASK', '%R\t1\tA1', '%E');
    expect((await refusal(readXer(streamOf(rowFirst)))).reason).toBe('BAD_ROW');
    expect((await refusal(readXer(streamOf('task_id,task_code\n1,A1\n')))).reason).toBe('NOT_XER');
    expect((await refusal(readXer(streamOf(Buffer.from(`\ufeff${xerText(...PROJECT, '%E')}`, 'utf16le'))))).reason).toBe('ENCODING');
    expect((await refusal(readXer(streamOf(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00]))))).reason).toBe('ENCODING');
    expect((await refusal(readXer(streamOf(xerText('%T\tTASK', '%F\ttask_id', '%E'))))).reason).toBe('NO_PROJECT');
    const noCode = xerText(...PROJECT, '%T\tTASK', '%F\ttask_id\tproj_id\ttask_code', '%R\t7\t1\t', '%E');
    expect((await refusal(readXer(streamOf(noCode)))).reason).toBe('MISSING_VALUE');
  });

  it('keeps WBS codes that hold dots', async () => {
    const file = xerText(
      ...PROJECT,
      '%T\tPROJWBS',
      '%F\twbs_id\tproj_id\tproj_node_flag\twbs_short_name\twbs_name\tparent_wbs_id\tseq_num',
      '%R\t1\t1\tY\tDEMO\tDemo\t\t0',
      '%R\t2\t1\tN\tB.1\tBuilding 1\t1\t1',
      '%R\t3\t1\tN\tL.02\tLevel 2\t2\t1',
      '%T\tTASK',
      '%F\ttask_id\tproj_id\twbs_id\ttask_code\ttask_name',
      '%R\t10\t1\t3\tA10\tSlab',
      '%E',
    );
    const s = await readXer(streamOf(file));
    expect(s.tasks.map((t) => [t.uid, t.wbs, t.outlineLevel])).toEqual([
      ['WBS:B.1', 'B.1', 1],
      ['WBS:B.1.L.02', 'B.1.L.02', 2],
      ['A10', 'B.1.L.02', 3],
    ]);
    const again = await readXer(streamOf(await xerOf(s)));
    expect(again.tasks.map((t) => [t.uid, t.wbs, t.outlineLevel])).toEqual(s.tasks.map((t) => [t.uid, t.wbs, t.outlineLevel]));
  });

  it('reads and writes the calendar data of CALENDAR.clndr_data', () => {
    const week = [[], ['08:00-12:00', '13:00-17:00'], ['07:00-15:30'], [], [], ['22:00-24:00'], ['08:00-12:00']];
    expect(parseClndrData(formatClndrData(week))).toEqual(week);
    expect(parseClndrData('(0||CalendarData()((0||DaysOfWeek()((0||1()())(0||2()((0||0(f|12:00|s|8:00)())))))))')).toEqual([[], ['08:00-12:00'], [], [], [], [], []]);
    expect(parseClndrData('')).toBeNull();
  });

  it('warns, naming the calendar, when its working week cannot be read, and writes no week the file did not have without saying so', async () => {
    const week = formatClndrData([[], ['07:00-15:00'], ['07:00-15:00'], ['07:00-15:00'], ['07:00-15:00'], [], []]);
    const file = xerText(
      ...PROJECT,
      '%T\tCALENDAR',
      '%F\tclndr_id\tclndr_name\tbase_clndr_id\tday_hr_cnt\tclndr_data',
      `%R\t1\tFour days\t\t8\t${week}`,
      '%R\t2\tNight shift\t\t8\t(0||CalendarData()((0||VIEW(ShowTotal|Y)())))',
      '%R\t3\tCrane crew\t1\t8\t',
      '%E',
    );
    const s = validateSchedule(await readXer(streamOf(file)));
    expect(s.calendars.map((c) => [c.name, c.week === null])).toEqual([
      ['Four days', false],
      ['Night shift', true],
      ['Crane crew', true],
    ]);
    // A calendar with a base inherits its week; one without is named.
    expect(s.warnings).toEqual(['Calendar "Night shift" (2): its working week (clndr_data) could not be read; it is kept without one']);

    for (const [format, write] of [
      ['XER', async (w: string[]) => readXer(streamOf(await xerOf(s, w)))],
      ['P6 XML', async (w: string[]) => readP6Xml(streamOf(p6xmlOf(s, w)))],
    ] as const) {
      const warnings: string[] = [];
      const back = await write(warnings);
      expect(warnings, format).toEqual(['Calendar "Night shift" has no working week: written with Monday to Friday, 08:00-12:00 and 13:00-17:00, as P6 needs one']);
      // The derived calendar is written with its base's week, which it had through the base.
      expect(back.calendars.map((c) => c.week), format).toEqual([s.calendars[0]!.week, defaultWeek(), s.calendars[0]!.week]);
    }
    const warnings: string[] = [];
    const mspdi = await readMspdi(streamOf(mspdiOf(s, warnings)));
    expect(warnings).toEqual(['Calendar "Night shift" has no working week: written without week days, for which MS Project uses its default week']);
    // MSPDI keeps the derived calendar derived.
    expect(mspdi.calendars.map((c) => [c.week, c.baseUid])).toEqual([
      [s.calendars[0]!.week, null],
      [null, null],
      [null, '1'],
    ]);
  });

  it('says so when it writes a calendar the schedule does not have', async () => {
    const s = sampleSchedule(5);
    s.calendars = [];
    for (const t of s.tasks) t.calendarUid = null;
    s.resources = s.resources.map((r) => ({ ...r, calendarUid: null }));
    const named = (format: string) => `The schedule has no calendar: one named "Standard" (Monday to Friday, 08:00-12:00 and 13:00-17:00) was written, as ${format} needs one`;
    for (const [format, warnings] of [
      ['MSPDI', (() => { const w: string[] = []; mspdiOf(s, w); return w; })()],
      ['P6', await (async () => { const w: string[] = []; await xerOf(s, w); return w; })()],
      ['P6', (() => { const w: string[] = []; p6xmlOf(s, w); return w; })()],
    ] as const) {
      expect(warnings).toContain(named(format));
    }
  });

  it('keeps a working period that ends at midnight in every format', async () => {
    const s = sampleSchedule(3);
    s.calendars[1]!.week = [[], ['22:00-24:00'], [], [], [], [], []];
    for (const back of [await readMspdi(streamOf(mspdiOf(s))), await readXer(streamOf(await xerOf(s))), await readP6Xml(streamOf(p6xmlOf(s)))]) {
      expect(back.calendars[1]!.week![1]).toEqual(['22:00-24:00']);
    }
  });

  it('reads a 4,000-task, 6,000-link schedule line by line', async () => {
    const sample = sampleSchedule(4000);
    expect(sample.links.length).toBeGreaterThan(5900);
    const back = validateSchedule(await readXer(streamOf(await xerOf(sample), 64 * 1024)));
    expect(back.tasks).toHaveLength(4000);
    expect(back.links).toHaveLength(sample.links.length);
  });
});

describe('P6 XML', () => {
  it('round-trips a schedule, and reads it without its namespace too', async () => {
    const sample = sampleSchedule(120);
    const warnings: string[] = [];
    const xml = p6xmlOf(sample, warnings);
    expect(warnings).toEqual(p6Warnings);
    expect(xml).toContain('<APIBusinessObjects xmlns="http://xmlns.oracle.com/Primavera/P6/V8.3/API/BusinessObjects"');
    for (const text of [xml, xml.replace(/ xmlns="[^"]*"/, '')]) {
      const back = await readP6Xml(streamOf(text));
      expect(activitiesOf(back)).toEqual(activitiesOf(sample));
      expect(linksOf(back)).toEqual(linksOf(sample));
      expect(summariesOf(back)).toEqual(summariesOf(sample));
      expect(back.calendars).toEqual(sample.calendars);
      expect(back.resources).toEqual(sample.resources);
      expect(back.assignments).toEqual(sample.assignments);
    }
  });

  it('reads relationships and assignments at the top level, and refuses other documents', async () => {
    const xml = `<APIBusinessObjects><Calendar><ObjectId>3</ObjectId><Name>Empty</Name></Calendar><Project><ObjectId>5</ObjectId><Id>P</Id>
      <Activity><ObjectId>1</ObjectId><Id>A1</Id><Name>One</Name><PlannedDuration>8</PlannedDuration><PercentComplete>0.5</PercentComplete><Type>Finish Milestone</Type></Activity>
      <Activity><ObjectId>2</ObjectId><Id>A2</Id><Name>Two</Name></Activity></Project>
      <Relationship><ObjectId>9</ObjectId><PredecessorActivityObjectId>1</PredecessorActivityObjectId><SuccessorActivityObjectId>2</SuccessorActivityObjectId><Type>Start to Finish</Type><Lag>-4</Lag></Relationship>
      </APIBusinessObjects>`;
    const s = await readP6Xml(streamOf(xml));
    expect(s.tasks.map((t) => [t.uid, t.durationMinutes, t.percentComplete, t.isMilestone])).toEqual([
      ['A1', 480, 50, true],
      ['A2', null, null, false],
    ]);
    expect(s.links).toEqual([{ predecessorUid: 'A1', successorUid: 'A2', type: 'SF', lagMinutes: -240, lagUnit: 'd' }]);
    expect(s.warnings).toEqual(['Calendar "Empty" (3) has no StandardWorkWeek: it is kept without a working week']);
    expect((await refusal(readP6Xml(streamOf('<Project xmlns="http://schemas.microsoft.com/project"/>')))).reason).toBe('NOT_P6_XML');
    expect((await refusal(readP6Xml(streamOf('<APIBusinessObjects></APIBusinessObjects>')))).reason).toBe('NO_PROJECT');
  });

  it('reads the percent complete type and % complete of activities, with the project default', async () => {
    const xml = `<APIBusinessObjects><Project><ObjectId>5</ObjectId><Id>P</Id><ActivityDefaultPercentCompleteType>Physical</ActivityDefaultPercentCompleteType>
      <Activity><ObjectId>1</ObjectId><Id>A1</Id><Name>Units</Name><PercentCompleteType>Units</PercentCompleteType><PercentComplete>0.25</PercentComplete><UnitsPercentComplete>0.25</UnitsPercentComplete></Activity>
      <Activity><ObjectId>2</ObjectId><Id>A2</Id><Name>Duration</Name><PercentCompleteType>Duration</PercentCompleteType><DurationPercentComplete>0.5</DurationPercentComplete></Activity>
      <Activity><ObjectId>3</ObjectId><Id>A3</Id><Name>Default</Name><PhysicalPercentComplete>0.1</PhysicalPercentComplete></Activity></Project></APIBusinessObjects>`;
    const s = await readP6Xml(streamOf(xml));
    expect(s.tasks.map((t) => [t.uid, t.percentCompleteType, t.percentComplete])).toEqual([
      ['A1', 'units', 25],
      ['A2', 'duration', 50],
      ['A3', 'physical', 10],
    ]);
  });

  it('reads the project a file of several names, else the first with a warning', async () => {
    const xml = `<APIBusinessObjects>
      <Project><ObjectId>5</ObjectId><Id>TOWER</Id><Activity><ObjectId>1</ObjectId><Id>T1</Id><Name>Tower</Name></Activity></Project>
      <Project><ObjectId>6</ObjectId><Id>GARAGE</Id><Activity><ObjectId>2</ObjectId><Id>G1</Id><Name>Garage</Name></Activity></Project>
      </APIBusinessObjects>`;
    const first = await readP6Xml(streamOf(xml));
    expect([first.name, first.tasks.map((t) => t.uid)]).toEqual(['TOWER', ['T1']]);
    expect(first.warnings).toContain('The P6 XML file holds 2 projects (TOWER, GARAGE); only the first (TOWER) was read: name another with p6Project');
    const garage = await readP6Xml(streamOf(xml), { project: 'GARAGE' });
    expect([garage.name, garage.tasks.map((t) => t.uid)]).toEqual(['GARAGE', ['G1']]);
    expect((await refusal(readP6Xml(streamOf(xml), { project: 'NONE' }))).reason).toBe('PROJECT_NOT_FOUND');
  });
});

describe('what a format cannot hold is named in the export’s warnings', () => {
  /** A small schedule with resources of every type, WBS codes on tasks, and max units. */
  function resourced(): Schedule {
    const s = sampleSchedule(6);
    // Activities only, so that only the resources draw warnings.
    s.tasks = s.tasks.filter((t) => !t.isSummary).map((t) => ({ ...t, wbs: null, outlineLevel: 1 }));
    s.resources = [
      { uid: '1', code: 'CARP', name: 'Carpenter', type: 'labor', calendarUid: '1', maxUnits: 2 },
      { uid: '2', code: 'CRANE', name: 'Tower crane', type: 'nonlabor', calendarUid: '1', maxUnits: 1.5 },
      { uid: '3', code: 'CONC', name: 'Concrete', type: 'material', calendarUid: null, maxUnits: null },
      { uid: '4', code: 'FEES', name: 'Permit fees', type: 'cost', calendarUid: null, maxUnits: null },
      { uid: '5', code: 'CARP', name: 'Second carpenter', type: 'labor', calendarUid: '1', maxUnits: 0.5 },
    ];
    s.assignments = [];
    return s;
  }

  it('MSPDI: equipment (nonlabor) resources are work resources in MS Project, and the warning says so', async () => {
    const warnings: string[] = [];
    const back = await readMspdi(streamOf(mspdiOf(resourced(), warnings)));
    expect(back.resources.map((r) => [r.code, r.type, r.maxUnits])).toEqual([
      ['CARP', 'labor', 2],
      ['CRANE', 'labor', 1.5],
      ['CONC', 'material', null],
      ['FEES', 'cost', null],
      ['CARP', 'labor', 0.5],
    ]);
    expect(warnings).toEqual(['MS Project has no equipment (nonlabor) resources: 1 resource(s) written as work resources (CRANE)']);
  });

  it('XER and P6 XML keep max units, rename repeated resource codes and write cost resources as nonlabor, each named', async () => {
    const expected = [
      ['CARP', 'labor', 2],
      ['CRANE', 'nonlabor', 1.5],
      ['CONC', 'material', null],
      ['FEES', 'nonlabor', null],
      ['CARP-5', 'labor', 0.5],
    ];
    const named = [
      'P6 has no cost resources: 1 resource(s) written as nonlabor (FEES)',
      'P6 needs a resource ID of its own for each resource: 1 resource code(s) used twice were renamed (CARP → CARP-5)',
    ];
    const xerWarnings: string[] = [];
    const xer = await readXer(streamOf(await xerOf(resourced(), xerWarnings)));
    expect(xer.resources.map((r) => [r.code, r.type, r.maxUnits])).toEqual(expected);
    expect(xerWarnings.filter((w) => /resource/.test(w))).toEqual(named);
    const xmlWarnings: string[] = [];
    const xml = await readP6Xml(streamOf(p6xmlOf(resourced(), xmlWarnings)));
    expect(xml.resources.map((r) => [r.code, r.type, r.maxUnits])).toEqual(expected);
    expect(xmlWarnings.filter((w) => /resource/.test(w))).toEqual(named);
  });

  it('XER: max units come from the rate period in effect at the project’s start; periods that differ are named', async () => {
    const file = xerText(
      '%T\tPROJECT',
      '%F\tproj_id\tproj_short_name\tplan_start_date',
      '%R\t1\tDEMO\t2023-03-01 08:00',
      '%T\tRSRC',
      '%F\trsrc_id\trsrc_short_name\trsrc_name\trsrc_type',
      '%R\t7\tCRANE\tTower crane\tRT_Equip',
      '%T\tRSRCRATE',
      '%F\trsrc_rate_id\trsrc_id\tmax_qty_per_hr\tcost_per_qty\tstart_date',
      '%R\t2\t7\t2\t90\t2023-01-01 00:00',
      '%R\t1\t7\t1\t80\t2022-01-01 00:00',
      '%R\t3\t7\t3\t95\t2024-01-01 00:00',
      '%E',
    );
    const s = await readXer(streamOf(file));
    expect(s.resources.map((r) => [r.code, r.type, r.maxUnits])).toEqual([['CRANE', 'nonlabor', 2]]);
    expect(s.warnings).toEqual([
      "Resource CRANE has rate periods with different max units (1 from 2022-01-01, 2 from 2023-01-01, 3 from 2024-01-01): the one in effect at the project's start is kept (2)",
    ]);
  });

  it('XER and P6 XML name the WBS codes of tasks they cannot keep: an activity takes the code of its WBS node', async () => {
    const s = sampleSchedule(4);
    // 1 is a summary with WBS 1; 2 keeps it (1.1 is a child code under node 1: P6 gives the activity the node's code, 1).
    s.tasks[2]!.wbs = 'X.9';
    for (const [format, run] of [
      ['XER', async (w: string[]) => readXer(streamOf(await xerOf(s, w)))],
      ['P6 XML', async (w: string[]) => readP6Xml(streamOf(p6xmlOf(s, w)))],
    ] as const) {
      const warnings: string[] = [];
      const back = await run(warnings);
      expect(back.tasks.map((t) => [t.uid, t.wbs]), format).toEqual([
        ['WBS:1', '1'],
        ['2', '1'],
        ['3', '1'],
        ['4', '1'],
      ]);
      expect(warnings, format).toContain('P6 keeps no WBS code on an activity, which takes the code of its WBS node: 3 task WBS code(s) not kept (2: 1.1, 3: X.9, 4: 1.3)');
    }
  });
});

describe('validation', () => {
  const schedule = (links: Array<[string, string]>, uids = ['1', '2', '3', '4']): Schedule => ({
    ...sampleSchedule(0),
    tasks: uids.map((uid) => ({ ...sampleSchedule(2).tasks[1]!, uid })),
    links: links.map(([p, s]) => ({ predecessorUid: p, successorUid: s, type: 'FS', lagMinutes: 0, lagUnit: 'd' })),
  });

  it('keeps links of different types between the same two tasks, and warns only for an exact repeat', () => {
    const s = schedule([]);
    const link = (type: LinkType, lagMinutes = 0) => ({ predecessorUid: '1', successorUid: '2', type, lagMinutes, lagUnit: 'd' as const });
    s.links = [link('FS'), link('SS', 480), link('FF'), link('FS'), link('SS', 960)];
    const checked = validateSchedule(s);
    expect(checked.links).toEqual([link('FS'), link('SS', 480), link('FF')]);
    expect(checked.warnings).toEqual([
      'The finish-to-start link 1 → 2 is given twice: the first is kept',
      'The start-to-start link 1 → 2 is given twice (lags 480 and 960 minutes): the first is kept',
    ]);
  });

  it('refuses a cycle of links, naming the tasks on it', () => {
    const error = (() => {
      try {
        validateSchedule(
          schedule([
            ['1', '2'],
            ['2', '3'],
            ['3', '4'],
            ['4', '2'],
          ]),
        );
      } catch (e) {
        return e as ScheduleFileError;
      }
      throw new Error('no error');
    })();
    expect(error).toMatchObject({ reason: 'CYCLE', code: 'BAD_USER_INPUT', message: expect.stringContaining('3 → 4 → 2 → 3') });
    expect(() => validateSchedule(schedule([['3', '3']]))).toThrow(/linked to itself/);
    expect(tasksOnCycle(['a', 'b', 'c'], [])).toEqual([]);
  });

  it('drops links to tasks not in the file and repeated links with a warning; refuses duplicate UIDs', () => {
    const s = validateSchedule(
      schedule([
        ['1', '2'],
        ['1', '2'],
        ['9', '2'],
      ]),
    );
    expect(s.links).toHaveLength(1);
    expect(s.warnings).toEqual(['The finish-to-start link 1 → 2 is given twice: the first is kept', 'The link 9 → 2 names task 9, which is not in the file: dropped']);
    expect(() => validateSchedule(schedule([], ['1', '2', '1']))).toThrow(expect.objectContaining({ reason: 'DUPLICATE_UID', message: 'Two tasks have the UID 1' }));
    const impossible = schedule([]);
    impossible.tasks[0]!.start = '2025-02-30T08:00:00';
    expect(() => validateSchedule(impossible)).toThrow(expect.objectContaining({ reason: 'BAD_VALUE', message: 'The start of task 1 has the impossible date 2025-02-30T08:00:00' }));
    const huge = schedule([['1', '2']]);
    huge.links[0]!.lagMinutes = 1e20;
    expect(() => validateSchedule(huge)).toThrow(expect.objectContaining({ reason: 'BAD_VALUE' }));
    const long = schedule([]);
    long.calendars = [{ uid: 'c', name: 'x'.repeat(256), baseUid: null, hoursPerDay: 8, week: null }];
    expect(() => validateSchedule(long)).toThrow(expect.objectContaining({ reason: 'TOO_LONG' }));
  });
});
