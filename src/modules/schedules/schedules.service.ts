import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { getTableName, sql } from 'drizzle-orm';
import { escape, type ResultSetHeader } from 'mysql2';
import type { Db, DbOrTx } from '../../platform/db/mysql.js';
import { getProject } from '../organizations/index.js';
import { columnOf, entityDef, RECORD_TABLES, recordEvent, recordEventName, recordEventsOfWrite, type EntityType } from '../records/index.js';
import { emitEvents } from '../../platform/events/outbox.js';
import type { FileImportSummary } from '../integrations/index.js';
import {
  DEFAULT_MINUTES_PER_DAY,
  emptySchedule,
  formatWeek,
  isPercentCompleteType,
  isTimeUnit,
  numberOrNull,
  parseWeek,
  round4,
  type ConstraintType,
  type LinkType,
  type ResourceType,
  type Schedule,
  type ScheduleLink,
} from './schedule.model.js';
import { linkOrigin, validateSchedule } from './schedule.validate.js';
import { readMspdi } from './mspdi.reader.js';
import { writeMspdi } from './mspdi.writer.js';
import { readXer } from './xer.reader.js';
import { writeXer } from './xer.writer.js';
import { readP6Xml } from './p6xml.reader.js';
import { writeP6Xml } from './p6xml.writer.js';
import { ScheduleFileError } from './schedules.errors.js';

/*
 * A schedule into a project's records and back. An import replaces the project's schedule with
 * the file's, in one transaction: rows are upserted by origin id (the MSPDI UID, the P6 activity
 * id, …), so importing the same file again updates in place; rows of the project the file no
 * longer has are deleted. Nothing is written when the file is refused.
 */

export const SCHEDULE_FORMATS = ['MSPDI', 'XER', 'P6_XML'] as const;
export type ScheduleFormat = (typeof SCHEDULE_FORMATS)[number];

export interface ScheduleScope {
  organizationId: number;
  projectId: number;
}

export function isScheduleFormat(value: string): value is ScheduleFormat {
  return (SCHEDULE_FORMATS as readonly string[]).includes(value);
}

/** Reads a schedule file; `p6Project` picks the project of a P6 file (XER, P6 XML) that holds several. */
export async function readScheduleFile(format: ScheduleFormat, input: Readable, options: { p6Project?: string | undefined } = {}): Promise<Schedule> {
  switch (format) {
    case 'MSPDI':
      return readMspdi(input);
    case 'XER':
      return readXer(input, { project: options.p6Project });
    case 'P6_XML':
      return readP6Xml(input, { project: options.p6Project });
    default: {
      const unreachable: never = format;
      throw new ScheduleFileError('UNKNOWN_FORMAT', `Unknown schedule format ${String(unreachable)}`);
    }
  }
}

/** The file of a schedule as a stream; `warnings` fills as the stream is read. */
export function scheduleFileStream(format: ScheduleFormat, schedule: Schedule, warnings: string[]): Readable {
  switch (format) {
    case 'MSPDI':
      return Readable.from(batched(writeMspdi(schedule, warnings)));
    case 'XER':
      return Readable.from(writeXer(schedule, warnings));
    case 'P6_XML':
      return Readable.from(batched(writeP6Xml(schedule, warnings)));
    default: {
      const unreachable: never = format;
      throw new ScheduleFileError('UNKNOWN_FORMAT', `Unknown schedule format ${String(unreachable)}`);
    }
  }
}

/** Strings joined into chunks of about 64 KB: one stream chunk per element would be slow. */
function* batched(parts: Iterable<string>): Generator<Buffer> {
  let batch = '';
  for (const part of parts) {
    batch += part;
    if (batch.length >= 64 * 1024) {
      yield Buffer.from(batch, 'utf8');
      batch = '';
    }
  }
  if (batch) yield Buffer.from(batch, 'utf8');
}

export const SCHEDULE_FILE_INFO: Readonly<Record<ScheduleFormat, { extension: string; contentType: string }>> = {
  MSPDI: { extension: 'xml', contentType: 'application/xml' },
  XER: { extension: 'xer', contentType: 'application/octet-stream' },
  P6_XML: { extension: 'xml', contentType: 'application/xml' },
};

// ---------------------------------------------------------------------------------------------
// Writing

type Value = string | number | boolean | null;
type Count = { created: number; updated: number; deleted: number };

