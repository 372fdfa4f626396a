import { effectiveWeek, round4, type PercentCompleteType, type Schedule, type ScheduleCalendar, type ScheduleLink, type ScheduleTask } from './schedule.model.js';
import { calendarsToWrite, DEFAULT_WEEK_TEXT } from './schedule.export.js';
import { defaultWeek } from './xer.format.js';
import { fewOf, numericIds } from './schedule.ids.js';

/*
 * What the P6 writers (XER and P6 XML) share: the neutral outline turned back into P6's shape.
 * Summary tasks become WBS nodes (their code: the last segment of their WBS, else their UID), the
 * other tasks activities under the nearest summary above them. P6 links and assigns activities
 * only, so links and assignments of summary tasks are left out with a warning; percentage lags
 * become hours of the predecessor's duration, and elapsed lags count as working time.
 */

export interface P6Wbs {
  id: number;
  parentId: number;
  code: string;
  name: string;
  seq: number;
}

export interface P6Activity {
  id: number;
  wbsId: number;
  task: ScheduleTask;
  progress: P6ActivityProgress;
}

/**
 * What an activity's % complete is written as, so that P6 computes it back (see
 * p6ActivityPercent): its type, the physical % for physical, the remaining duration for
 * duration, actual and remaining units for units (on its labor and nonlabor assignments, in
 * proportion to their planned units; on the activity itself when it has none).
 */
export interface P6ActivityProgress {
  type: PercentCompleteType;
  percent: number;
  physical: number;
  remainingHours: number;
  /** Units of the activity itself: 100 split by the percentage, when a units-type activity has no assignment with units. */
  activityUnits: { actual: number; remaining: number } | null;
}

export interface P6Link {
  id: number;
  predecessorId: number;
  successorId: number;
  link: ScheduleLink;
  lagHours: number;
}

export interface P6Shape {
  projectWbsId: number;
  wbs: P6Wbs[];
  activities: P6Activity[];
  activityIds: Map<string, number>;
  links: P6Link[];
  /**
   * The calendars to write, each with a week (P6 keeps one per calendar): its own, else its base's,
   * else Monday to Friday with a warning; a schedule without calendars gets a Standard one.
   */
  calendars: Array<ScheduleCalendar & { week: string[][] }>;
  calendarIds: Map<string, number>;
  resourceIds: Map<string, number>;
  assignmentIds: Map<string, number>;
  /** Actual and remaining units of each assignment (by UID): the activity's percentage of its planned units for units-type activities, else none done. */
  assignmentUnits: Map<string, { actual: number; remaining: number }>;
  /** The project calendar: the first calendar without a base. */
  projectCalendarId: number | null;
}

export function p6Shape(schedule: Schedule, warnings: string[]): P6Shape {
  const projectWbsId = 1;
  const wbs: P6Wbs[] = [];
  const activities: P6Activity[] = [];
  const stack: Array<{ level: number; wbsId: number; wbs: string | null }> = [];
  const summaries = new Set<string>();
  const activityIds = numericIds(schedule.tasks.filter((t) => !t.isSummary).map((t) => t.uid));
  let nextWbs = projectWbsId + 1;
  for (const task of schedule.tasks) {
    while (stack.length && stack[stack.length - 1]!.level >= task.outlineLevel) stack.pop();
    const parentId = stack.length ? stack[stack.length - 1]!.wbsId : projectWbsId;
    if (task.isSummary) {
      summaries.add(task.uid);
      // The node's own code: its WBS after its parent's (codes may hold dots); at the top, all of it.
      const parentWbs = stack.length ? stack[stack.length - 1]!.wbs : null;
      const own = !task.wbs ? null : parentWbs === null ? task.wbs : task.wbs.startsWith(`${parentWbs}.`) ? task.wbs.slice(parentWbs.length + 1) : task.wbs.split('.').pop();
      const code = own || task.uid.replace(/^WBS:/, '');
      const node = { id: nextWbs++, parentId, code: code.slice(0, 40), name: task.name, seq: wbs.length + 1 };
      wbs.push(node);
      stack.push({ level: task.outlineLevel, wbsId: node.id, wbs: task.wbs });
    } else {
      activities.push({ id: activityIds.get(task.uid)!, wbsId: parentId, task, progress: { type: 'physical', percent: 0, physical: 0, remainingHours: 0, activityUnits: null } });
    }
  }
  const assignmentUnits = progressOf(schedule, activities, warnings);
  const durations = new Map(schedule.tasks.map((t) => [t.uid, t.durationMinutes ?? 0]));
  const links: P6Link[] = [];
  let skippedSummaryLinks = 0;
  let elapsed = 0;
  for (const link of schedule.links) {
    const predecessorId = activityIds.get(link.predecessorUid);
    const successorId = activityIds.get(link.successorUid);
    if (predecessorId === undefined || successorId === undefined) {
      if (summaries.has(link.predecessorUid) || summaries.has(link.successorUid)) skippedSummaryLinks++;
      continue;
    }
    let minutes = link.lagMinutes;
    if (link.lagUnit === '%' || link.lagUnit === 'e%') minutes = ((durations.get(link.predecessorUid) ?? 0) * link.lagMinutes) / 100;
    else if (link.lagUnit.startsWith('e')) elapsed++;
    links.push({ id: links.length + 1, predecessorId, successorId, link, lagHours: Math.round((minutes / 60) * 10_000) / 10_000 });
  }
  if (skippedSummaryLinks) warnings.push(`${skippedSummaryLinks} link(s) to or from summary tasks left out: P6 links activities only`);
  if (elapsed) warnings.push(`${elapsed} elapsed-time lag(s) written as working hours: P6 has no elapsed lags`);
  const skippedAssignments = schedule.assignments.filter((a) => summaries.has(a.taskUid)).length;
  if (skippedAssignments) warnings.push(`${skippedAssignments} assignment(s) of summary tasks left out: P6 assigns resources to activities only`);
  const written = calendarsToWrite(schedule, 'P6', warnings);
  const calendars = written.map((c) => {
    const week = effectiveWeek(c, written);
    if (!week) warnings.push(`Calendar "${c.name}" has no working week: written with ${DEFAULT_WEEK_TEXT}, as P6 needs one`);
    return { ...c, week: week ?? defaultWeek() };
  });
  const calendarIds = numericIds(calendars.map((c) => c.uid));
  const projectCalendar = calendars.find((c) => !c.baseUid) ?? calendars[0];
  return {
    projectWbsId,
    wbs,
    activities,
    activityIds,
    links,
    calendars,
    calendarIds,
    resourceIds: numericIds(schedule.resources.map((r) => r.uid)),
    assignmentIds: numericIds(schedule.assignments.map((a) => a.uid)),
    assignmentUnits,
    projectCalendarId: projectCalendar ? calendarIds.get(projectCalendar.uid)! : null,
  };
}

