import type { Readable } from 'node:stream';
import {
  emptySchedule,
  newTask,
  normalizeDateTime,
  numberOrNull,
  round4,
  type ConstraintType,
  type LinkType,
  type ResourceType,
  type Schedule,
  type ScheduleCalendar,
  type TimeUnit,
} from './schedule.model.js';
import { ScheduleFileError } from './schedules.errors.js';
import { readAllText } from './schedule.text.js';
import { checkScheduleXml, children, child, eachElement, scheduleXmlParser, text, type XmlNode } from './schedule.xml.js';

/*
 * Microsoft Project XML (MSPDI, namespace http://schemas.microsoft.com/project): project,
 * calendars, tasks with their predecessor links, resources, assignments. Elements the schedule
 * does not use are ignored, whatever they are.
 */

export const MSPDI_NAMESPACE = 'http://schemas.microsoft.com/project';

/** PredecessorLink/Type. */
export const MSPDI_LINK_TYPES: readonly LinkType[] = ['FF', 'FS', 'SF', 'SS'];

/** DurationFormat / LagFormat codes; 35-52 are the estimated (`?`) variants, 53 "no format". */
const FORMAT_UNITS: Readonly<Record<number, TimeUnit>> = {
  3: 'm',
  4: 'em',
  5: 'h',
  6: 'eh',
  7: 'd',
  8: 'ed',
  9: 'w',
  10: 'ew',
  11: 'mo',
  12: 'emo',
  19: '%',
  20: 'e%',
  35: 'm',
  36: 'em',
  37: 'h',
  38: 'eh',
  39: 'd',
  40: 'ed',
  41: 'w',
  42: 'ew',
  43: 'mo',
  44: 'emo',
  51: '%',
  52: 'e%',
  53: 'd',
};
export const UNIT_FORMATS: Readonly<Record<TimeUnit, number>> = { m: 3, em: 4, h: 5, eh: 6, d: 7, ed: 8, w: 9, ew: 10, mo: 11, emo: 12, '%': 19, 'e%': 20 };

/** ConstraintType codes 0-7. */
export const MSPDI_CONSTRAINTS: readonly ConstraintType[] = ['asap', 'alap', 'mso', 'mfo', 'snet', 'snlt', 'fnet', 'fnlt'];

const RESOURCE_TYPES: Readonly<Record<string, ResourceType>> = { '0': 'material', '1': 'labor', '2': 'cost' };

const parser = scheduleXmlParser(['Task', 'PredecessorLink', 'Calendar', 'WeekDay', 'WorkingTime', 'Resource', 'Assignment', 'Exception', 'WorkWeek', 'ExtendedAttribute', 'Baseline', 'TimephasedData']);

/** ISO 8601 duration (`PT8H30M0S`, `P1DT2H`) in minutes; null when absent or malformed. */
export function parseIsoDuration(value: string): number | null {
  const m = /^(-)?P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(value);
  if (!m || value === 'P' || value === 'PT') return null;
  const minutes = Number(m[2] ?? 0) * 1440 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0) + Number(m[5] ?? 0) / 60;
  return round4(m[1] ? -minutes : minutes);
}

const flag = (value: string) => value === '1' || value.toLowerCase() === 'true';
const time = (value: string) => value.slice(0, 5);

function readCalendar(node: XmlNode): ScheduleCalendar & { days: Map<number, string[]> } {
  const days = new Map<number, string[]>();
  for (const day of children(child(node, 'WeekDays'), 'WeekDay')) {
    const type = Number(text(day, 'DayType'));
    if (!(type >= 1 && type <= 7)) continue; // 0: an exception period, not a weekday
    const ranges = flag(text(day, 'DayWorking'))
      ? children(child(day, 'WorkingTimes'), 'WorkingTime')
          // A period ending at midnight is written ToTime 00:00:00 (MS Project's own files do so).
          .map((w) => `${time(text(w, 'FromTime'))}-${time(text(w, 'ToTime')) === '00:00' ? '24:00' : time(text(w, 'ToTime'))}`)
          .filter((r) => r.length === 11)
      : [];
    days.set(type, ranges);
  }
  const base = text(node, 'BaseCalendarUID');
  return { uid: text(node, 'UID'), name: text(node, 'Name') || `Calendar ${text(node, 'UID')}`, baseUid: base && base !== '-1' && base !== '0' ? base : null, hoursPerDay: null, week: null, days };
}