const CHUNK_ROWS = 1000;

/** `2024-05-01T08:00:00` → `2024-05-01 08:00:00` (DATETIME text). */
const sqlDateTime = (value: string | null) => (value ? value.replace('T', ' ') : null);

/**
 * Upserts rows of one record table of the project and deletes its rows the file does not have.
 * Hand-built statements, as records.service's upsertRecords, for the same reason (speed); every
 * value goes through mysql2's escaping.
 */
async function replaceRows(
  tx: DbOrTx,
  type: EntityType,
  scope: ScheduleScope,
  keys: readonly string[],
  rows: readonly Value[][],
  options: { rewriteOrigin?: boolean; wanted?: ReadonlySet<string> } = {},
): Promise<Count> {
  const rewriteOrigin = options.rewriteOrigin ?? false;
  const wanted = options.wanted ?? new Set<string>();
  const table = RECORD_TABLES[type];
  const name = getTableName(table) as string;
  const columns = keys.map((k) => columnOf(table, k).name);
  const fixed = `(${escape(scope.organizationId)},${escape(scope.projectId)}`;
  const updates = [...columns.filter((c) => rewriteOrigin || c !== 'origin_id').map((c) => `\`${c}\` = VALUES(\`${c}\`)`), '`updated_at` = CURRENT_TIMESTAMP(3)'].join(', ');
  const head = `INSERT INTO \`${name}\` (\`organization_id\`,\`project_id\`,${columns.map((c) => `\`${c}\``).join(',')}) VALUES `;
  const count: Count = { created: 0, updated: 0, deleted: 0 };
  // Record events (schedule_task.created, …) only when a webhook of the organization wants them.
  const catalogKeys = entityDef(type).fields.map((f) => f.key).filter((k) => keys.includes(k));
  const events = wanted.size
    ? recordEventsOfWrite(
        tx,
        type,
        scope,
        rows.map((row) => Object.fromEntries(catalogKeys.map((k) => [k, row[keys.indexOf(k)]]))),
        wanted,
      )
    : null;
  await events?.before();
  for (let from = 0; from < rows.length; from += CHUNK_ROWS) {
    const chunk = rows.slice(from, from + CHUNK_ROWS);
    let tuples = '';
    for (let r = 0; r < chunk.length; r++) {
      let tuple = fixed;
      for (const value of chunk[r]!) tuple += value === null ? ',NULL' : `,${escape(value)}`;
      tuples += r === 0 ? `${tuple})` : `,${tuple})`;
    }
    const [result] = (await tx.execute(sql.raw(`${head}${tuples} ON DUPLICATE KEY UPDATE ${updates}`))) as unknown as [ResultSetHeader];
    const updated = Math.max(0, Math.min(chunk.length, result.affectedRows - chunk.length));
    count.updated += updated;
    count.created += chunk.length - updated;
  }
  await events?.after();
  const originIndex = keys.indexOf('originId');
  let where = `\`organization_id\` = ${escape(scope.organizationId)} AND \`project_id\` = ${escape(scope.projectId)}`;
  if (rows.length) where += ` AND (\`origin_id\` IS NULL OR \`origin_id\` NOT IN (${rows.map((r) => escape(r[originIndex])).join(',')}))`;
  if (wanted.has(recordEventName(type, 'deleted'))) {
    const [gone] = (await tx.execute(sql.raw(`SELECT \`id\` AS id, \`origin_id\` AS originId FROM \`${name}\` WHERE ${where}`))) as unknown as [Array<{ id: number; originId: string | null }>];
    await emitEvents(
      tx,
      recordEvent(type, 'deleted'),
      gone.map((g) => ({ data: { id: String(g.id), originId: g.originId, projectId: String(scope.projectId) }, organizationId: scope.organizationId, projectId: scope.projectId })),
    );
  }
  const [deleted] = (await tx.execute(sql.raw(`DELETE FROM \`${name}\` WHERE ${where}`))) as unknown as [ResultSetHeader];
  count.deleted = deleted.affectedRows;
  return count;
}

/**
 * Origin id of a link (see linkOrigin). A hash instead where the readable form could name another
 * link (a UID holding `->`, a successor UID ending in `:SS`, …) or is over 100 characters.
 */
