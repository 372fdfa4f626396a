import { emptySchedule, newTask, type LinkType, type Schedule, type ScheduleLink } from './schedule.model.js';

/*
 * Synthetic schedules for tests and `npm run bench:schedule`: deterministic for a size, shaped
 * like a construction schedule (summary tasks of 19 tasks each, a chain of finish-to-start links
 * with extra links of every type and lags between earlier and later tasks, milestones, two
 * calendars, resources and assignments). Links only ever run from an earlier task to a later
 * one, so the schedule has no cycle; no link touches a summary task, so P6 keeps every link.
 */

const TYPES: readonly LinkType[] = ['FS', 'SS', 'FF', 'SF'];
const LAGS: ReadonlyArray<[number, ScheduleLink['lagUnit']]> = [
  [0, 'd'],
  [480, 'd'],
  [-240, 'h'],
  [960, 'd'],
  [2400, 'w'],
];

/** A small deterministic generator (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DAY_MS = 86_400_000;
const BASE = Date.UTC(2025, 0, 6);

function day(offset: number): string {
  return new Date(BASE + offset * DAY_MS).toISOString().slice(0, 10);
}

/** A schedule of `taskCount` tasks (summaries included) and about 1.5 links per task. */
export function sampleSchedule(taskCount: number, seed = 1): Schedule {
  const rand = random(seed);
  const schedule = emptySchedule();
  schedule.name = `Sample ${taskCount}`;
  const work = ['08:00-12:00', '13:00-17:00'];
  schedule.calendars.push({ uid: '1', name: 'Standard', baseUid: null, hoursPerDay: 8, week: [[], work, work, work, work, work, []] });
  schedule.calendars.push({ uid: '2', name: 'Six-day week', baseUid: null, hoursPerDay: 8, week: [[], work, work, work, work, work, ['08:00-12:00']] });
  const plain: string[] = [];
  let summary = 0;
  let child = 0;
  for (let i = 1; i <= taskCount; i++) {
    const uid = String(i);
    if ((i - 1) % 20 === 0) {
      summary++;
      child = 0;
      const task = newTask(uid, `Phase ${summary} – Gebäude ${summary}`);
      task.isSummary = true;
      task.wbs = String(summary);
      task.outlineLevel = 1;
      task.start = `${day((summary - 1) * 10)}T08:00:00`;
      task.finish = `${day((summary - 1) * 10 + 30)}T17:00:00`;
      task.durationMinutes = 31 * 480;
      task.durationUnit = 'd';
      task.percentComplete = 0;
      task.percentCompleteType = 'duration';
      schedule.tasks.push(task);
      continue;
    }
    child++;
    const task = newTask(uid, `Task ${i}: pour slab ${child} (béton €${i % 97})`);
    task.wbs = `${summary}.${child}`;
    task.outlineLevel = 2;
    const milestone = i % 50 === 0;
    const length = milestone ? 0 : (i % 10) + 1;
    const start = (summary - 1) * 10 + (child % 15);
    task.isMilestone = milestone;
    task.start = `${day(start)}T08:00:00`;
    task.finish = `${day(start + Math.max(0, length - 1))}T${milestone ? '08:00:00' : '17:00:00'}`;
    task.durationMinutes = length * 480;
    task.durationUnit = i % 7 === 0 ? 'h' : 'd';
    // A milestone has no duration to measure progress by: done or not.
    task.percentComplete = i % 9 === 0 ? 100 : i % 4 === 0 && !milestone ? 50 : 0;
    task.percentCompleteType = i % 13 === 0 ? 'physical' : 'duration';
    task.calendarUid = i % 11 === 0 ? '2' : null;
    if (i % 37 === 0) {
      task.constraintType = 'snet';
      task.constraintDate = day(start);
    }
    schedule.tasks.push(task);
    plain.push(uid);
  }
  const seen = new Set<string>();
  const add = (predecessorUid: string, successorUid: string, type: LinkType, lag: [number, ScheduleLink['lagUnit']]) => {
    const key = `${predecessorUid}>${successorUid}`;
    if (seen.has(key)) return;
    seen.add(key);
    schedule.links.push({ predecessorUid, successorUid, type, lagMinutes: lag[0], lagUnit: lag[1] });
  };
  for (let j = 1; j < plain.length; j++) {
    add(plain[j - 1]!, plain[j]!, 'FS', [0, 'd']);
    if (j >= 2 && rand() < 0.6) {
      const from = Math.floor(rand() * (j - 1));
      add(plain[from]!, plain[j]!, TYPES[Math.floor(rand() * TYPES.length)]!, LAGS[Math.floor(rand() * LAGS.length)]!);
    }
  }
  const resourceCount = Math.max(1, Math.min(50, Math.ceil(taskCount / 200)));
  for (let r = 1; r <= resourceCount; r++) {
    schedule.resources.push({ uid: String(r), code: `R${r}`, name: `Crew ${r}`, type: r % 5 === 0 ? 'material' : 'labor', calendarUid: r % 3 === 0 ? '2' : '1', maxUnits: 1 });
  }
  let assignment = 0;
  for (const [k, uid] of plain.entries()) {
    if (k % 3 !== 0) continue;
    assignment++;
    schedule.assignments.push({ uid: String(assignment), taskUid: uid, resourceUid: String((k % resourceCount) + 1), units: 1, workHours: 8 * ((Number(uid) % 10) + 1) });
  }
  return schedule;
}
