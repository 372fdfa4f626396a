import type { Readable } from 'node:stream';
import { emptySchedule, newTask, normalizeDateTime, numberOrNull, round4, type Schedule, type ScheduleTask } from './schedule.model.js';
import { chooseProject, ScheduleFileError } from './schedules.errors.js';
import { decodedLines } from './schedule.text.js';
import { outlineTasks, type WbsNode } from './p6.outline.js';
import { applyRatePeriods, p6ActivityPercent, readClndrData, type RatePeriod, XER_CONSTRAINTS, XER_LINK_TYPES, XER_PERCENT_TYPES, XER_RESOURCE_TYPES, type P6Progress } from './xer.format.js';

/*
 * Primavera P6 XER: an `ERMHDR` line, then tables (`%T name`, `%F` field names, `%R` rows) and
 * `%E` at the end; tab-separated, Windows-1252 unless it decodes as UTF-8, CR LF or LF.
 * Read line by line as the file streams; only the tables a schedule needs are kept.
 */

const WANTED = new Set(['PROJECT', 'PROJWBS', 'TASK', 'TASKPRED', 'CALENDAR', 'RSRC', 'RSRCRATE', 'TASKRSRC']);

/** A table's rows: values by field name. */
class XerTable {
  readonly rows: string[][] = [];
  private readonly index = new Map<string, number>();
  constructor(readonly fields: string[]) {
    fields.forEach((f, i) => this.index.set(f, i));
  }
  has(field: string): boolean {
    return this.index.has(field);
  }
  /** The value of `field` in `row`; '' when the field or the value is absent. */
  get(row: string[], field: string): string {
    const i = this.index.get(field);
    return i === undefined ? '' : (row[i] ?? '');
  }
}

/** Tables of an XER file, after checking its structure. */
export async function readXerTables(input: Readable): Promise<{ tables: Map<string, XerTable>; skipped: string[] }> {
  const tables = new Map<string, XerTable>();
  const skipped: string[] = [];
  let lineNumber = 0;
  let sawHeader = false;
  let ended = false;
  let current: { name: string; table: XerTable | null; keep: boolean } | null = null;
  let lastRow: string[] | null = null;
  for await (const line of decodedLines(input, 'XER file')) {
    lineNumber++;
    if (!sawHeader) {
      if (line.trim() === '') continue;
      if (!line.startsWith('ERMHDR')) {
        throw new ScheduleFileError('NOT_XER', 'The file is not a Primavera P6 XER file: its first line is not ERMHDR', { line: lineNumber });
      }
      sawHeader = true;
      continue;
    }
    if (ended) {
      if (line.trim() !== '') throw new ScheduleFileError('BAD_ROW', `Line ${lineNumber}: text after the %E end line`, { line: lineNumber });
      continue;
    }
    if (line.startsWith('%R\t') || line === '%R') {
      if (!current || !current.table) {
        throw new ScheduleFileError('BAD_ROW', `Line ${lineNumber}: a %R row before its table's %F field line`, { line: lineNumber });
      }
      if (!current.keep) {
        lastRow = [];
        continue;
      }
      const values = line.split('\t');
      values.shift();
      // P6 leaves out trailing empty values; a row with more values than fields is damaged.
      if (values.length > current.table.fields.length) {
        throw new ScheduleFileError('BAD_ROW', `Line ${lineNumber}: the ${current.name} row has ${values.length} values for ${current.table.fields.length} fields`, {
          line: lineNumber,
          table: current.name,
        });
      }
      current.table.rows.push(values);
      lastRow = values;
    } else if (line.startsWith('%T\t')) {
      const name = line.slice(3).trim();
      if (!name) throw new ScheduleFileError('BAD_ROW', `Line ${lineNumber}: %T without a table name`, { line: lineNumber });
      const keep = WANTED.has(name);
      if (!keep) skipped.push(name);
      current = { name, table: null, keep };
      lastRow = null;
    } else if (line.startsWith('%F\t')) {
      if (!current) throw new ScheduleFileError('BAD_ROW', `Line ${lineNumber}: a %F field line before any %T table`, { line: lineNumber });
      current.table = new XerTable(line.split('\t').slice(1));
      if (current.keep) tables.set(current.name, current.table);
    } else if (line === '%E' || line.startsWith('%E\t') || line.trim() === '%E') {
      ended = true;
    } else if (current?.table && lastRow) {
      // A text value with a line break in it (a memo): the line continues the row before.
      if (!current.keep) continue;
      const [first = '', ...more] = line.split('\t');
      lastRow[lastRow.length - 1] = `${lastRow[lastRow.length - 1] ?? ''}\n${first}`;
      lastRow.push(...more);
      if (lastRow.length > current.table.fields.length) {
        throw new ScheduleFileError('BAD_ROW', `Line ${lineNumber}: the ${current.name} row has ${lastRow.length} values for ${current.table.fields.length} fields`, {
          line: lineNumber,
          table: current.name,
        });
      }
    } else if (line.trim() !== '') {
      throw new ScheduleFileError('BAD_ROW', `Line ${lineNumber}: expected %T, %F, %R or %E`, { line: lineNumber });
    }
  }
  if (!sawHeader) throw new ScheduleFileError('NOT_XER', 'The file is empty: a P6 XER file starts with ERMHDR');
  if (!ended) throw new ScheduleFileError('TRUNCATED', `The XER file is truncated: it ends at line ${lineNumber} without the %E end line`, { line: lineNumber });
  return { tables, skipped };
}

