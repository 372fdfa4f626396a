import fc from 'fast-check';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { readMspdi } from './mspdi.reader.js';
import { writeMspdi } from './mspdi.writer.js';
import { readXer } from './xer.reader.js';
import { writeXer } from './xer.writer.js';
import { readP6Xml } from './p6xml.reader.js';
import { writeP6Xml } from './p6xml.writer.js';
import { validateSchedule } from './schedule.validate.js';
import { bufferOf, streamOf } from './schedule.test-support.js';
import {
  effectiveWeek,
  emptySchedule,
  newTask,
  type ConstraintType,
  type LinkType,
  type PercentCompleteType,
  type ResourceType,
  type Schedule,
  type ScheduleTask,
  type TimeUnit,
} from './schedule.model.js';

/*
 * Round trips of generated schedules through each format: whatever a format gives back different
 * from what was written must be named in the export's warnings. Generated: outlines of summary
 * tasks and activities, WBS codes in MS Project's and P6's styles (and none, and odd ones), links
 * of several types between the same two tasks, lags in every unit, every resource type, repeated
 * and long resource codes, the three percent complete types, calendars with and without weeks,
 * numeric and other ids, names in and beyond Windows-1252, non-ASCII text early in each file (the
 * project name) and, in a test of its own, only after the first 64 KB.
 */

const WORDS = ['Béton', 'Gebäude', 'Łódź', '東京', 'naïve', 'Straße', '€ costs', 'pour slab', 'Façade', 'Ærø'];
const DAY_MS = 86_400_000;
const BASE = Date.UTC(2025, 0, 6);
const day = (offset: number) => new Date(BASE + offset * DAY_MS).toISOString().slice(0, 10);

const weekArb = fc.array(fc.constantFrom<string[]>([], ['08:00-12:00', '13:00-17:00'], ['07:00-15:30'], ['22:00-24:00'], ['06:00-10:00', '11:00-14:00']), { minLength: 7, maxLength: 7 });

const planArb = fc.record({
  name: fc.constantFrom(...WORDS),
  calendars: fc.array(fc.record({ numeric: fc.boolean(), word: fc.constantFrom(...WORDS), hours: fc.constantFrom(8, 8, 10, null), week: fc.option(weekArb, { freq: 3 }), derived: fc.boolean() }), { maxLength: 3 }),
  items: fc.array(
    fc.record({
      kind: fc.constantFrom('task', 'task', 'task', 'summary', 'up'),
      numeric: fc.boolean(),
      word: fc.constantFrom(...WORDS),
      wbs: fc.constantFrom('outline', 'outline', 'node', 'none', 'odd'),
      start: fc.integer({ min: 0, max: 60 }),
      days: fc.integer({ min: 0, max: 10 }),
      unit: fc.constantFrom<TimeUnit | null>('d', 'd', 'h', 'w', 'ed', null),
      percent: fc.oneof(fc.integer({ min: 0, max: 100 }), fc.constantFrom(12.5, 33.33, 66.67)),
      percentType: fc.constantFrom<PercentCompleteType | null>('physical', 'duration', 'units', null),
      calendar: fc.nat({ max: 3 }),
      constraint: fc.constantFrom<ConstraintType | null>(null, null, 'asap', 'snet', 'fnlt', 'mso', 'alap'),
    }),
    { minLength: 1, maxLength: 14 },
  ),
  links: fc.array(
    fc.record({
      from: fc.nat(),
      to: fc.nat(),
      types: fc.subarray<LinkType>(['FS', 'SS', 'FF', 'SF'], { minLength: 1, maxLength: 3 }),
      lag: fc.integer({ min: -20, max: 80 }),
      unit: fc.constantFrom<TimeUnit>('d', 'd', 'h', 'w', 'ed', '%'),
    }),
    { maxLength: 10 },
  ),
  resources: fc.array(
    fc.record({
      numeric: fc.boolean(),
      code: fc.constantFrom<string | null>('CARP', 'CARP', 'CRANE', 'Ärzte', null, 'A-VERY-LONG-RESOURCE-CODE-42'),
      word: fc.constantFrom(...WORDS),
      type: fc.constantFrom<ResourceType>('labor', 'nonlabor', 'material', 'cost'),
      calendar: fc.nat({ max: 3 }),
      maxUnits: fc.constantFrom(null, 0.5, 1, 2),
    }),
    { maxLength: 4 },
  ),
  assignments: fc.array(fc.record({ task: fc.nat(), resource: fc.nat(), numeric: fc.boolean(), units: fc.constantFrom(null, 0.5, 1), work: fc.constantFrom(null, 0, 8, 24, 40) }), { maxLength: 6 }),
});

