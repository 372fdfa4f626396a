import { DEFAULT_MINUTES_PER_DAY, type Schedule } from './schedule.model.js';
import { decimal } from './schedule.ids.js';
import { escapeXml } from './schedule.xml.js';
import { p6Shape } from './p6.export.js';
import { P6XML_NAMESPACE } from './p6xml.reader.js';
import { P6XML_CONSTRAINT_NAMES, P6XML_LINK_NAMES, P6XML_PERCENT_NAMES, P6XML_RESOURCE_NAMES } from './xer.format.js';

/*
 * P6 XML out: global calendars and resources, then the project with its WBS, activities,
 * relationships and resource assignments. Fields of each object in alphabetical order, as P6's
 * own exports write them; hours for durations and lags, fractions for percentages.
 */

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

type Fields = Record<string, string | number | null | undefined>;

function fields(values: Fields): string {
  return Object.keys(values)
    .sort()
    .map((name) => {
      const value = values[name];
      if (value === null || value === undefined || value === '') return '';
      return `<${name}>${typeof value === 'number' ? decimal(value) : escapeXml(value)}</${name}>`;
    })
    .join('');
}

/** A percentage as P6 XML's fraction, keeping the percentage's 4 decimals (33.3333 → 0.333333). */
const fraction = (percent: number): string => String(Math.round(percent * 10_000) / 1_000_000);

/** P6 XML ends a work period a minute early: 12:00 is written 11:59. */
function periodEnd(time: string): string {
  const [h, m] = time.split(':').map(Number) as [number, number];
  const total = (h * 60 + m + 1439) % 1440;
  return `${String(Math.floor(total / 60)).padStart(2, '0')}:${String(total % 60).padStart(2, '0')}:00`;
}