/** P6 resources of these types count in units % complete: labor and nonlabor (a cost resource is written as nonlabor). */
const UNIT_TYPES: ReadonlySet<string> = new Set(['labor', 'nonlabor', 'cost']);

/** Sets each activity's progress (see P6ActivityProgress); returns the assignments' units. */
function progressOf(schedule: Schedule, activities: P6Activity[], warnings: string[]): Map<string, { actual: number; remaining: number }> {
  const resourceTypes = new Map(schedule.resources.map((r) => [r.uid, r.type]));
  const counted = new Map<string, Array<{ uid: string; work: number }>>();
  for (const a of schedule.assignments) {
    const type = resourceTypes.get(a.resourceUid);
    if (!type || !UNIT_TYPES.has(type) || !a.workHours || a.workHours <= 0) continue;
    const list = counted.get(a.taskUid);
    if (list) list.push({ uid: a.uid, work: a.workHours });
    else counted.set(a.taskUid, [{ uid: a.uid, work: a.workHours }]);
  }
  const units = new Map<string, { actual: number; remaining: number }>();
  const noDuration: string[] = [];
  const noUnits: string[] = [];
  for (const activity of activities) {
    const { task } = activity;
    const type = task.percentCompleteType ?? 'physical';
    const percent = Math.min(100, Math.max(0, task.percentComplete ?? 0));
    const hours = task.durationMinutes === null ? 0 : task.durationMinutes / 60;
    const done = percent >= 100;
    const progress: P6ActivityProgress = { type, percent, physical: type === 'physical' ? percent : 0, remainingHours: done ? 0 : hours, activityUnits: null };
    if (type === 'duration') {
      progress.remainingHours = round4(hours * (1 - percent / 100));
      if (hours <= 0 && percent > 0 && percent < 100) noDuration.push(task.uid);
    } else if (type === 'units') {
      const assigned = counted.get(task.uid);
      if (assigned) {
        for (const { uid, work } of assigned) {
          const actual = round4((work * percent) / 100);
          units.set(uid, { actual, remaining: round4(work - actual) });
        }
      } else if (percent > 0) {
        progress.activityUnits = { actual: round4(percent), remaining: round4(100 - percent) };
        noUnits.push(task.uid);
      }
    }
    activity.progress = progress;
  }
  if (noDuration.length) {
    warnings.push(`P6 computes duration % complete from the duration: ${noDuration.length} task(s) without one cannot hold their % complete and will read 0 % (${fewOf(noDuration)})`);
  }
  if (noUnits.length) {
    warnings.push(`P6 computes units % complete from labor and nonlabor units: ${noUnits.length} task(s) measured by units have no such assignment with work, so their % complete is written as 100 labor units on the activity itself (${fewOf(noUnits)})`);
  }
  return units;
}

/** P6's activity status from a percentage. */
export function statusOf(percent: number | null): 'TK_NotStart' | 'TK_Active' | 'TK_Complete' {
  if (percent === null || percent <= 0) return 'TK_NotStart';
  return percent >= 100 ? 'TK_Complete' : 'TK_Active';
}