type Plan = typeof planArb extends fc.Arbitrary<infer T> ? T : never;

/** A valid schedule from a plan: outline levels step down from summaries, links run forward (no cycle). */
function build(plan: Plan): Schedule {
  const s = emptySchedule();
  s.name = `Bauabschnitt ${plan.name}`;
  plan.calendars.forEach((c, i) => {
    s.calendars.push({
      uid: c.numeric ? String(10 + i) : `CAL-${i}`,
      name: `${c.word} ${i}`,
      baseUid: i > 0 && c.derived ? s.calendars[0]!.uid : null,
      hoursPerDay: c.hours,
      week: c.week,
    });
  });
  const projectHours = s.calendars.find((c) => !c.baseUid)?.hoursPerDay ?? 8;
  s.minutesPerDay = projectHours * 60;
  const stack: Array<{ task: ScheduleTask; children: number }> = [];
  let topChildren = 0;
  plan.items.forEach((item, i) => {
    if (item.kind === 'up') {
      stack.pop();
      return;
    }
    const parent = stack[stack.length - 1];
    const index = parent ? ++parent.children : ++topChildren;
    const task = newTask(item.numeric ? String(100 + i) : `A${i}-x`, `${item.word} ${i}`);
    task.outlineLevel = stack.length + 1;
    const parentWbs = parent?.task.wbs ?? null;
    task.wbs = { outline: parentWbs ? `${parentWbs}.${index}` : String(index), node: parentWbs, none: null, odd: `Z${i}` }[item.wbs];
    task.start = `${day(item.start)}T08:00:00`;
    task.finish = `${day(item.start + Math.max(0, item.days - 1))}T${item.days ? '17:00:00' : '08:00:00'}`;
    task.durationMinutes = item.days * projectHours * 60;
    task.durationUnit = item.unit;
    task.isMilestone = item.days === 0;
    task.percentComplete = item.percent;
    task.percentCompleteType = item.percentType;
    task.calendarUid = s.calendars[item.calendar]?.uid ?? null;
    if (item.constraint) {
      task.constraintType = item.constraint;
      task.constraintDate = item.constraint === 'asap' || item.constraint === 'alap' ? null : day(item.start);
    }
    if (item.kind === 'summary') {
      task.isSummary = true;
      stack.push({ task, children: 0 });
    }
    s.tasks.push(task);
  });
  if (!s.tasks.length) s.tasks.push(newTask('1', 'Only task'));
  const seen = new Set<string>();
  for (const link of plan.links) {
    const from = link.from % s.tasks.length;
    const to = link.to % s.tasks.length;
    if (from >= to) continue;
    for (const type of link.types) {
      const key = `${from}/${to}/${type}`;
      if (seen.has(key)) continue;
      seen.add(key);
      s.links.push({ predecessorUid: s.tasks[from]!.uid, successorUid: s.tasks[to]!.uid, type, lagMinutes: link.unit === '%' ? Math.abs(link.lag) : link.lag * 6, lagUnit: link.unit });
    }
  }
  plan.resources.forEach((r, i) => {
    s.resources.push({ uid: r.numeric ? String(200 + i) : `R-${i}`, code: r.code, name: `${r.word} ${i}`, type: r.type, calendarUid: s.calendars[r.calendar]?.uid ?? null, maxUnits: r.maxUnits });
  });
  if (s.resources.length) {
    plan.assignments.forEach((a, i) => {
      const task = s.tasks[a.task % s.tasks.length]!;
      s.assignments.push({ uid: a.numeric ? String(300 + i) : `AS-${i}`, taskUid: task.uid, resourceUid: s.resources[a.resource % s.resources.length]!.uid, units: a.units, workHours: a.work });
    });
  }
  return validateSchedule(s);
}