export function* writeP6Xml(schedule: Schedule, warnings: string[]): Generator<string> {
  const shape = p6Shape(schedule, warnings);
  const projectId = 1;
  const hoursPerDay = (schedule.minutesPerDay || DEFAULT_MINUTES_PER_DAY) / 60;
  yield '<?xml version="1.0" encoding="UTF-8"?>\n';
  yield `<APIBusinessObjects xmlns="${P6XML_NAMESPACE}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n`;
  for (const [i, c] of shape.calendars.entries()) {
    const day = c.hoursPerDay ?? hoursPerDay;
    let week = '<StandardWorkWeek>';
    c.week.forEach((ranges, d) => {
      week += `<StandardWorkHours><DayOfWeek>${DAYS[d]}</DayOfWeek>`;
      for (const range of ranges) {
        const [from, to] = range.split('-') as [string, string];
        week += `<WorkTime><Finish>${periodEnd(to)}</Finish><Start>${from}:00</Start></WorkTime>`;
      }
      week += '</StandardWorkHours>';
    });
    week += '</StandardWorkWeek>';
    const base = c.baseUid ? shape.calendarIds.get(c.baseUid) : undefined;
    yield `<Calendar>${fields({
      BaseCalendarObjectId: base,
      HoursPerDay: day,
      HoursPerMonth: day * 21.5,
      HoursPerWeek: day * 5,
      HoursPerYear: day * 260,
      IsDefault: 0,
      IsPersonal: 0,
      Name: c.name,
      ObjectId: shape.calendarIds.get(c.uid) ?? i + 1,
      Type: 'Global',
    }).replace('<Type>', `${week}<Type>`)}</Calendar>\n`;
  }
  const calendarId = shape.projectCalendarId ?? 1;
  for (const r of schedule.resources) {
    yield `<Resource>${fields({
      CalendarObjectId: (r.calendarUid && shape.calendarIds.get(r.calendarUid)) || calendarId,
      Id: shape.resourceCodes.get(r.uid),
      MaxUnitsPerTime: r.maxUnits,
      Name: r.name,
      ObjectId: shape.resourceIds.get(r.uid),
      ResourceType: P6XML_RESOURCE_NAMES[r.type],
    })}</Resource>\n`;
  }
  const starts = schedule.tasks.map((t) => t.start).filter((s): s is string => !!s);
  const plannedStart = starts.length ? starts.reduce((a, b) => (a < b ? a : b)) : null;
  // Recent P6 releases read max units from the resource's rates (Resource/MaxUnitsPerTime is kept for older ones).
  let rateId = 0;
  for (const r of schedule.resources) {
    if (r.maxUnits === null) continue;
    yield `<ResourceRate>${fields({
      EffectiveDate: plannedStart ?? '2000-01-01T00:00:00',
      MaxUnitsPerTime: r.maxUnits,
      ObjectId: ++rateId,
      PricePerUnit: 0,
      ResourceObjectId: shape.resourceIds.get(r.uid),
    })}</ResourceRate>\n`;
  }
  yield `<Project>${fields({
    ActivityDefaultCalendarObjectId: calendarId,
    Id: (schedule.name ?? 'TRESTLE').slice(0, 40),
    Name: schedule.name ?? 'Trestle schedule',
    ObjectId: projectId,
    PlannedStartDate: plannedStart,
    Status: 'Active',
  })}\n`;
  for (const w of shape.wbs) {
    yield `<WBS>${fields({ Code: w.code, Name: w.name, ObjectId: w.id, ParentObjectId: w.parentId === shape.projectWbsId ? projectId : w.parentId, ProjectObjectId: projectId, SequenceNumber: w.seq })}</WBS>\n`;
  }
  for (const { id, wbsId, task, progress } of shape.activities) {
    const percent = progress.percent;
    const constrained = task.constraintType && task.constraintType !== 'asap';
    const own = progress.activityUnits;
    yield `<Activity>${fields({
      ActualLaborUnits: own?.actual,
      CalendarObjectId: (task.calendarUid && shape.calendarIds.get(task.calendarUid)) || calendarId,
      DurationPercentComplete: progress.type === 'duration' ? fraction(percent) : null,
      FinishDate: task.finish,
      Id: task.uid,
      Name: task.name,
      ObjectId: id,
      PercentComplete: fraction(percent),
      PercentCompleteType: P6XML_PERCENT_NAMES[progress.type],
      PhysicalPercentComplete: fraction(progress.physical),
      PlannedDuration: task.durationMinutes === null ? null : task.durationMinutes / 60,
      PlannedLaborUnits: own ? 100 : null,
      PlannedFinishDate: task.finish,
      PlannedStartDate: task.start,
      PrimaryConstraintDate: constrained && task.constraintDate ? `${task.constraintDate}T00:00:00` : null,
      PrimaryConstraintType: constrained ? P6XML_CONSTRAINT_NAMES[task.constraintType!] : null,
      ProjectObjectId: projectId,
      RemainingDuration: progress.remainingHours,
      RemainingLaborUnits: own?.remaining,
      StartDate: task.start,
      Status: percent >= 100 ? 'Completed' : percent > 0 ? 'In Progress' : 'Not Started',
      Type: task.isMilestone ? 'Start Milestone' : 'Task Dependent',
      UnitsPercentComplete: progress.type === 'units' ? fraction(percent) : null,
      WBSObjectId: wbsId === shape.projectWbsId ? null : wbsId,
    })}</Activity>\n`;
  }
  for (const l of shape.links) {
    yield `<Relationship>${fields({
      Lag: l.lagHours,
      ObjectId: l.id,
      PredecessorActivityObjectId: l.predecessorId,
      PredecessorProjectObjectId: projectId,
      SuccessorActivityObjectId: l.successorId,
      SuccessorProjectObjectId: projectId,
      Type: P6XML_LINK_NAMES[l.link.type],
    })}</Relationship>\n`;
  }
  const resources = new Set(schedule.resources.map((r) => r.uid));
  for (const a of schedule.assignments) {
    const activity = shape.activityIds.get(a.taskUid);
    if (activity === undefined || !resources.has(a.resourceUid)) continue;
    const done = shape.assignmentUnits.get(a.uid);
    yield `<ResourceAssignment>${fields({
      ActivityObjectId: activity,
      ActualUnits: done?.actual,
      ObjectId: shape.assignmentIds.get(a.uid),
      PlannedUnits: a.workHours,
      PlannedUnitsPerTime: a.units,
      ProjectObjectId: projectId,
      RemainingUnits: done?.remaining,
      ResourceObjectId: shape.resourceIds.get(a.resourceUid),
    })}</ResourceAssignment>\n`;
  }
  yield '</Project>\n</APIBusinessObjects>\n';
}