function linkOriginId(link: Pick<ScheduleLink, 'predecessorUid' | 'successorUid' | 'type'>): string {
  const origin = linkOrigin(link);
  const ambiguous = link.predecessorUid.includes('->') || link.successorUid.includes('->') || /:(?:FS|SS|FF|SF)$/.test(link.successorUid);
  return origin.length <= 100 && !ambiguous ? origin : `sha1:${createHash('sha1').update(JSON.stringify([link.predecessorUid, link.successorUid, link.type])).digest('hex')}`;
}

const CALENDAR_KEYS = ['originId', 'name', 'baseCalendarId', 'hoursPerDay', 'workWeek'] as const;
const TASK_KEYS = [
  'originId',
  'name',
  'wbs',
  'startDate',
  'finishDate',
  'durationDays',
  'percentComplete',
  'percentCompleteType',
  'isMilestone',
  'isSummary',
  'outlineLevel',
  'sortOrder',
  'durationUnit',
  'calendarId',
  'constraintType',
  'constraintDate',
  'startAt',
  'finishAt',
  'durationMinutes',
] as const;
const LINK_KEYS = ['originId', 'predecessorId', 'successorId', 'type', 'lagDays', 'lagUnit', 'lagMinutes'] as const;
const RESOURCE_KEYS = ['originId', 'code', 'name', 'type', 'calendarId', 'maxUnits'] as const;
const ASSIGNMENT_KEYS = ['originId', 'taskId', 'resourceId', 'units', 'workHours'] as const;

/** Checks a schedule read from a file and writes it into the project's records, all or nothing. */
export interface ScheduleImportOptions {
  /**
   * Which of the given event names active webhooks of the organization subscribe to (webhooks'
   * subscribedEventNames); record events are written, in the import's transaction, for those only.
   */
  subscribedEvents?: (organizationId: number, eventNames: string[]) => Promise<string[]>;
  /** XER and P6 XML: the ID of the project to read from a file holding several (default: the first real one). */
  p6Project?: string | undefined;
}

const SCHEDULE_TYPES = ['schedule_calendars', 'schedule_tasks', 'task_dependencies', 'schedule_resources', 'schedule_assignments'] as const;

export async function importSchedule(db: Db, scope: ScheduleScope, input: Schedule, options: ScheduleImportOptions = {}): Promise<FileImportSummary> {
  await getProject(db, scope.organizationId, scope.projectId);
  const schedule = validateSchedule(input);
  const perDay = schedule.minutesPerDay || DEFAULT_MINUTES_PER_DAY;
  const days = (minutes: number | null) => (minutes === null ? null : round4(minutes / perDay));
  const taskRows = schedule.tasks.map((t, i): Value[] => [
    t.uid,
    t.name,
    t.wbs,
    t.start?.slice(0, 10) ?? null,
    t.finish?.slice(0, 10) ?? null,
    days(t.durationMinutes),
    t.percentComplete === null ? null : Math.min(100, Math.max(0, round4(t.percentComplete))),
    t.percentCompleteType,
    t.isMilestone,
    t.isSummary,
    t.outlineLevel,
    i + 1,
    t.durationUnit,
    t.calendarUid,
    t.constraintType,
    t.constraintDate,
    sqlDateTime(t.start),
    sqlDateTime(t.finish),
    t.durationMinutes === null ? null : round4(t.durationMinutes),
  ]);
  const linkRows = schedule.links.map((l): Value[] => [
    linkOriginId(l),
    l.predecessorUid,
    l.successorUid,
    l.type,
    l.lagUnit === '%' || l.lagUnit === 'e%' ? null : days(l.lagMinutes),
    l.lagUnit,
    round4(l.lagMinutes),
  ]);
  const calendarRows = schedule.calendars.map((c): Value[] => [c.uid, c.name, c.baseUid, c.hoursPerDay === null ? null : round4(c.hoursPerDay), formatWeek(c.week)]);
  const resourceRows = schedule.resources.map((r): Value[] => [r.uid, r.code, r.name, r.type, r.calendarUid, r.maxUnits === null ? null : round4(r.maxUnits)]);
  const assignmentRows = schedule.assignments.map((a): Value[] => [
    a.uid,
    a.taskUid,
    a.resourceUid,
    a.units === null ? null : round4(a.units),
    a.workHours === null ? null : round4(a.workHours),
  ]);
  const names = SCHEDULE_TYPES.flatMap((t) => (['created', 'updated', 'deleted'] as const).map((c) => recordEventName(t, c)));
  const wanted = new Set((await options.subscribedEvents?.(scope.organizationId, names)) ?? []);
  const counts = await db.transaction(async (tx) => ({
    schedule_calendars: await replaceRows(tx, 'schedule_calendars', scope, CALENDAR_KEYS, calendarRows, { wanted }),
    schedule_tasks: await replaceRows(tx, 'schedule_tasks', scope, TASK_KEYS, taskRows, { wanted }),
    // A link is one per predecessor, successor and type: a row written by another import under
    // another origin id takes this one's, so the clean-up below does not remove it.
    task_dependencies: await replaceRows(tx, 'task_dependencies', scope, LINK_KEYS, linkRows, { rewriteOrigin: true, wanted }),
    schedule_resources: await replaceRows(tx, 'schedule_resources', scope, RESOURCE_KEYS, resourceRows, { wanted }),
    schedule_assignments: await replaceRows(tx, 'schedule_assignments', scope, ASSIGNMENT_KEYS, assignmentRows, { wanted }),
  }));
  return { counts, warnings: schedule.warnings };
}