type Format = 'MSPDI' | 'XER' | 'P6_XML';

async function roundTrip(format: Format, schedule: Schedule, warnings: string[]): Promise<Schedule> {
  switch (format) {
    case 'MSPDI':
      return validateSchedule(await readMspdi(streamOf([...writeMspdi(schedule, warnings)].join(''))));
    case 'XER':
      return validateSchedule(await readXer(streamOf(await bufferOf(writeXer(schedule, warnings)))));
    case 'P6_XML':
      return validateSchedule(await readP6Xml(streamOf([...writeP6Xml(schedule, warnings)].join(''))));
  }
}

/** What Windows-1252 keeps of a text ("?" for what it lacks). */
const cp1252 = (text: string) => iconv.decode(iconv.encode(text, 'win1252'), 'win1252');
const near = (a: number | null, b: number | null, tolerance: number) => (a === null || b === null ? a === b : Math.abs(a - b) <= tolerance);
const constraintOf = (t: ScheduleTask) => (t.constraintType === 'asap' ? null : t.constraintType);

/**
 * Each difference between the schedule and what the format gives back, with the warning that must
 * name it (null: the format holds this, so a difference is a defect). Identifiers renumbered by a
 * format are matched by position; values the writer fills in where the schedule had none (a null
 * display unit, calendar or units) are not differences.
 */
