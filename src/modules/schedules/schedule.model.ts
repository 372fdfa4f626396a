/**
 * A schedule in memory, neutral between MS Project (MSPDI) and Primavera P6 (XER, P6 XML): what
 * the readers produce, what the service writes into a project's records and reads back, and what
 * the writers serialize. Times are wall-clock times of the schedule (`YYYY-MM-DDTHH:MM:SS`, no
 * zone): schedulers keep none. Durations and lags are working minutes.
 */

export type LinkType = 'FS' | 'SS' | 'FF' | 'SF';

/** m, h, d, w, mo; `e` before for elapsed time; `%` for percent (lags only). */
export type TimeUnit = 'm' | 'h' | 'd' | 'w' | 'mo' | 'em' | 'eh' | 'ed' | 'ew' | 'emo' | '%' | 'e%';

export type ConstraintType = 'asap' | 'alap' | 'snet' | 'snlt' | 'fnet' | 'fnlt' | 'mso' | 'mfo';

export type ResourceType = 'labor' | 'nonlabor' | 'material' | 'cost';

/**
 * What a task's % complete measures (P6's percent complete type): `physical`, entered by a
 * person; `duration`, (original − remaining duration) ÷ original duration; `units`, actual ÷
 * (actual + remaining) units of the labor and nonlabor resources. MS Project's % Complete is
 * duration based, its Physical % Complete (EarnedValueMethod 1) physical.
 */
export type PercentCompleteType = 'physical' | 'duration' | 'units';

export const PERCENT_COMPLETE_TYPES: readonly PercentCompleteType[] = ['physical', 'duration', 'units'];

export interface ScheduleTask {
  /** Identifier in the source: MSPDI UID, P6 activity id (task_code). Unique in a schedule. */
  uid: string;
  name: string;
  wbs: string | null;
  /** 1 for top-level tasks. */
  outlineLevel: number;
  isSummary: boolean;
  isMilestone: boolean;
  start: string | null;
  finish: string | null;
  durationMinutes: number | null;
  durationUnit: TimeUnit | null;
  /** 0 to 100, measured as `percentCompleteType` says. */
  percentComplete: number | null;
  /** null where the source does not say (a task made through the records API). */
  percentCompleteType: PercentCompleteType | null;
  calendarUid: string | null;
  constraintType: ConstraintType | null;
  constraintDate: string | null;
}

export interface ScheduleLink {
  predecessorUid: string;
  successorUid: string;
  type: LinkType;
  /** Working minutes; for unit % / e%, a percentage of the predecessor's duration. */
  lagMinutes: number;
  lagUnit: TimeUnit;
}

export interface ScheduleCalendar {
  uid: string;
  name: string;
  baseUid: string | null;
  hoursPerDay: number | null;
  /**
   * Working times of each weekday, Sunday first (seven entries), each a list of `HH:MM-HH:MM`
   * ranges (empty: a day off); null when the calendar only inherits from its base.
   */
  week: string[][] | null;
}

export interface ScheduleResource {
  uid: string;
  code: string | null;
  name: string;
  type: ResourceType;
  calendarUid: string | null;
  maxUnits: number | null;
}

export interface ScheduleAssignment {
  uid: string;
  taskUid: string;
  resourceUid: string;
  /** 1 = full time. */
  units: number | null;
  workHours: number | null;
}

export interface Schedule {
  name: string | null;
  /** Working minutes in a day: MSPDI MinutesPerDay, P6 hours per day of the project calendar. */
  minutesPerDay: number;
  /** In outline order: a summary task comes before the tasks below it. */
  tasks: ScheduleTask[];
  links: ScheduleLink[];
  calendars: ScheduleCalendar[];
  resources: ScheduleResource[];
  assignments: ScheduleAssignment[];
  /** Problems a reader met that did not stop it (an unknown table, an unsupported value). */
  warnings: string[];
}

export const DEFAULT_MINUTES_PER_DAY = 480;

export function emptySchedule(): Schedule {
  return { name: null, minutesPerDay: DEFAULT_MINUTES_PER_DAY, tasks: [], links: [], calendars: [], resources: [], assignments: [], warnings: [] };
}

export function newTask(uid: string, name: string): ScheduleTask {
  return {
    uid,
    name,
    wbs: null,
    outlineLevel: 1,
    isSummary: false,
    isMilestone: false,
    start: null,
    finish: null,
    durationMinutes: null,
    durationUnit: null,
    percentComplete: null,
    percentCompleteType: null,
    calendarUid: null,
    constraintType: null,
    constraintDate: null,
  };
}

const TIME_UNITS: ReadonlySet<string> = new Set(['m', 'h', 'd', 'w', 'mo', 'em', 'eh', 'ed', 'ew', 'emo', '%', 'e%']);

export function isPercentCompleteType(value: unknown): value is PercentCompleteType {
  return typeof value === 'string' && (PERCENT_COMPLETE_TYPES as readonly string[]).includes(value);
}

export function isTimeUnit(value: unknown): value is TimeUnit {
  return typeof value === 'string' && TIME_UNITS.has(value);
}

/** `2024-05-01 08:00`, `2024-05-01T08:00:00.000` → `2024-05-01T08:00:00`; null when not a date-time. */
export function normalizeDateTime(value: string | null | undefined): string | null {
  if (!value) return null;
  const match = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?/.exec(value.trim());
  if (!match) return null;
  return `${match[1]}T${match[2] ?? '00'}:${match[3] ?? '00'}:${match[4] ?? '00'}`;
}

/** Rounds to 4 decimals: the scale of the records' decimal columns. */
export function round4(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}

/** A finite number from text, or null. */
export function numberOrNull(value: unknown): number | null {
  if (value === null || value === undefined || value === '') return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

/** A calendar's working week: its own, else its base calendar's (and so on up), else null. */
export function effectiveWeek(calendar: ScheduleCalendar, calendars: readonly ScheduleCalendar[]): string[][] | null {
  const byUid = new Map(calendars.map((c) => [c.uid, c]));
  const seen = new Set<string>();
  let at: ScheduleCalendar | undefined = calendar;
  while (at && !seen.has(at.uid)) {
    if (at.week) return at.week;
    seen.add(at.uid);
    at = at.baseUid ? byUid.get(at.baseUid) : undefined;
  }
  return null;
}

/** A week as the records keep it: `-;08:00-12:00,13:00-17:00;…` (Sunday first). */
export function formatWeek(week: string[][] | null): string | null {
  if (!week) return null;
  return week.map((ranges) => (ranges.length === 0 ? '-' : ranges.join(','))).join(';');
}

export function parseWeek(text: string | null | undefined): string[][] | null {
  if (!text) return null;
  const days = text.split(';');
  if (days.length !== 7) return null;
  return days.map((day) => (day === '-' || day === '' ? [] : day.split(',')));
}