const hours = (value: string): number | null => {
  const n = numberOrNull(value);
  return n === null ? null : round4(n * 60);
};

/** A schedule from an XER file: its first project, with the WBS as summary tasks. */
/**
 * A schedule from an XER file: the project `options.project` names (its ID, proj_short_name,
 * compared case-insensitively), else the first real project (project_flag Y), else the first.
 */
export async function readXer(input: Readable, options: { project?: string | undefined } = {}): Promise<Schedule> {
  const { tables, skipped } = await readXerTables(input);
  const schedule = emptySchedule();
  if (skipped.length) schedule.warnings.push(`Skipped XER tables a schedule does not use: ${skipped.join(', ')}`);

  const projects = tables.get('PROJECT');
  if (!projects || !projects.rows.length) throw new ScheduleFileError('NO_PROJECT', 'The XER file has no PROJECT row');
  const ids = projects.rows.map((row) => projects.get(row, 'proj_short_name'));
  const project = chooseProject(
    'XER file',
    projects.rows,
    ids,
    (row) => projects.get(row, 'project_flag') === 'Y',
    options.project,
  );
  const projId = projects.get(project, 'proj_id');
  if (projects.rows.length > 1 && options.project === undefined) {
    schedule.warnings.push(`The XER file holds ${projects.rows.length} projects (${ids.join(', ')}); only ${projects.get(project, 'proj_short_name')} was read: name another with p6Project`);
  }
  schedule.name = projects.get(project, 'proj_short_name') || null;
  const ofProject = (table: XerTable | undefined, row: string[]) => !table?.has('proj_id') || table.get(row, 'proj_id') === '' || table.get(row, 'proj_id') === projId;

  const calendars = tables.get('CALENDAR');
  const projectCalendar = projects.get(project, 'clndr_id');
  for (const row of calendars?.rows ?? []) {
    const c = calendars!;
    const uid = c.get(row, 'clndr_id');
    if (!uid) continue;
    const hoursPerDay = numberOrNull(c.get(row, 'day_hr_cnt'));
    if (uid === projectCalendar && hoursPerDay) schedule.minutesPerDay = round4(hoursPerDay * 60);
    const name = c.get(row, 'clndr_name') || `Calendar ${uid}`;
    const baseUid = c.get(row, 'base_clndr_id') || null;
    const data = c.get(row, 'clndr_data');
    const { week, days } = readClndrData(data);
    // A calendar with a base and no data of its own inherits the base's week.
    if (!week && (data.trim() !== '' || !baseUid)) {
      schedule.warnings.push(`Calendar "${name}" (${uid}): its working week (clndr_data) could not be read; it is kept without one`);
    } else if (week && days < 7) {
      schedule.warnings.push(`Calendar "${name}" (${uid}): only ${days} of the 7 days of its working week (clndr_data) could be read; the others are kept as days off`);
    }
    schedule.calendars.push({ uid, name, baseUid, hoursPerDay, week });
  }

  const wbs = tables.get('PROJWBS');
  const nodes: WbsNode[] = [];
  for (const row of wbs?.rows ?? []) {
    const w = wbs!;
    if (!ofProject(w, row)) continue;
    nodes.push({
      id: w.get(row, 'wbs_id'),
      code: w.get(row, 'wbs_short_name'),
      name: w.get(row, 'wbs_name'),
      parent: w.get(row, 'parent_wbs_id'),
      seq: numberOrNull(w.get(row, 'seq_num')) ?? 0,
      root: w.get(row, 'proj_node_flag') === 'Y',
    });
  }
  const activities: Array<{ wbsId: string; task: ScheduleTask }> = [];

  const tasks = tables.get('TASK');
  const codeOfTaskId = new Map<string, string>();
  const defaultPercentType = XER_PERCENT_TYPES[projects.get(project, 'def_complete_pct_type')] ?? 'duration';
  // What each activity's % complete is computed from, once its assignments are read.
  const progress: Array<{ task: ScheduleTask; taskId: string; input: P6Progress }> = [];
  for (const row of tasks?.rows ?? []) {
    const t = tasks!;
    const code = t.get(row, 'task_code');
    const taskId = t.get(row, 'task_id');
    if (!ofProject(t, row)) continue;
    if (!code) throw new ScheduleFileError('MISSING_VALUE', `The TASK row of task_id ${taskId} has no task_code (activity ID)`, { table: 'TASK', taskId });
    codeOfTaskId.set(taskId, code);
    const task = newTask(code, t.get(row, 'task_name'));
    const type = t.get(row, 'task_type');
    task.isMilestone = type === 'TT_Mile' || type === 'TT_FinMile';
    task.start = normalizeDateTime(t.get(row, 'act_start_date') || t.get(row, 'target_start_date') || t.get(row, 'early_start_date'));
    task.finish = normalizeDateTime(t.get(row, 'act_end_date') || t.get(row, 'target_end_date') || t.get(row, 'early_end_date'));
    task.durationMinutes = hours(t.get(row, 'target_drtn_hr_cnt')) ?? hours(t.get(row, 'remain_drtn_hr_cnt'));
    task.durationUnit = 'd';
    task.percentCompleteType = XER_PERCENT_TYPES[t.get(row, 'complete_pct_type')] ?? defaultPercentType;
    const units = (field: string) => numberOrNull(t.get(row, field)) ?? 0;
    progress.push({
      task,
      taskId,
      input: {
        physical: numberOrNull(t.get(row, 'phys_complete_pct')),
        plannedHours: numberOrNull(t.get(row, 'target_drtn_hr_cnt')),
        remainingHours: numberOrNull(t.get(row, 'remain_drtn_hr_cnt')),
        // The activity's own labor and nonlabor units; its assignments', where it has any, replace them below.
        actualUnits: units('act_work_qty') + units('act_equip_qty'),
        remainingUnits: units('remain_work_qty') + units('remain_equip_qty'),
        complete: t.get(row, 'status_code') === 'TK_Complete',
      },
    });
    task.calendarUid = t.get(row, 'clndr_id') || null;
    const constraint = XER_CONSTRAINTS[t.get(row, 'cstr_type')];
    if (constraint) {
      task.constraintType = constraint;
      task.constraintDate = normalizeDateTime(t.get(row, 'cstr_date'))?.slice(0, 10) ?? null;
    }
    activities.push({ wbsId: t.get(row, 'wbs_id'), task });
  }
  schedule.tasks = outlineTasks(nodes, activities);

  const preds = tables.get('TASKPRED');
  for (const row of preds?.rows ?? []) {
    const p = preds!;
    const successor = codeOfTaskId.get(p.get(row, 'task_id'));
    const predecessor = codeOfTaskId.get(p.get(row, 'pred_task_id'));
    if (!successor || !predecessor) {
      schedule.warnings.push(`Relationship ${p.get(row, 'task_pred_id')} links a task that is not in the project (task_id ${p.get(row, 'pred_task_id')} → ${p.get(row, 'task_id')}): dropped`);
      continue;
    }
    const type = XER_LINK_TYPES[p.get(row, 'pred_type')];
    if (!type) schedule.warnings.push(`Relationship ${p.get(row, 'task_pred_id')} has the unknown type "${p.get(row, 'pred_type')}": read as finish-to-start`);
    schedule.links.push({ predecessorUid: predecessor, successorUid: successor, type: type ?? 'FS', lagMinutes: hours(p.get(row, 'lag_hr_cnt')) ?? 0, lagUnit: 'd' });
  }

  const resources = tables.get('RSRC');
  for (const row of resources?.rows ?? []) {
    const r = resources!;
    const uid = r.get(row, 'rsrc_id');
    if (!uid) continue;
    schedule.resources.push({
      uid,
      code: r.get(row, 'rsrc_short_name') || null,
      name: r.get(row, 'rsrc_name') || r.get(row, 'rsrc_short_name') || `Resource ${uid}`,
      type: XER_RESOURCE_TYPES[r.get(row, 'rsrc_type')] ?? 'labor',
      calendarUid: r.get(row, 'clndr_id') || null,
      maxUnits: null,
    });
  }

  // Max units: of the rate period in effect at the project's start (the first, if all start later).
  const rates = tables.get('RSRCRATE');
  const periods = new Map<string, RatePeriod[]>();
  for (const row of rates?.rows ?? []) {
    const r = rates!;
    const list = periods.get(r.get(row, 'rsrc_id')) ?? [];
    list.push({ from: normalizeDateTime(r.get(row, 'start_date')) ?? '', maxUnits: numberOrNull(r.get(row, 'max_qty_per_hr')) });
    periods.set(r.get(row, 'rsrc_id'), list);
  }
  applyRatePeriods(schedule, periods, normalizeDateTime(projects.get(project, 'plan_start_date')) ?? '');

  const assignments = tables.get('TASKRSRC');
  const resourceTypes = new Map(schedule.resources.map((r) => [r.uid, r.type]));
  const assignedUnits = new Map<string, { actual: number; remaining: number }>();
  for (const row of assignments?.rows ?? []) {
    const a = assignments!;
    if (!ofProject(a, row)) continue;
    // Units % complete counts labor and nonlabor units (P6's definition), not material.
    const type = XER_RESOURCE_TYPES[a.get(row, 'rsrc_type')] ?? resourceTypes.get(a.get(row, 'rsrc_id'));
    if (type === 'labor' || type === 'nonlabor') {
      const sum = assignedUnits.get(a.get(row, 'task_id')) ?? { actual: 0, remaining: 0 };
      sum.actual += (numberOrNull(a.get(row, 'act_reg_qty')) ?? 0) + (numberOrNull(a.get(row, 'act_ot_qty')) ?? 0);
      sum.remaining += numberOrNull(a.get(row, 'remain_qty')) ?? 0;
      assignedUnits.set(a.get(row, 'task_id'), sum);
    }
    const taskUid = codeOfTaskId.get(a.get(row, 'task_id'));
    const uid = a.get(row, 'taskrsrc_id');
    if (!taskUid) {
      schedule.warnings.push(`Assignment ${uid} names task_id ${a.get(row, 'task_id')}, which is not in the project: dropped`);
      continue;
    }
    schedule.assignments.push({
      uid,
      taskUid,
      resourceUid: a.get(row, 'rsrc_id'),
      units: numberOrNull(a.get(row, 'target_qty_per_hr')),
      workHours: numberOrNull(a.get(row, 'target_qty')),
    });
  }
  for (const { task, taskId, input } of progress) {
    const assigned = assignedUnits.get(taskId);
    task.percentComplete = p6ActivityPercent(task.percentCompleteType!, assigned ? { ...input, actualUnits: assigned.actual, remainingUnits: assigned.remaining } : input);
  }
  return schedule;
}
