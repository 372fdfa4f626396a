import type { LinkType, Schedule, ScheduleLink } from './schedule.model.js';
import { ScheduleFileError } from './schedules.errors.js';

/*
 * What makes a schedule importable, checked before anything is written. Errors (the import is
 * refused): duplicate UIDs, identifiers longer than the records keep, a cycle of links (MS Project
 * and P6 both refuse a circular relationship). Warnings (dropped, named in the summary): links or
 * assignments naming a task or resource that is not in the file, a link given twice (same two tasks,
 * same type: links of different types between two tasks are kept, as P6 allows them).
 */

const MAX_ID = 100;
const MAX_NAME = 255;

function checkUnique(kind: string, uids: Iterable<string>): void {
  const seen = new Set<string>();
  for (const uid of uids) {
    if (uid.length > MAX_ID) throw new ScheduleFileError('TOO_LONG', `The ${kind} UID "${uid.slice(0, 40)}…" is longer than ${MAX_ID} characters`, { kind });
    if (seen.has(uid)) throw new ScheduleFileError('DUPLICATE_UID', `Two ${kind}s have the UID ${uid}`, { kind, uid });
    seen.add(uid);
  }
}

export const LINK_TYPE_NAMES: Readonly<Record<LinkType, string>> = { FS: 'finish-to-start', SS: 'start-to-start', FF: 'finish-to-finish', SF: 'start-to-finish' };

/**
 * The link key of the records: one link per predecessor, successor and type (P6 allows a
 * finish-to-start and a start-to-start relationship between the same two activities, or three of
 * different types). `pred->succ` for finish-to-start, `pred->succ:SS` for the others, so a file
 * with one link between two tasks keeps the origin ids it had before types were part of the key.
 */
export function linkOrigin(link: Pick<ScheduleLink, 'predecessorUid' | 'successorUid' | 'type'>): string {
  return link.type === 'FS' ? `${link.predecessorUid}->${link.successorUid}` : `${link.predecessorUid}->${link.successorUid}:${link.type}`;
}

/** Tasks on a cycle of links, or [] when there is none (Kahn's algorithm: what never frees up is on or behind a cycle). */
export function tasksOnCycle(taskUids: readonly string[], links: readonly ScheduleLink[]): string[] {
  const indegree = new Map<string, number>(taskUids.map((u) => [u, 0]));
  const next = new Map<string, string[]>();
  for (const link of links) {
    indegree.set(link.successorUid, (indegree.get(link.successorUid) ?? 0) + 1);
    const list = next.get(link.predecessorUid);
    if (list) list.push(link.successorUid);
    else next.set(link.predecessorUid, [link.successorUid]);
  }
  const queue = [...indegree].filter(([, d]) => d === 0).map(([u]) => u);
  for (let i = 0; i < queue.length; i++) {
    for (const succ of next.get(queue[i]!) ?? []) {
      const d = indegree.get(succ)! - 1;
      indegree.set(succ, d);
      if (d === 0) queue.push(succ);
    }
  }
  const left = new Set([...indegree].filter(([, d]) => d > 0).map(([u]) => u));
  if (left.size === 0) return [];
  // Walk back along predecessors that are also left until a task repeats: that loop is a cycle.
  const prevOf = new Map<string, string>();
  for (const link of links) if (left.has(link.predecessorUid) && left.has(link.successorUid)) prevOf.set(link.successorUid, link.predecessorUid);
  let at = left.values().next().value!;
  const order: string[] = [];
  const index = new Map<string, number>();
  while (!index.has(at)) {
    index.set(at, order.length);
    order.push(at);
    at = prevOf.get(at)!;
  }
  return order.slice(index.get(at)).reverse();
}

/** The records keep decimals as DECIMAL(18,4). */
const MAX_DECIMAL = 1e13;

function checkDate(value: string | null, what: string): void {
  if (value === null) return;
  const ms = Date.parse(value.length === 10 ? `${value}T00:00:00Z` : `${value}Z`);
  const year = Number(value.slice(0, 4));
  if (Number.isNaN(ms) || year < 1000 || year > 9999 || new Date(ms).toISOString().slice(0, 10) !== value.slice(0, 10)) {
    throw new ScheduleFileError('BAD_VALUE', `${what} has the impossible date ${value}`, { value });
  }
}

function checkNumber(value: number | null, what: string): void {
  if (value !== null && !(Math.abs(value) < MAX_DECIMAL)) throw new ScheduleFileError('BAD_VALUE', `${what} is out of range (${value})`, { value });
}

