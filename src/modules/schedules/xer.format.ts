import { round4, type ConstraintType, type LinkType, type PercentCompleteType, type ResourceType, type Schedule } from './schedule.model.js';

/*
 * Primavera P6 codes and rules shared by the XER and P6 XML readers and writers: link types,
 * constraint types, resource types, percent complete types and how P6 computes them, resources'
 * rate periods, and the calendar data string of XER's CALENDAR.clndr_data.
 */

export const XER_LINK_TYPES: Readonly<Record<string, LinkType>> = { PR_FS: 'FS', PR_SS: 'SS', PR_FF: 'FF', PR_SF: 'SF' };
export const XER_LINK_CODES: Readonly<Record<LinkType, string>> = { FS: 'PR_FS', SS: 'PR_SS', FF: 'PR_FF', SF: 'PR_SF' };

export const P6XML_LINK_TYPES: Readonly<Record<string, LinkType>> = {
  'Finish to Start': 'FS',
  'Start to Start': 'SS',
  'Finish to Finish': 'FF',
  'Start to Finish': 'SF',
};
export const P6XML_LINK_NAMES: Readonly<Record<LinkType, string>> = { FS: 'Finish to Start', SS: 'Start to Start', FF: 'Finish to Finish', SF: 'Start to Finish' };

export const XER_CONSTRAINTS: Readonly<Record<string, ConstraintType>> = {
  CS_ALAP: 'alap',
  CS_MSO: 'mso',
  CS_MEO: 'mfo',
  CS_MSOA: 'snet',
  CS_MSOB: 'snlt',
  CS_MEOA: 'fnet',
  CS_MEOB: 'fnlt',
};
export const XER_CONSTRAINT_CODES: Readonly<Record<ConstraintType, string>> = {
  asap: '',
  alap: 'CS_ALAP',
  mso: 'CS_MSO',
  mfo: 'CS_MEO',
  snet: 'CS_MSOA',
  snlt: 'CS_MSOB',
  fnet: 'CS_MEOA',
  fnlt: 'CS_MEOB',
};

export const P6XML_CONSTRAINTS: Readonly<Record<string, ConstraintType>> = {
  'As Late As Possible': 'alap',
  'Mandatory Start': 'mso',
  'Mandatory Finish': 'mfo',
  'Start On': 'mso',
  'Finish On': 'mfo',
  'Start On or After': 'snet',
  'Start On or Before': 'snlt',
  'Finish On or After': 'fnet',
  'Finish On or Before': 'fnlt',
};
export const P6XML_CONSTRAINT_NAMES: Readonly<Record<ConstraintType, string>> = {
  asap: '',
  alap: 'As Late As Possible',
  mso: 'Start On',
  mfo: 'Finish On',
  snet: 'Start On or After',
  snlt: 'Start On or Before',
  fnet: 'Finish On or After',
  fnlt: 'Finish On or Before',
};

export const XER_PERCENT_TYPES: Readonly<Record<string, PercentCompleteType>> = { CP_Phys: 'physical', CP_Drtn: 'duration', CP_Units: 'units' };
export const XER_PERCENT_CODES: Readonly<Record<PercentCompleteType, string>> = { physical: 'CP_Phys', duration: 'CP_Drtn', units: 'CP_Units' };
export const P6XML_PERCENT_TYPES: Readonly<Record<string, PercentCompleteType>> = { Physical: 'physical', Duration: 'duration', Units: 'units' };
export const P6XML_PERCENT_NAMES: Readonly<Record<PercentCompleteType, string>> = { physical: 'Physical', duration: 'Duration', units: 'Units' };

/** What P6 computes an activity's % complete from (hours of duration; units of labor and nonlabor resources). */
export interface P6Progress {
  physical: number | null;
  plannedHours: number | null;
  remainingHours: number | null;
  actualUnits: number;
  remainingUnits: number;
  complete: boolean;
}

/**
 * An activity's % complete (0-100) as P6 defines it for its percent complete type (Oracle, P6
 * EPPM help, "Percent Complete Columns of the Activity Table"): physical is what was entered;
 * duration is (planned − remaining duration) ÷ planned duration; units is (actual labor + actual
 * nonlabor units) ÷ (actual + remaining labor and nonlabor units). Where the divisor is 0 (a
 * milestone, an activity without units) a finished activity is 100 %, any other 0 %.
 */
export function p6ActivityPercent(type: PercentCompleteType, p: P6Progress): number {
  const ratio = (done: number, total: number) => (total > 0 ? Math.min(100, Math.max(0, round4((done / total) * 100))) : p.complete ? 100 : 0);
  switch (type) {
    case 'physical':
      return Math.min(100, Math.max(0, round4(p.physical ?? 0)));
    case 'duration':
      return ratio((p.plannedHours ?? 0) - (p.remainingHours ?? (p.complete ? 0 : (p.plannedHours ?? 0))), p.plannedHours ?? 0);
    case 'units':
      return ratio(p.actualUnits, p.actualUnits + p.remainingUnits);
    default: {
      const unreachable: never = type;
      return unreachable;
    }
  }
}

