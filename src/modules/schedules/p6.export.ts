import { effectiveWeek, round4, type PercentCompleteType, type Schedule, type ScheduleCalendar, type ScheduleLink, type ScheduleTask } from './schedule.model.js';
import { calendarsToWrite, DEFAULT_WEEK_TEXT } from './schedule.export.js';
import { defaultWeek } from './xer.format.js';
import { fewOf, numericIds, warnRenumbered } from './schedule.ids.js';

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
  /** Each resource's P6 resource ID: its code, made unique and at most 255 characters (named in the warnings when changed). */
  resourceCodes: Map<string, string>;
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
  // Open WBS nodes: the task's WBS as given, the path of codes P6 will give back, whether a node was placed under it yet.
  const root = { level: 0, wbsId: projectWbsId, wbs: null as string | null, path: null as string | null, hasNode: false };
  const stack = [root];
  const summaries = new Set<string>();
  const activityIds = numericIds(schedule.tasks.filter((t) => !t.isSummary).map((t) => t.uid));
  const lostCodes: string[] = [];
  const changedCodes: string[] = [];
  const reordered: string[] = [];
  let nextWbs = projectWbsId + 1;
  for (const task of schedule.tasks) {
    while (stack.length > 1 && stack[stack.length - 1]!.level >= task.outlineLevel) stack.pop();
    const parent = stack[stack.length - 1]!;
    if (task.isSummary) {
      summaries.add(task.uid);
      // The node's own code: its WBS after its parent's (codes may hold dots); at the top, all of it.
      const parentWbs = parent.wbs;
      const own = !task.wbs ? null : parentWbs === null ? task.wbs : task.wbs.startsWith(`${parentWbs}.`) ? task.wbs.slice(parentWbs.length + 1) : task.wbs.split('.').pop();
      const code = (own || task.uid.replace(/^WBS:/, '')).slice(0, 40);
      const node = { id: nextWbs++, parentId: parent.wbsId, code, name: task.name, seq: wbs.length + 1 };
      const path = parent.path === null ? code : `${parent.path}.${code}`;
      if (path !== task.wbs) changedCodes.push(`${task.uid}: ${task.wbs ?? 'none'} → ${path}`);
      wbs.push(node);
      parent.hasNode = true;
      stack.push({ level: task.outlineLevel, wbsId: node.id, wbs: task.wbs, path, hasNode: false });
    } else {
      if (task.wbs !== parent.path) lostCodes.push(`${task.uid}: ${task.wbs ?? 'none'}`);
      // P6 lists a node's activities before the nodes below it (and activities outside any node first).
      if (parent.hasNode) reordered.push(task.uid);
      activities.push({ id: activityIds.get(task.uid)!, wbsId: parent.wbsId, task, progress: { type: 'physical', percent: 0, physical: 0, remainingHours: 0, activityUnits: null } });
    }
  }
  if (summaries.size) {
    warnings.push(`${summaries.size} summary task(s) written as WBS nodes, which keep a code and a name: their UIDs, dates, durations and % complete are not written (P6 rolls the dates up from the activities)`);
  }
  if (lostCodes.length) warnings.push(`P6 keeps no WBS code on an activity, which takes the code of its WBS node: ${lostCodes.length} task WBS code(s) not kept (${fewOf(lostCodes)})`);
  if (changedCodes.length) {
    warnings.push(`A WBS node's code is its part of the path below its parent (at most 40 characters): ${changedCodes.length} summary WBS code(s) written otherwise (${fewOf(changedCodes)})`);
  }
  if (reordered.length) warnings.push(`P6 lists a WBS node's activities before the nodes below it: ${reordered.length} task(s) come back in another order (${fewOf(reordered)})`);
  const assignmentUnits = progressOf(schedule, activities, warnings);
  const durations = new Map(schedule.tasks.map((t) => [t.uid, t.durationMinutes ?? 0]));
  const links: P6Link[] = [];
  let skippedSummaryLinks = 0;
  let elapsed = 0;
  let percent = 0;
  let lagUnits = 0;
  for (const link of schedule.links) {
    const predecessorId = activityIds.get(link.predecessorUid);
    const successorId = activityIds.get(link.successorUid);
    if (predecessorId === undefined || successorId === undefined) {
      if (summaries.has(link.predecessorUid) || summaries.has(link.successorUid)) skippedSummaryLinks++;
      continue;
    }
    let minutes = link.lagMinutes;
    if (link.lagUnit === '%' || link.lagUnit === 'e%') {
      minutes = ((durations.get(link.predecessorUid) ?? 0) * link.lagMinutes) / 100;
      percent++;
    } else if (link.lagUnit.startsWith('e')) elapsed++;
    else if (link.lagUnit !== 'd') lagUnits++;
    links.push({ id: links.length + 1, predecessorId, successorId, link, lagHours: Math.round((minutes / 60) * 10_000) / 10_000 });
  }
  if (skippedSummaryLinks) warnings.push(`${skippedSummaryLinks} link(s) to or from summary tasks left out: P6 links activities only`);
  if (elapsed) warnings.push(`${elapsed} elapsed-time lag(s) written as working hours: P6 has no elapsed lags`);
  if (percent) warnings.push(`${percent} percentage lag(s) written as hours of the predecessor's duration: P6 has no percentage lags`);
  const durationUnits = activities.filter((a) => a.task.durationUnit !== null && a.task.durationUnit !== 'd').length;
  if (durationUnits || lagUnits) {
    warnings.push(`P6 keeps durations and lags in hours and shows them in its own unit: the display unit (minutes, hours, weeks, months) of ${durationUnits} duration(s) and ${lagUnits} lag(s) is not kept`);
  }
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
  const resourceIds = numericIds(schedule.resources.map((r) => r.uid));
  const assignmentIds = numericIds(schedule.assignments.map((a) => a.uid));
  warnRenumbered(
    'P6',
    [
      ['calendar', numericIds(schedule.calendars.map((c) => c.uid))],
      ['resource', resourceIds],
      ['assignment', assignmentIds],
    ],
    warnings,
  );
  const costs = schedule.resources.filter((r) => r.type === 'cost').map((r) => r.code ?? r.name);
  if (costs.length) warnings.push(`P6 has no cost resources: ${costs.length} resource(s) written as nonlabor (${fewOf(costs)})`);
  return {
    projectWbsId,
    wbs,
    activities,
    activityIds,
    links,
    calendars,
    calendarIds,
    resourceIds,
    resourceCodes: resourceCodesOf(schedule, resourceIds, warnings),
    assignmentIds,
    assignmentUnits,
    projectCalendarId: projectCalendar ? calendarIds.get(projectCalendar.uid)! : null,
  };
}

