import { Readable } from 'node:stream';
import type { Schedule } from './schedule.model.js';

/** A buffer or text as the readable stream an upload would be. */
export function streamOf(content: Buffer | string, chunkSize = 16 * 1024): Readable {
  const buffer = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  const chunks: Buffer[] = [];
  for (let i = 0; i < buffer.length; i += chunkSize) chunks.push(buffer.subarray(i, i + chunkSize));
  return Readable.from(chunks);
}

export async function bufferOf(stream: Readable | Iterable<Buffer | string>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer | string>) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}

/** The activities (tasks that are not summaries) of a schedule, as the formats all keep them. */
export function activitiesOf(schedule: Schedule) {
  return schedule.tasks
    .filter((t) => !t.isSummary)
    .map((t) => ({
      uid: t.uid,
      name: t.name,
      start: t.start,
      finish: t.finish,
      durationMinutes: t.durationMinutes,
      isMilestone: t.isMilestone,
      percentComplete: t.percentComplete,
      percentCompleteType: t.percentCompleteType,
      constraintType: t.constraintType,
      constraintDate: t.constraintDate,
    }));
}

/** Links without their display unit (P6 keeps hours only), in a stable order. */
export function linksOf(schedule: Schedule) {
  return schedule.links
    .map((l) => ({ predecessorUid: l.predecessorUid, successorUid: l.successorUid, type: l.type, lagMinutes: l.lagMinutes }))
    .sort((a, b) => a.successorUid.localeCompare(b.successorUid) || a.predecessorUid.localeCompare(b.predecessorUid));
}

export function summariesOf(schedule: Schedule) {
  return schedule.tasks.filter((t) => t.isSummary).map((t) => ({ name: t.name, outlineLevel: t.outlineLevel }));
}