function differences(format: Format, s: Schedule, back: Schedule): Array<{ what: string; warning: RegExp | null }> {
  const found: Array<{ what: string; warning: RegExp | null }> = [];
  const differ = (what: string, same: boolean, warning: RegExp | null) => {
    if (!same) found.push({ what, warning });
  };
  const p6 = format !== 'MSPDI';
  const text = (t: string) => (format === 'XER' ? cp1252(t) : t);
  const encoding = /Windows-1252/;
  const calendarIds = new Map(s.calendars.map((c, i) => [c.uid, back.calendars[i]?.uid]));
  const resourceIds = new Map(s.resources.map((r, i) => [r.uid, back.resources[i]?.uid]));
  // Tasks: P6 keeps activity ids and the order of its WBS nodes; MSPDI keeps every task's position.
  const activities = s.tasks.filter((t) => !t.isSummary);
  const summaries = s.tasks.filter((t) => t.isSummary);
  const backSummaries = back.tasks.filter((t) => t.isSummary);
  const taskIds = new Map<string, string | undefined>(
    p6 ? [...activities.map((t) => [t.uid, t.uid] as const), ...summaries.map((t, i) => [t.uid, backSummaries[i]?.uid] as const)] : s.tasks.map((t, i) => [t.uid, back.tasks[i]?.uid]),
  );
  const backTasks = new Map(back.tasks.map((t) => [t.uid, t]));
  differ('task count', back.tasks.length === s.tasks.length && backSummaries.length === summaries.length, null);
  differ('task ids', s.tasks.every((t) => taskIds.get(t.uid) === t.uid), p6 ? /summary task\(s\) written as WBS nodes/ : /MSPDI needs whole-number ids: \d+ task id/);
  differ('task order', s.tasks.every((t, i) => back.tasks[i]?.uid === taskIds.get(t.uid)), /come back in another order/);
  for (const task of s.tasks) {
    const got = backTasks.get(taskIds.get(task.uid) ?? '');
    if (!got) {
      differ(`task ${task.uid} missing`, false, null);
      continue;
    }
    const at = `task ${task.uid}`;
    differ(`${at} name`, got.name === text(task.name), encoding);
    differ(`${at} outline level`, got.outlineLevel === task.outlineLevel, null);
    differ(`${at} summary`, got.isSummary === task.isSummary, null);
    if (p6 && task.isSummary) {
      differ(`${at} WBS`, got.wbs === task.wbs, /summary WBS code\(s\) written otherwise/);
      continue; // a WBS node keeps its code and name; the rest is rolled up (warned for every summary task)
    }
    differ(`${at} WBS`, got.wbs === task.wbs, p6 ? /P6 keeps no WBS code on an activity/ : null);
    differ(`${at} milestone`, got.isMilestone === task.isMilestone, null);
    differ(`${at} dates`, got.start === task.start && got.finish === task.finish, null);
    if (task.durationMinutes !== null) differ(`${at} duration`, near(got.durationMinutes, task.durationMinutes, 0.01), null);
    if (task.durationUnit !== null) differ(`${at} duration unit`, got.durationUnit === task.durationUnit, p6 ? /display unit/ : null);
    if (task.percentComplete !== null) {
      const type = task.percentCompleteType ?? (p6 ? 'physical' : 'duration');
      differ(`${at} % complete type`, got.percentCompleteType === type, p6 ? null : /not by units/);
      differ(`${at} % complete`, near(got.percentComplete, task.percentComplete, 0.001), p6 ? /P6 computes (duration|units) % complete/ : /whole percentages/);
    }
    if (task.calendarUid !== null) differ(`${at} calendar`, got.calendarUid === calendarIds.get(task.calendarUid), null);
    differ(`${at} constraint`, constraintOf(got) === constraintOf(task) && (constraintOf(task) === null || constraintOf(task) === 'alap' || got.constraintDate === task.constraintDate), null);
  }
  if (p6 && summaries.length) differ('summary tasks', false, /summary task\(s\) written as WBS nodes/);

  // Links: by their tasks and type.
  const linkKey = (l: Schedule['links'][number], ids: ReadonlyMap<string, string | undefined>) => `${ids.get(l.predecessorUid) ?? l.predecessorUid}>${ids.get(l.successorUid) ?? l.successorUid}:${l.type}`;
  const backLinks = new Map(back.links.map((l) => [linkKey(l, new Map()), l]));
  const isSummary = new Set(summaries.map((t) => t.uid));
  const durations = new Map(s.tasks.map((t) => [t.uid, t.durationMinutes ?? 0]));
  for (const link of s.links) {
    const at = `link ${link.predecessorUid} → ${link.successorUid} ${link.type}`;
    const got = backLinks.get(linkKey(link, taskIds));
    if (!got) {
      differ(`${at} missing`, false, p6 && (isSummary.has(link.predecessorUid) || isSummary.has(link.successorUid)) ? /link\(s\) to or from summary tasks left out/ : p6 ? null : /holds one link between two tasks/);
      continue;
    }
    const percent = link.lagUnit === '%' || link.lagUnit === 'e%';
    if (p6 && percent) {
      differ(`${at} lag`, near(got.lagMinutes, ((durations.get(link.predecessorUid) ?? 0) * link.lagMinutes) / 100, 0.01) && got.lagUnit === 'd', /percentage lag/);
    } else {
      differ(`${at} lag`, near(got.lagMinutes, link.lagMinutes, 0.01), null);
      differ(`${at} lag unit`, got.lagUnit === link.lagUnit, p6 ? (link.lagUnit.startsWith('e') ? /elapsed-time lag/ : /display unit/) : null);
    }
  }
  differ('link count', back.links.length <= s.links.length, null);

  // Calendars: by position; a schedule without any gets one, said so.
  differ('calendars added', s.calendars.length > 0 || back.calendars.length === 1, null);
  if (!s.calendars.length) differ('calendar added', false, /The schedule has no calendar/);
  differ('calendar count', !s.calendars.length || back.calendars.length === s.calendars.length, null);
  s.calendars.forEach((c, i) => {
    const got = back.calendars[i];
    if (!got) return;
    const at = `calendar ${c.uid}`;
    differ(`${at} id`, got.uid === c.uid, /calendar id\(s\) renumbered/);
    differ(`${at} name`, got.name === text(c.name), encoding);
    differ(`${at} base`, got.baseUid === (c.baseUid ? calendarIds.get(c.baseUid) : null), null);
    if (c.hoursPerDay !== null) differ(`${at} hours per day`, near(got.hoursPerDay, c.hoursPerDay, 0.0001), p6 ? null : /hours per day not kept/);
    const week = effectiveWeek(c, s.calendars);
    differ(`${at} week`, JSON.stringify(effectiveWeek(got, back.calendars)) === JSON.stringify(week), week ? null : /has no working week/);
  });

  // Resources and assignments: by position.
  differ('resource count', back.resources.length === s.resources.length, null);
  s.resources.forEach((r, i) => {
    const got = back.resources[i];
    if (!got) return;
    const at = `resource ${r.uid}`;
    differ(`${at} id`, got.uid === r.uid, /resource id\(s\) renumbered/);
    differ(`${at} code`, got.code === (r.code === null ? null : text(r.code)), p6 ? /P6 needs a resource ID|P6 resource IDs are written/ : null);
    differ(`${at} name`, got.name === text(r.name), encoding);
    differ(`${at} type`, got.type === r.type, p6 ? /P6 has no cost resources/ : /no equipment \(nonlabor\) resources/);
    if (r.calendarUid !== null) differ(`${at} calendar`, got.calendarUid === calendarIds.get(r.calendarUid), null);
    differ(`${at} max units`, got.maxUnits === r.maxUnits, null);
  });
  const assignments = s.assignments.filter((a) => !(p6 && isSummary.has(a.taskUid)));
  if (assignments.length < s.assignments.length) differ('assignments of summary tasks', false, /assignment\(s\) of summary tasks left out/);
  differ('assignment count', back.assignments.length === assignments.length, null);
  assignments.forEach((a, i) => {
    const got = back.assignments[i];
    if (!got) return;
    const at = `assignment ${a.uid}`;
    differ(`${at} id`, got.uid === a.uid, /assignment id\(s\) renumbered/);
    differ(`${at} task and resource`, got.taskUid === taskIds.get(a.taskUid) && got.resourceUid === resourceIds.get(a.resourceUid), null);
    if (a.units !== null) differ(`${at} units`, got.units === a.units, null);
    if (a.workHours !== null) differ(`${at} work`, near(got.workHours, a.workHours, 0.001), null);
  });
  return found;
}