// ---------------------------------------------------------------------------------------------
// Reading back

type Row = Record<string, unknown>;

/**
 * The project's rows of one record table, fields by key. Hand-built (as the writes): drizzle's
 * row mapping cost half of an export of 25,000 rows.
 */
async function rowsOf(db: Db, type: EntityType, scope: ScheduleScope, keys: readonly string[], ordered = false): Promise<Row[]> {
  const table = RECORD_TABLES[type];
  const columns = keys.map((k) => `\`${columnOf(table, k).name}\` AS \`${k}\``).join(', ');
  const order = ordered ? '`sort_order` IS NULL, `sort_order`, `id`' : '`id`';
  const statement = `SELECT ${columns} FROM \`${getTableName(table) as string}\` WHERE \`organization_id\` = ${escape(scope.organizationId)} AND \`project_id\` = ${escape(scope.projectId)} ORDER BY ${order}`;
  const [rows] = (await db.execute(sql.raw(statement))) as unknown as [Row[]];
  return rows;
}

/** A column value as text: strings as they are, numbers and booleans printed, anything else null. */
function str(value: unknown): string | null {
  if (typeof value === 'string') return value === '' ? null : value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  return null;
}

/** `2024-05-01 08:00:00` or a Date → `2024-05-01T08:00:00`. */
function dateTimeOf(value: unknown): string | null {
  if (value instanceof Date) return value.toISOString().slice(0, 19);
  return typeof value === 'string' ? value.replace(' ', 'T').slice(0, 19) : null;
}

/**
 * The project's schedule from its records. The precise columns (start and finish with their time,
 * duration in minutes) are used while they agree with the day-level fields; a record changed
 * through the generic records API since (its day changed) is read from the day-level fields.
 */
