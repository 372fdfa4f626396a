import type { Readable } from 'node:stream';
import { emptySchedule, newTask, normalizeDateTime, numberOrNull, round4, type PercentCompleteType, type Schedule, type ScheduleTask } from './schedule.model.js';
import { chooseProject, ScheduleFileError } from './schedules.errors.js';
import { readAllText } from './schedule.text.js';
import { children, child, parseScheduleXml, scheduleXmlParser, text, type XmlNode } from './schedule.xml.js';
import { outlineTasks, type WbsNode } from './p6.outline.js';
import { applyRatePeriods, P6XML_CONSTRAINTS, P6XML_LINK_TYPES, P6XML_PERCENT_TYPES, P6XML_RESOURCE_TYPES, type RatePeriod } from './xer.format.js';

/*
 * Primavera P6 XML (`APIBusinessObjects`, with or without its namespace): calendars, resources,
 * then projects holding WBS, activities, relationships and resource assignments (which some
 * writers put at the top level instead: both are read). Durations and lags are in hours;
 * percentages are fractions (1.0 = 100 %).
 */

export const P6XML_NAMESPACE = 'http://xmlns.oracle.com/Primavera/P6/V8.3/API/BusinessObjects';

const parser = scheduleXmlParser([
  'Project',
  'WBS',
  'Activity',
  'Relationship',
  'Calendar',
  'Resource',
  'ResourceAssignment',
  'ResourceRate',
  'StandardWorkHours',
  'WorkTime',
  'HolidayOrException',
  'UDF',
]);

/** The Activity field holding each type's percentage. */
const TYPE_FIELDS: Readonly<Record<PercentCompleteType, string>> = { physical: 'PhysicalPercentComplete', duration: 'DurationPercentComplete', units: 'UnitsPercentComplete' };

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** P6 XML ends a work period a minute early (11:59 for noon): the minute is added back. */
function periodEnd(value: string): string {
  const [h, m] = value.slice(0, 5).split(':').map(Number) as [number, number];
  // 23:59 ends the day: 24:00, as the week of the records writes midnight at the end of a day.
  const total = Math.min(h * 60 + m + 1, 1440);
  return `${String(Math.floor(total / 60)).padStart(2, '0')}:${String(total % 60).padStart(2, '0')}`;
}

const hoursToMinutes = (value: string): number | null => {
  const n = numberOrNull(value);
  return n === null ? null : round4(n * 60);
};