/** Checks a schedule read from a file; drops what is dangling (with a warning), throws on what is invalid. */
export function validateSchedule(schedule: Schedule): Schedule {
  checkUnique('task', schedule.tasks.map((t) => t.uid));
  checkUnique('calendar', schedule.calendars.map((c) => c.uid));
  checkUnique('resource', schedule.resources.map((r) => r.uid));
  checkUnique('assignment', schedule.assignments.map((a) => a.uid));
  for (const task of schedule.tasks) {
    if (task.name.length > MAX_NAME) throw new ScheduleFileError('TOO_LONG', `The name of task ${task.uid} is longer than ${MAX_NAME} characters`, { uid: task.uid });
    if (task.wbs && task.wbs.length > 64) throw new ScheduleFileError('TOO_LONG', `The WBS code of task ${task.uid} is longer than 64 characters`, { uid: task.uid });
    checkDate(task.start, `The start of task ${task.uid}`);
    checkDate(task.finish, `The finish of task ${task.uid}`);
    checkDate(task.constraintDate, `The constraint date of task ${task.uid}`);
    checkNumber(task.durationMinutes, `The duration of task ${task.uid}`);
    checkNumber(task.percentComplete, `The percent complete of task ${task.uid}`);
    if (!Number.isInteger(task.outlineLevel) || task.outlineLevel < 0 || task.outlineLevel > 100) {
      throw new ScheduleFileError('BAD_VALUE', `The outline level of task ${task.uid} is out of range (${task.outlineLevel})`, { uid: task.uid });
    }
  }
  for (const link of schedule.links) checkNumber(link.lagMinutes, `The lag of the link ${link.predecessorUid} → ${link.successorUid}`);
  for (const a of schedule.assignments) {
    checkNumber(a.units, `The units of assignment ${a.uid}`);
    checkNumber(a.workHours, `The work of assignment ${a.uid}`);
  }
  for (const r of schedule.resources) checkNumber(r.maxUnits, `The max units of resource ${r.uid}`);
  for (const c of schedule.calendars) checkNumber(c.hoursPerDay, `The hours per day of calendar ${c.uid}`);
  for (const calendar of schedule.calendars) {
    if (calendar.name.length > MAX_NAME) throw new ScheduleFileError('TOO_LONG', `The name of calendar ${calendar.uid} is longer than ${MAX_NAME} characters`, { uid: calendar.uid });
  }
  for (const resource of schedule.resources) {
    if (resource.name.length > MAX_NAME) throw new ScheduleFileError('TOO_LONG', `The name of resource ${resource.uid} is longer than ${MAX_NAME} characters`, { uid: resource.uid });
    if (resource.code && resource.code.length > 64) throw new ScheduleFileError('TOO_LONG', `The code of resource ${resource.uid} is longer than 64 characters`, { uid: resource.uid });
  }
  const tasks = new Set(schedule.tasks.map((t) => t.uid));
  const links: ScheduleLink[] = [];
  const seen = new Map<string, ScheduleLink>();
  for (const link of schedule.links) {
    const missing = [link.predecessorUid, link.successorUid].filter((u) => !tasks.has(u));
    if (missing.length) {
      schedule.warnings.push(`The link ${link.predecessorUid} → ${link.successorUid} names task ${missing.join(' and ')}, which is not in the file: dropped`);
      continue;
    }
    if (link.predecessorUid === link.successorUid) {
      throw new ScheduleFileError('CYCLE', `Task ${link.predecessorUid} is linked to itself: a circular relationship`, { tasks: [link.predecessorUid] });
    }
    const key = `${link.predecessorUid}\u0000${link.successorUid}\u0000${link.type}`;
    const earlier = seen.get(key);
    if (earlier) {
      const lags = earlier.lagMinutes === link.lagMinutes && earlier.lagUnit === link.lagUnit ? '' : ` (lags ${earlier.lagMinutes} and ${link.lagMinutes} ${link.lagUnit === '%' || link.lagUnit === 'e%' ? '%' : 'minutes'})`;
      schedule.warnings.push(`The ${LINK_TYPE_NAMES[link.type]} link ${link.predecessorUid} → ${link.successorUid} is given twice${lags}: the first is kept`);
      continue;
    }
    seen.set(key, link);
    links.push(link);
  }
  const cycle = tasksOnCycle([...tasks], links);
  if (cycle.length) {
    throw new ScheduleFileError('CYCLE', `The links form a cycle: ${[...cycle, cycle[0]].join(' → ')}; MS Project and P6 refuse a circular relationship`, {
      tasks: cycle.slice(0, 20),
    });
  }
  const resources = new Set(schedule.resources.map((r) => r.uid));
  const assignments = schedule.assignments.filter((a) => {
    if (tasks.has(a.taskUid) && resources.has(a.resourceUid)) return true;
    schedule.warnings.push(`Assignment ${a.uid} names ${tasks.has(a.taskUid) ? `resource ${a.resourceUid}` : `task ${a.taskUid}`}, which is not in the file: dropped`);
    return false;
  });
  return { ...schedule, links, assignments };
}