/** A resource's rate period: from when, and its max units per time. */
export interface RatePeriod {
  from: string;
  maxUnits: number | null;
}

/**
 * Sets each resource's max units from its rate periods (XER RSRCRATE, P6 XML ResourceRate): the
 * period in effect at the project's start, else the first; rates that differ are named.
 */
export function applyRatePeriods(schedule: Schedule, periods: ReadonlyMap<string, RatePeriod[]>, projectStart: string): void {
  for (const resource of schedule.resources) {
    const list = periods.get(resource.uid)?.sort((a, b) => a.from.localeCompare(b.from));
    if (!list?.length) continue;
    const current = list.filter((p) => p.from <= projectStart).pop() ?? list[0]!;
    resource.maxUnits = current.maxUnits;
    if (new Set(list.map((p) => p.maxUnits)).size > 1) {
      schedule.warnings.push(
        `Resource ${resource.code ?? resource.uid} has rate periods with different max units (${list.map((p) => `${p.maxUnits ?? 'none'} from ${p.from.slice(0, 10) || '?'}`).join(', ')}): the one in effect at the project's start is kept (${current.maxUnits ?? 'none'})`,
      );
    }
  }
}

export const XER_RESOURCE_TYPES: Readonly<Record<string, ResourceType>> = { RT_Labor: 'labor', RT_Equip: 'nonlabor', RT_Mat: 'material' };
/** P6 has no cost resources: they are written as nonlabor (as MPXJ maps them), with a warning. */
export const XER_RESOURCE_CODES: Readonly<Record<ResourceType, string>> = { labor: 'RT_Labor', nonlabor: 'RT_Equip', material: 'RT_Mat', cost: 'RT_Equip' };
export const P6XML_RESOURCE_TYPES: Readonly<Record<string, ResourceType>> = { Labor: 'labor', Nonlabor: 'nonlabor', Material: 'material' };
export const P6XML_RESOURCE_NAMES: Readonly<Record<ResourceType, string>> = { labor: 'Labor', nonlabor: 'Nonlabor', material: 'Material', cost: 'Nonlabor' };

const RANGE = /(?:s\|(\d{1,2}:\d{2})\|f\|(\d{1,2}:\d{2}))|(?:f\|(\d{1,2}:\d{2})\|s\|(\d{1,2}:\d{2}))/g;
const DAY_START = /\(0\|\|([1-7])\(\)/g;

const hhmm = (t: string) => (t.length === 4 ? `0${t}` : t);

/**
 * The working week of a CALENDAR.clndr_data string, Sunday first, or null when it has none.
 * The string nests `(0||DaysOfWeek()((0||1()(…))(0||2()((0||0(s|08:00|f|12:00)())…)))`; day 1 is
 * Sunday. Exceptions (holidays) follow the week and are not read.
 */
export function parseClndrData(data: string): string[][] | null {
  return readClndrData(data).week;
}

/** The week of a CALENDAR.clndr_data string, and how many of its seven days were found. */
export function readClndrData(data: string): { week: string[][] | null; days: number } {
  const from = data.indexOf('DaysOfWeek()');
  if (from < 0) return { week: null, days: 0 };
  let to = data.indexOf('Exceptions()', from);
  if (to < 0) to = data.length;
  const section = data.slice(from, to);
  const starts = [...section.matchAll(DAY_START)];
  if (starts.length === 0) return { week: null, days: 0 };
  const week: string[][] = [[], [], [], [], [], [], []];
  starts.forEach((start, i) => {
    const end = i + 1 < starts.length ? starts[i + 1]!.index : section.length;
    const ranges: string[] = [];
    for (const m of section.slice(start.index, end).matchAll(RANGE)) {
      const s = m[1] ?? m[4]!;
      const f = m[2] ?? m[3]!;
      ranges.push(`${hhmm(s)}-${hhmm(f)}`);
    }
    week[Number(start[1]) - 1] = ranges;
  });
  return { week, days: new Set(starts.map((start) => start[1])).size };
}

/** A CALENDAR.clndr_data string for a week (Sunday first). */
export function formatClndrData(week: string[][]): string {
  const days = week
    .map((ranges, d) => {
      const items = ranges
        .map((range, i) => {
          const [s, f] = range.split('-');
          return `(0||${i}(s|${s}|f|${f})())`;
        })
        .join('');
      return `(0||${d + 1}()(${items}))`;
    })
    .join('');
  return `(0||CalendarData()((0||DaysOfWeek()(${days}))(0||Exceptions()())))`;
}

/** Monday to Friday, 08:00-12:00 and 13:00-17:00: what a calendar without a week is written with, with a warning. */
export function defaultWeek(): string[][] {
  const work = ['08:00-12:00', '13:00-17:00'];
  return [[], work, work, work, work, work, []];
}