/** A schedule from a P6 XML document: the project `options.project` names (its Id), else its first. */
export async function readP6Xml(input: Readable, options: { project?: string | undefined } = {}): Promise<Schedule> {
  const xml = await readAllText(input, 'P6 XML file');
  if (!/<(?:[A-Za-z_][\w.-]*:)?APIBusinessObjects[\s>/]/.test(xml.slice(0, 8192))) {
    throw new ScheduleFileError('NOT_P6_XML', 'The file is not Primavera P6 XML: its root element is not <APIBusinessObjects>');
  }
  const doc = parseScheduleXml(parser, xml, 'P6 XML file');
  const root = child(doc, 'APIBusinessObjects') ?? ('APIBusinessObjects' in doc ? {} : undefined);
  if (!root) throw new ScheduleFileError('NOT_P6_XML', 'The file is not Primavera P6 XML: it has no <APIBusinessObjects> element');
  const projects = children(root, 'Project');
  if (!projects.length) throw new ScheduleFileError('NO_PROJECT', 'The P6 XML file has no <Project>');
  const ids = projects.map((p) => text(p, 'Id'));
  const project = chooseProject('P6 XML file', projects, ids, () => true, options.project);
  const schedule = emptySchedule();
  if (projects.length > 1 && options.project === undefined) {
    schedule.warnings.push(`The P6 XML file holds ${projects.length} projects (${ids.join(', ')}); only the first (${text(project, 'Id')}) was read: name another with p6Project`);
  }
  const projectId = text(project, 'ObjectId');
  schedule.name = text(project, 'Id') || text(project, 'Name') || null;
  const ofProject = (node: XmlNode) => !text(node, 'ProjectObjectId') || text(node, 'ProjectObjectId') === projectId;
  const both = (name: string) => [...children(project, name), ...children(root, name).filter(ofProject)];

  const projectCalendar = text(project, 'ActivityDefaultCalendarObjectId');
  for (const node of [...children(root, 'Calendar'), ...children(project, 'Calendar')]) {
    const uid = text(node, 'ObjectId');
    if (!uid) continue;
    const hoursPerDay = numberOrNull(text(node, 'HoursPerDay'));
    if (uid === projectCalendar && hoursPerDay) schedule.minutesPerDay = round4(hoursPerDay * 60);
    const days = children(child(node, 'StandardWorkWeek'), 'StandardWorkHours');
    let week: string[][] | null = null;
    if (days.length) {
      week = [[], [], [], [], [], [], []];
      for (const day of days) {
        const index = DAYS.indexOf(text(day, 'DayOfWeek'));
        if (index < 0) continue;
        week[index] = children(day, 'WorkTime')
          .filter((w) => text(w, 'Start') && text(w, 'Finish'))
          .map((w) => `${text(w, 'Start').slice(0, 5)}-${periodEnd(text(w, 'Finish'))}`);
      }
    }
    const name = text(node, 'Name') || `Calendar ${uid}`;
    const baseUid = text(node, 'BaseCalendarObjectId') || null;
    if (!week && !baseUid) schedule.warnings.push(`Calendar "${name}" (${uid}) has no StandardWorkWeek: it is kept without a working week`);
    schedule.calendars.push({ uid, name, baseUid, hoursPerDay, week });
  }

  const nodes: WbsNode[] = both('WBS').map((w) => ({
    id: text(w, 'ObjectId'),
    code: text(w, 'Code'),
    name: text(w, 'Name'),
    parent: text(w, 'ParentObjectId'),
    seq: numberOrNull(text(w, 'SequenceNumber')) ?? 0,
    root: false,
  }));
  const activities: Array<{ wbsId: string; task: ScheduleTask }> = [];
  const idOfObject = new Map<string, string>();
  const defaultPercentType = P6XML_PERCENT_TYPES[text(project, 'ActivityDefaultPercentCompleteType')] ?? 'duration';
  for (const node of both('Activity')) {
    const id = text(node, 'Id');
    if (!id) throw new ScheduleFileError('MISSING_VALUE', `The <Activity> with ObjectId ${text(node, 'ObjectId')} has no <Id> (activity ID)`);
    idOfObject.set(text(node, 'ObjectId'), id);
    const task = newTask(id, text(node, 'Name'));
    const type = text(node, 'Type');
    task.isMilestone = type === 'Start Milestone' || type === 'Finish Milestone';
    task.start = normalizeDateTime(text(node, 'StartDate') || text(node, 'PlannedStartDate'));
    task.finish = normalizeDateTime(text(node, 'FinishDate') || text(node, 'PlannedFinishDate'));
    task.durationMinutes = hoursToMinutes(text(node, 'PlannedDuration')) ?? hoursToMinutes(text(node, 'AtCompletionDuration'));
    task.durationUnit = 'd';
    // PercentComplete is P6's Activity % Complete, computed for the activity's type; without it, the type's own field.
    const percentType = P6XML_PERCENT_TYPES[text(node, 'PercentCompleteType')] ?? defaultPercentType;
    const percent = numberOrNull(text(node, 'PercentComplete')) ?? numberOrNull(text(node, TYPE_FIELDS[percentType]));
    task.percentComplete = percent === null ? null : round4(percent * 100);
    task.percentCompleteType = percentType;
    task.calendarUid = text(node, 'CalendarObjectId') || null;
    const constraint = P6XML_CONSTRAINTS[text(node, 'PrimaryConstraintType')];
    if (constraint) {
      task.constraintType = constraint;
      task.constraintDate = normalizeDateTime(text(node, 'PrimaryConstraintDate'))?.slice(0, 10) ?? null;
    }
    activities.push({ wbsId: text(node, 'WBSObjectId'), task });
  }
  schedule.tasks = outlineTasks(nodes, activities);

  for (const node of both('Relationship')) {
    const predecessor = idOfObject.get(text(node, 'PredecessorActivityObjectId'));
    const successor = idOfObject.get(text(node, 'SuccessorActivityObjectId'));
    if (!predecessor || !successor) {
      schedule.warnings.push(`Relationship ${text(node, 'ObjectId')} links an activity that is not in the project: dropped`);
      continue;
    }
    const type = P6XML_LINK_TYPES[text(node, 'Type')];
    if (!type) schedule.warnings.push(`Relationship ${text(node, 'ObjectId')} has the unknown type "${text(node, 'Type')}": read as finish-to-start`);
    schedule.links.push({ predecessorUid: predecessor, successorUid: successor, type: type ?? 'FS', lagMinutes: hoursToMinutes(text(node, 'Lag')) ?? 0, lagUnit: 'd' });
  }

  for (const node of [...children(root, 'Resource'), ...children(project, 'Resource')]) {
    const uid = text(node, 'ObjectId');
    if (!uid) continue;
    schedule.resources.push({
      uid,
      code: text(node, 'Id') || null,
      name: text(node, 'Name') || text(node, 'Id') || `Resource ${uid}`,
      type: P6XML_RESOURCE_TYPES[text(node, 'ResourceType')] ?? 'labor',
      calendarUid: text(node, 'CalendarObjectId') || null,
      maxUnits: numberOrNull(text(node, 'MaxUnitsPerTime')),
    });
  }

  // Max units: of the rate in effect at the project's start (the first, if all start later); else the resource's own field.
  const rates = new Map<string, RatePeriod[]>();
  for (const node of [...children(root, 'ResourceRate'), ...children(project, 'ResourceRate')]) {
    const list = rates.get(text(node, 'ResourceObjectId')) ?? [];
    list.push({ from: normalizeDateTime(text(node, 'EffectiveDate')) ?? '', maxUnits: numberOrNull(text(node, 'MaxUnitsPerTime')) });
    rates.set(text(node, 'ResourceObjectId'), list);
  }
  applyRatePeriods(schedule, rates, normalizeDateTime(text(project, 'PlannedStartDate')) ?? '');

  for (const node of both('ResourceAssignment')) {
    const uid = text(node, 'ObjectId');
    const taskUid = idOfObject.get(text(node, 'ActivityObjectId'));
    if (!taskUid) {
      schedule.warnings.push(`Resource assignment ${uid} names an activity that is not in the project: dropped`);
      continue;
    }
    schedule.assignments.push({
      uid,
      taskUid,
      resourceUid: text(node, 'ResourceObjectId'),
      units: numberOrNull(text(node, 'PlannedUnitsPerTime')),
      workHours: numberOrNull(text(node, 'PlannedUnits')),
    });
  }
  return schedule;
}
