import { DEFAULT_MINUTES_PER_DAY, effectiveWeek, type Schedule, type ScheduleCalendar, type ScheduleLink } from './schedule.model.js';
import { calendarsToWrite } from './schedule.export.js';
import { decimal, fewOf, isoDuration, numericIds, warnRenumbered } from './schedule.ids.js';
import { escapeXml } from './schedule.xml.js';
import { MSPDI_CONSTRAINTS, MSPDI_LINK_TYPES, MSPDI_NAMESPACE, UNIT_FORMATS } from './mspdi.reader.js';

/*
 * MS Project XML out: the elements of Project, Calendar, Task, PredecessorLink, Resource and
 * Assignment in the order of the MSPDI schema (mspdi_pj12.xsd), which MS Project enforces on
 * open. Numeric UIDs are kept; other identifiers get free numbers (see schedule.ids.ts).
 */

/** Resource Type: 0 material, 1 work, 2 cost. Equipment (P6 nonlabor) is a work resource in MS Project, named in the warnings. */
const RESOURCE_TYPE_CODES = { material: 0, labor: 1, nonlabor: 1, cost: 2 } as const;

function el(name: string, value: string | number | null | undefined): string {
  return value === null || value === undefined || value === '' ? '' : `<${name}>${typeof value === 'number' ? value : escapeXml(value)}</${name}>`;
}

function calendarXml(calendar: ScheduleCalendar, uid: number, baseUid: number | undefined): string {
  let out = `<Calendar>${el('UID', uid)}${el('Name', calendar.name)}${el('IsBaseCalendar', baseUid === undefined ? 1 : 0)}${el('BaseCalendarUID', baseUid ?? -1)}`;
  if (calendar.week) {
    out += '<WeekDays>';
    calendar.week.forEach((ranges, day) => {
      out += `<WeekDay>${el('DayType', day + 1)}${el('DayWorking', ranges.length ? 1 : 0)}`;
      if (ranges.length) {
        out += '<WorkingTimes>';
        for (const range of ranges) {
          const [from, to] = range.split('-') as [string, string];
          out += `<WorkingTime>${el('FromTime', `${from}:00`)}${el('ToTime', `${to === '24:00' ? '00:00' : to}:00`)}</WorkingTime>`;
        }
        out += '</WorkingTimes>';
      }
      out += '</WeekDay>';
    });
    out += '</WeekDays>';
  }
  return `${out}</Calendar>\n`;
}

/**
 * MS Project holds one link between two tasks (one PredecessorLink per predecessor UID in a task):
 * of links of several types between the same two tasks (P6 allows them) the first is kept, and the
 * warning names the others.
 */
function oneLinkPerPair(links: readonly ScheduleLink[], warnings: string[]): Map<string, ScheduleLink[]> {
  const linksTo = new Map<string, ScheduleLink[]>();
  const dropped: ScheduleLink[] = [];
  for (const link of links) {
    const list = linksTo.get(link.successorUid);
    if (!list) linksTo.set(link.successorUid, [link]);
    else if (list.some((l) => l.predecessorUid === link.predecessorUid)) dropped.push(link);
    else list.push(link);
  }
  if (dropped.length) {
    const named = dropped.map((l) => `${l.predecessorUid} → ${l.successorUid} ${l.type}${l.lagMinutes ? ` (lag ${l.lagMinutes} ${l.lagUnit === '%' || l.lagUnit === 'e%' ? '%' : 'min'})` : ''}`);
    warnings.push(`MS Project holds one link between two tasks: ${dropped.length} link(s) left out, the first between each pair kept: ${fewOf(named)}`);
  }
  return linksTo;
}

