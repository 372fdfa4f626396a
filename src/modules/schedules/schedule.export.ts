import { DEFAULT_MINUTES_PER_DAY, type Schedule, type ScheduleCalendar } from './schedule.model.js';
import { defaultWeek } from './xer.format.js';

/*
 * What the three writers share: the calendars a file gets. Every format needs at least one; a
 * schedule without any gets a "Standard" Monday-to-Friday calendar, and the warning says so.
 */

export const DEFAULT_WEEK_TEXT = 'Monday to Friday, 08:00-12:00 and 13:00-17:00';

/** The schedule's calendars, or the one a file of `format` needs when it has none (with a warning). */
export function calendarsToWrite(schedule: Schedule, format: 'MSPDI' | 'P6', warnings: string[]): ScheduleCalendar[] {
  if (schedule.calendars.length) return schedule.calendars;
  warnings.push(`The schedule has no calendar: one named "Standard" (${DEFAULT_WEEK_TEXT}) was written, as ${format} needs one`);
  return [{ uid: '1', name: 'Standard', baseUid: null, hoursPerDay: (schedule.minutesPerDay || DEFAULT_MINUTES_PER_DAY) / 60, week: defaultWeek() }];
}