export async function loadSchedule(db: Db, scope: ScheduleScope): Promise<Schedule> {
  const project = await getProject(db, scope.organizationId, scope.projectId);
  const schedule = emptySchedule();
  schedule.name = project.name;
  const [calendars, tasks, links, resources, assignments] = await Promise.all([
    rowsOf(db, 'schedule_calendars', scope, CALENDAR_KEYS),
    rowsOf(db, 'schedule_tasks', scope, TASK_KEYS, true),
    rowsOf(db, 'task_dependencies', scope, LINK_KEYS),
    rowsOf(db, 'schedule_resources', scope, RESOURCE_KEYS),
    rowsOf(db, 'schedule_assignments', scope, ASSIGNMENT_KEYS),
  ]);
  schedule.calendars = calendars.map((c) => ({
    uid: String(c['originId']),
    name: String(c['name']),
    baseUid: str(c['baseCalendarId']),
    hoursPerDay: numberOrNull(c['hoursPerDay']),
    week: parseWeek(str(c['workWeek'])),
  }));
  const projectCalendar = schedule.calendars.find((c) => !c.baseUid) ?? schedule.calendars[0];
  schedule.minutesPerDay = projectCalendar?.hoursPerDay ? round4(projectCalendar.hoursPerDay * 60) : DEFAULT_MINUTES_PER_DAY;
  const perDay = schedule.minutesPerDay;
  const precise = (at: unknown, day: unknown, defaultTime: string): string | null => {
    const d = str(day);
    if (!d) return null;
    const exact = dateTimeOf(at);
    return exact && exact.startsWith(d) ? exact : `${d}T${defaultTime}`;
  };
  schedule.tasks = tasks.map((t) => {
    const daysValue = numberOrNull(t['durationDays']);
    const minutes = numberOrNull(t['durationMinutes']);
    const durationMinutes = daysValue === null ? null : minutes !== null && Math.abs(minutes / perDay - daysValue) < 0.001 ? minutes : round4(daysValue * perDay);
    const unit = str(t['durationUnit']);
    return {
      uid: String(t['originId']),
      name: String(t['name']),
      wbs: str(t['wbs']),
      outlineLevel: numberOrNull(t['outlineLevel']) ?? 1,
      isSummary: Boolean(t['isSummary']),
      isMilestone: Boolean(t['isMilestone']),
      start: precise(t['startAt'], t['startDate'], '08:00:00'),
      finish: precise(t['finishAt'], t['finishDate'], '17:00:00'),
      durationMinutes,
      durationUnit: isTimeUnit(unit) ? unit : null,
      percentComplete: numberOrNull(t['percentComplete']),
      percentCompleteType: isPercentCompleteType(t['percentCompleteType']) ? t['percentCompleteType'] : null,
      calendarUid: str(t['calendarId']),
      constraintType: (str(t['constraintType']) as ConstraintType | null) ?? null,
      constraintDate: str(t['constraintDate']),
    };
  });
  schedule.links = links.map((l) => {
    const unit = str(l['lagUnit']);
    const lagUnit = isTimeUnit(unit) ? unit : 'd';
    const daysValue = numberOrNull(l['lagDays']) ?? 0;
    const minutes = numberOrNull(l['lagMinutes']);
    const percent = lagUnit === '%' || lagUnit === 'e%';
    const lagMinutes = minutes !== null && (percent || Math.abs(minutes / perDay - daysValue) < 0.001) ? minutes : round4(daysValue * perDay);
    return { predecessorUid: String(l['predecessorId']), successorUid: String(l['successorId']), type: String(l['type']) as LinkType, lagMinutes, lagUnit };
  });
  schedule.resources = resources.map((r) => ({
    uid: String(r['originId']),
    code: str(r['code']),
    name: String(r['name']),
    type: String(r['type']) as ResourceType,
    calendarUid: str(r['calendarId']),
    maxUnits: numberOrNull(r['maxUnits']),
  }));
  schedule.assignments = assignments.map((a) => ({
    uid: String(a['originId']),
    taskUid: String(a['taskId']),
    resourceUid: String(a['resourceId']),
    units: numberOrNull(a['units']),
    workHours: numberOrNull(a['workHours']),
  }));
  return schedule;
}

/** Reads a file of `format` and imports it into the project. */
export async function importScheduleFile(db: Db, scope: ScheduleScope, format: string, input: Readable, options: ScheduleImportOptions = {}): Promise<FileImportSummary> {
  if (!isScheduleFormat(format)) throw new ScheduleFileError('UNKNOWN_FORMAT', `Unknown schedule format ${format}: use ${SCHEDULE_FORMATS.join(', ')}`);
  await getProject(db, scope.organizationId, scope.projectId);
  if (options.p6Project !== undefined && (options.p6Project.trim() === '' || options.p6Project.length > 100)) {
    throw new ScheduleFileError('PROJECT_NOT_FOUND', 'p6Project must be a project ID of 1 to 100 characters');
  }
  if (options.p6Project !== undefined && format === 'MSPDI') throw new ScheduleFileError('PROJECT_NOT_FOUND', 'p6Project applies to XER and P6 XML files only');
  const schedule = await readScheduleFile(format, input, { p6Project: options.p6Project });
  return importSchedule(db, scope, schedule, options);
}

/** The project's schedule as a file of `format`. */
export async function exportScheduleFile(db: Db, scope: ScheduleScope, format: string, warnings: string[] = []): Promise<Readable> {
  if (!isScheduleFormat(format)) throw new ScheduleFileError('UNKNOWN_FORMAT', `Unknown schedule format ${format}: use ${SCHEDULE_FORMATS.join(', ')}`);
  return scheduleFileStream(format, await loadSchedule(db, scope), warnings);
}