/** P6's resource ID, unique in the file and at most 255 characters (P6's API schema: PrimaryResourceId, maxLength 255). */
const RESOURCE_ID_LENGTH = 255;

function resourceCodesOf(schedule: Schedule, ids: ReadonlyMap<string, number>, warnings: string[]): Map<string, string> {
  const codes = new Map<string, string>();
  const taken = new Set<string>();
  const invented: string[] = [];
  const cut: string[] = [];
  const renamed: string[] = [];
  for (const r of schedule.resources) {
    const id = ids.get(r.uid)!;
    let code = r.code ?? '';
    if (!code) {
      code = `R${id}`;
      invented.push(`${r.name}: ${code}`);
    } else if (code.length > RESOURCE_ID_LENGTH) {
      cut.push(`${code} → ${code.slice(0, RESOURCE_ID_LENGTH)}`);
      code = code.slice(0, RESOURCE_ID_LENGTH);
    }
    if (taken.has(code.toUpperCase())) {
      const before = code;
      for (let n = 0; taken.has(code.toUpperCase()); n++) {
        const suffix = n === 0 ? `-${id}` : `-${id}-${n}`;
        code = `${before.slice(0, RESOURCE_ID_LENGTH - suffix.length)}${suffix}`;
      }
      renamed.push(`${before} → ${code}`);
    }
    taken.add(code.toUpperCase());
    codes.set(r.uid, code);
  }
  if (invented.length) warnings.push(`P6 needs a resource ID: ${invented.length} resource(s) without a code were given one (${fewOf(invented)})`);
  if (cut.length) warnings.push(`P6 resource IDs are written with at most ${RESOURCE_ID_LENGTH} characters: ${cut.length} resource code(s) cut (${fewOf(cut)})`);
  if (renamed.length) warnings.push(`P6 needs a resource ID of its own for each resource: ${renamed.length} resource code(s) used twice were renamed (${fewOf(renamed)})`);
  return codes;
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