/** A schedule from an MSPDI document. */
export async function readMspdi(input: Readable): Promise<Schedule> {
  const xml = await readAllText(input, 'MS Project XML file');
  const root = /<([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)[\s>/]/.exec(xml.slice(0, 8192).replace(/<\?[\s\S]*?\?>|<!--[\s\S]*?-->/g, ''));
  if (!root || root[2] !== 'Project') {
    throw new ScheduleFileError('NOT_MSPDI', `The file is not MS Project XML: its root element is ${root ? `<${root[2]}>` : 'missing'}, not <Project>`);
  }
  checkScheduleXml(xml, 'MS Project XML file');
  const sections = /<(?:Calendars|Tasks|Resources|Assignments)[\s>/]|<\/Project>/.exec(xml);
  if (!root[1] && sections && !xml.includes('<!--') && !xml.includes('<![CDATA[')) {
    // Without namespace prefixes (as MS Project writes it): the header, then each element of the
    // collections parsed on its own, so a large file never becomes one object tree. Documents
    // with comments or CDATA (where a tag name may hide) and any cut that fails are parsed whole.
    try {
      const head = parser.parse(`${xml.slice(0, sections.index)}</Project>`) as XmlNode;
      const project = child(head, 'Project') ?? ('Project' in head ? {} : undefined);
      return fromNodes(xml, project, eachElement(parser, xml, 'Calendar'), eachElement(parser, xml, 'Task'), eachElement(parser, xml, 'Resource'), eachElement(parser, xml, 'Assignment'));
    } catch (error) {
      if (error instanceof ScheduleFileError) throw error;
    }
  }
  const project = child(parser.parse(xml) as XmlNode, 'Project');
  return fromNodes(
    xml,
    project,
    children(child(project, 'Calendars'), 'Calendar'),
    children(child(project, 'Tasks'), 'Task'),
    children(child(project, 'Resources'), 'Resource'),
    children(child(project, 'Assignments'), 'Assignment'),
  );
}

function fromNodes(
  xml: string,
  project: XmlNode | undefined,
  calendarNodes: Iterable<XmlNode>,
  taskNodes: Iterable<XmlNode>,
  resourceNodes: Iterable<XmlNode>,
  assignmentNodes: Iterable<XmlNode>,
): Schedule {
  if (!project) throw new ScheduleFileError('NOT_MSPDI', 'The file is not MS Project XML: it has no <Project> element');
  const schedule = emptySchedule();
  if (!xml.includes(MSPDI_NAMESPACE)) schedule.warnings.push(`The document does not declare the MS Project namespace ${MSPDI_NAMESPACE}; read as MSPDI anyway`);
  schedule.name = text(project, 'Title') || text(project, 'Name') || null;
  schedule.minutesPerDay = numberOrNull(text(project, 'MinutesPerDay')) || schedule.minutesPerDay;

  // Calendars: a derived calendar lists only the days it changes; the rest come from its base.
  const calendars = [...calendarNodes].map(readCalendar);
  const byUid = new Map(calendars.map((c) => [c.uid, c]));
  const weekOf = (c: (typeof calendars)[number], depth = 0): string[][] | null => {
    const base = c.baseUid && depth < 10 ? byUid.get(c.baseUid) : undefined;
    const inherited = base ? weekOf(base, depth + 1) : null;
    if (c.days.size === 0) return inherited;
    return [1, 2, 3, 4, 5, 6, 7].map((d) => c.days.get(d) ?? inherited?.[d - 1] ?? []);
  };
  for (const c of calendars) {
    if (!c.uid) throw new ScheduleFileError('MISSING_VALUE', 'A <Calendar> has no <UID>');
    schedule.calendars.push({ uid: c.uid, name: c.name, baseUid: c.baseUid, hoursPerDay: round4(schedule.minutesPerDay / 60), week: c.days.size ? weekOf(c) : null });
  }

  let index = -1;
  for (const node of taskNodes) {
    index++;
    const uid = text(node, 'UID');
    if (!uid) throw new ScheduleFileError('MISSING_VALUE', `Task ${index + 1} of the file has no <UID>`, { task: index + 1 });
    // UID 0 / outline level 0 is the project summary task MS Project makes itself; IsNull rows are blank lines.
    if (flag(text(node, 'IsNull')) || text(node, 'OutlineLevel') === '0' || (uid === '0' && !text(node, 'OutlineLevel'))) continue;
    const task = newTask(uid, text(node, 'Name'));
    task.wbs = text(node, 'WBS') || null;
    task.outlineLevel = numberOrNull(text(node, 'OutlineLevel')) ?? 1;
    task.isSummary = flag(text(node, 'Summary'));
    task.isMilestone = flag(text(node, 'Milestone'));
    task.start = normalizeDateTime(text(node, 'Start'));
    task.finish = normalizeDateTime(text(node, 'Finish'));
    task.durationMinutes = parseIsoDuration(text(node, 'Duration'));
    task.durationUnit = FORMAT_UNITS[Number(text(node, 'DurationFormat'))] ?? null;
    // % Complete is MS Project's duration % complete; EarnedValueMethod 1 measures the task by its Physical % Complete.
    const percent = numberOrNull(text(node, 'PercentComplete'));
    if (text(node, 'EarnedValueMethod') === '1') {
      task.percentComplete = numberOrNull(text(node, 'PhysicalPercentComplete')) ?? percent;
      task.percentCompleteType = 'physical';
    } else {
      task.percentComplete = percent;
      task.percentCompleteType = percent === null ? null : 'duration';
    }
    const calendar = text(node, 'CalendarUID');
    task.calendarUid = calendar && calendar !== '-1' ? calendar : null;
    const constraint = MSPDI_CONSTRAINTS[Number(text(node, 'ConstraintType') || '0')];
    if (constraint && constraint !== 'asap') {
      task.constraintType = constraint;
      task.constraintDate = normalizeDateTime(text(node, 'ConstraintDate'))?.slice(0, 10) ?? null;
    }
    schedule.tasks.push(task);
    for (const link of children(node, 'PredecessorLink')) {
      const predecessor = text(link, 'PredecessorUID');
      if (flag(text(link, 'CrossProject'))) {
        schedule.warnings.push(`Task ${uid} has a predecessor in another project (${text(link, 'CrossProjectName') || 'unnamed'}): dropped`);
        continue;
      }
      const typeCode = text(link, 'Type');
      const type = MSPDI_LINK_TYPES[typeCode === '' ? 1 : Number(typeCode)];
      if (!type) schedule.warnings.push(`The link ${predecessor} → ${uid} has the unknown type ${typeCode}: read as finish-to-start`);
      const format = FORMAT_UNITS[Number(text(link, 'LagFormat') || '7')] ?? 'd';
      // LinkLag is in tenths of a minute (tenths of a percent for percentage lags).
      const lag = numberOrNull(text(link, 'LinkLag')) ?? 0;
      schedule.links.push({ predecessorUid: predecessor, successorUid: uid, type: type ?? 'FS', lagMinutes: round4(lag / 10), lagUnit: format });
    }
  }

  for (const node of resourceNodes) {
    const uid = text(node, 'UID');
    const name = text(node, 'Name');
    // UID 0 without a name is MS Project's own placeholder; IsNull rows are blank lines.
    if (!uid || flag(text(node, 'IsNull')) || (uid === '0' && !name)) continue;
    const calendar = text(node, 'CalendarUID');
    schedule.resources.push({
      uid,
      code: text(node, 'Initials') || null,
      name: name || `Resource ${uid}`,
      type: RESOURCE_TYPES[text(node, 'Type') || '1'] ?? 'labor',
      calendarUid: calendar && calendar !== '-1' ? calendar : null,
      maxUnits: numberOrNull(text(node, 'MaxUnits')),
    });
  }

  for (const node of assignmentNodes) {
    const resource = text(node, 'ResourceUID');
    // -65535: MS Project's "no resource" assignment that every unassigned task carries.
    if (resource === '-65535' || resource === '') continue;
    const work = parseIsoDuration(text(node, 'Work'));
    schedule.assignments.push({
      uid: text(node, 'UID'),
      taskUid: text(node, 'TaskUID'),
      resourceUid: resource,
      units: numberOrNull(text(node, 'Units')),
      workHours: work === null ? null : round4(work / 60),
    });
  }
  return schedule;
}