/** The MSPDI document of a schedule, in pieces; `warnings` gets what MSPDI cannot hold. */
export function* writeMspdi(schedule: Schedule, warnings: string[]): Generator<string> {
  const calendars = calendarsToWrite(schedule, 'MSPDI', warnings);
  // A base calendar without week days gets MS Project's default week: named, as the file does not say it.
  for (const c of calendars) {
    if (!effectiveWeek(c, calendars)) warnings.push(`Calendar "${c.name}" has no working week: written without week days, for which MS Project uses its default week`);
  }
  const calendarIds = numericIds(calendars.map((c) => c.uid));
  const taskIds = numericIds(schedule.tasks.map((t) => t.uid));
  const resourceIds = numericIds(schedule.resources.map((r) => r.uid));
  // Assignment UID 0 is an ordinary assignment; task UID 0 is the project summary task and resource UID 0 a placeholder.
  const assignmentIds = numericIds(schedule.assignments.map((a) => a.uid), 0);
  warnRenumbered(
    'MSPDI',
    [
      ['task', taskIds],
      ['calendar', numericIds(schedule.calendars.map((c) => c.uid))],
      ['resource', resourceIds],
      ['assignment', assignmentIds],
    ],
    warnings,
  );
  const projectCalendar = calendars.find((c) => !c.baseUid) ?? calendars[0]!;
  const starts = schedule.tasks.map((t) => t.start).filter((s): s is string => !!s);
  const finishes = schedule.tasks.map((t) => t.finish).filter((s): s is string => !!s);
  const minutesPerDay = schedule.minutesPerDay || DEFAULT_MINUTES_PER_DAY;
  // MS Project keeps hours per day for the project (MinutesPerDay), not per calendar.
  const otherDays = schedule.calendars.filter((c) => c.hoursPerDay !== null && Math.abs(c.hoursPerDay * 60 - Math.round(minutesPerDay)) > 0.01).map((c) => `"${c.name}": ${c.hoursPerDay} h`);
  if (otherDays.length) {
    warnings.push(`MSPDI keeps one number of hours per day for the project (${Math.round(minutesPerDay) / 60} h): ${otherDays.length} calendar(s) with other hours per day not kept (${fewOf(otherDays)})`);
  }
  const equipment = schedule.resources.filter((r) => r.type === 'nonlabor').map((r) => r.code ?? r.name);
  if (equipment.length) warnings.push(`MS Project has no equipment (nonlabor) resources: ${equipment.length} resource(s) written as work resources (${fewOf(equipment)})`);

  yield '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';
  yield `<Project xmlns="${MSPDI_NAMESPACE}">`;
  yield el('SaveVersion', 14);
  yield el('Name', schedule.name ? `${schedule.name}.xml` : 'schedule.xml');
  yield el('Title', schedule.name);
  yield el('ScheduleFromStart', 1);
  yield el('StartDate', starts.length ? starts.reduce((a, b) => (a < b ? a : b)) : null);
  yield el('FinishDate', finishes.length ? finishes.reduce((a, b) => (a > b ? a : b)) : null);
  yield el('CalendarUID', calendarIds.get(projectCalendar.uid));
  yield el('MinutesPerDay', Math.round(minutesPerDay));
  yield el('MinutesPerWeek', Math.round(minutesPerDay * 5));
  yield el('DaysPerMonth', 20);
  yield '\n<Calendars>\n';
  for (const calendar of calendars) {
    yield calendarXml(calendar, calendarIds.get(calendar.uid)!, calendar.baseUid ? calendarIds.get(calendar.baseUid) : undefined);
  }
  yield '</Calendars>\n<Tasks>\n';

  const linksTo = oneLinkPerPair(schedule.links, warnings);
  const byUnits: string[] = [];
  const fractional: string[] = [];
  let row = 0;
  for (const task of schedule.tasks) {
    row++;
    let out = `<Task>${el('UID', taskIds.get(task.uid))}${el('ID', row)}${el('Name', task.name)}${el('IsNull', 0)}`;
    out += el('WBS', task.wbs) + el('OutlineLevel', task.outlineLevel);
    out += el('Start', task.start) + el('Finish', task.finish);
    if (task.durationMinutes !== null) out += el('Duration', isoDuration(task.durationMinutes)) + el('DurationFormat', UNIT_FORMATS[task.durationUnit ?? 'd'] ?? 7);
    out += el('Milestone', task.isMilestone ? 1 : 0) + el('Summary', task.isSummary ? 1 : 0);
    const percent = task.percentComplete === null ? null : Math.round(task.percentComplete);
    if (percent !== null) {
      out += el('PercentComplete', percent);
      if (percent !== task.percentComplete) fractional.push(task.uid);
      if (task.percentCompleteType === 'units') byUnits.push(task.uid);
    }
    out += el('ConstraintType', MSPDI_CONSTRAINTS.indexOf(task.constraintType ?? 'asap'));
    const calendar = task.calendarUid ? calendarIds.get(task.calendarUid) : undefined;
    out += el('CalendarUID', calendar ?? -1);
    if (task.constraintType && task.constraintType !== 'asap' && task.constraintType !== 'alap' && task.constraintDate) {
      const finishConstraint = task.constraintType === 'mfo' || task.constraintType.startsWith('f');
      out += el('ConstraintDate', `${task.constraintDate}T${finishConstraint ? '17:00:00' : '08:00:00'}`);
    }
    if (percent !== null && task.percentCompleteType === 'physical') out += el('PhysicalPercentComplete', percent) + el('EarnedValueMethod', 1);
    for (const link of linksTo.get(task.uid) ?? []) {
      const predecessor = taskIds.get(link.predecessorUid);
      if (predecessor === undefined) continue;
      out += `<PredecessorLink>${el('PredecessorUID', predecessor)}${el('Type', MSPDI_LINK_TYPES.indexOf(link.type))}${el('CrossProject', 0)}`;
      out += `${el('LinkLag', Math.round(link.lagMinutes * 10))}${el('LagFormat', UNIT_FORMATS[link.lagUnit] ?? 7)}</PredecessorLink>`;
    }
    yield `${out}</Task>\n`;
  }
  if (byUnits.length) {
    warnings.push(`MS Project measures % complete by duration or physical % complete, not by units: ${byUnits.length} task(s) measured by units written as duration % complete (${fewOf(byUnits)})`);
  }
  if (fractional.length) warnings.push(`MSPDI holds whole percentages: the % complete of ${fractional.length} task(s) was rounded (${fewOf(fractional)})`);
  yield '</Tasks>\n<Resources>\n';
  row = 0;
  for (const resource of schedule.resources) {
    row++;
    let out = `<Resource>${el('UID', resourceIds.get(resource.uid))}${el('ID', row)}${el('Name', resource.name)}${el('Type', RESOURCE_TYPE_CODES[resource.type])}${el('IsNull', 0)}`;
    out += el('Initials', resource.code);
    if (resource.maxUnits !== null) out += el('MaxUnits', decimal(resource.maxUnits));
    const calendar = resource.calendarUid ? calendarIds.get(resource.calendarUid) : undefined;
    if (calendar !== undefined) out += el('CalendarUID', calendar);
    yield `${out}</Resource>\n`;
  }
  yield '</Resources>\n<Assignments>\n';
  for (const assignment of schedule.assignments) {
    const task = taskIds.get(assignment.taskUid);
    const resource = resourceIds.get(assignment.resourceUid);
    if (task === undefined || resource === undefined) continue;
    let out = `<Assignment>${el('UID', assignmentIds.get(assignment.uid))}${el('TaskUID', task)}${el('ResourceUID', resource)}`;
    if (assignment.units !== null) out += el('Units', decimal(assignment.units));
    if (assignment.workHours !== null) out += el('Work', isoDuration(assignment.workHours * 60));
    yield `${out}</Assignment>\n`;
  }
  yield '</Assignments>\n</Project>\n';
}