describe('round trips of generated schedules through MSPDI, XER and P6 XML', () => {
  it.each(['MSPDI', 'XER', 'P6_XML'] as const)('%s gives back what it holds, and names in its warnings everything else', async (format) => {
    await fc.assert(
      fc.asyncProperty(planArb, async (plan) => {
        const schedule = build(plan);
        const warnings: string[] = [];
        const back = await roundTrip(format, schedule, warnings);
        const unnamed = differences(format, schedule, back).filter((d) => !d.warning || !warnings.some((w) => d.warning!.test(w)));
        expect(unnamed.map((d) => d.what), JSON.stringify(warnings)).toEqual([]);
      }),
      { numRuns: 60, seed: 20261207 },
    );
  });
});

describe('a schedule whose first non-ASCII text comes late in the file', () => {
  /** 2,000 ASCII tasks, then names in Windows-1252 beyond ASCII: the first such byte lies past 64 KB. */
  function lateSchedule(): Schedule {
    const s = emptySchedule();
    s.name = 'Tower B';
    for (let i = 1; i <= 2_000; i++) {
      const task = newTask(String(i), `Pour slab level ${i}`);
      task.start = `${day(0)}T08:00:00`;
      task.finish = `${day(0)}T17:00:00`;
      task.durationMinutes = 480;
      s.tasks.push(task);
    }
    s.tasks.push(newTask('2001', 'Béton façade, Straße € costs'));
    return validateSchedule(s);
  }

  it.each(['MSPDI', 'XER', 'P6_XML'] as const)('%s gives the late names back whole', async (format) => {
    const schedule = lateSchedule();
    const warnings: string[] = [];
    const written =
      format === 'XER' ? await bufferOf(writeXer(schedule, warnings)) : Buffer.from([...(format === 'MSPDI' ? writeMspdi(schedule, warnings) : writeP6Xml(schedule, warnings))].join(''));
    const firstNonAscii = written.findIndex((byte) => byte > 0x7f);
    expect(firstNonAscii).toBeGreaterThan(64 * 1024);
    const back = await roundTrip(format, schedule, []);
    expect(back.tasks.at(-1)?.name).toBe('Béton façade, Straße € costs');
    expect(back.tasks.map((t) => t.name).join('')).not.toContain('\uFFFD');
  });
});
