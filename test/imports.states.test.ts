import { and, eq } from 'drizzle-orm';
import type { RowDataPacket } from 'mysql2';
import { describe, expect, test } from './support/fixtures.js';
import { codes, execute, type TestApp } from './support/test-app.js';
import { eventually } from './support/upload.js';
import { CancelImportDocument, ExecuteImportDocument, ImportJobDocument, ResumeImportDocument, ValidateImportDocument } from './generated/graphql.js';
import { IMPORT_STATUSES, IMPORT_TRANSITIONS, importJobs, type ImportOperation } from '../src/modules/imports/index.js';

/*
 * The import job's state machine (imports.states.ts), operation by operation from every state,
 * over GraphQL and over REST: what the table allows moves the job there, everything else is
 * CONFLICT naming the current state and leaves the job as it was.
 */

const CSV = ['Vendor Code,Vendor Name', ...Array.from({ length: 30 }, (_, i) => `S${i},State Vendor ${i}`)].join('\n');
type Status = (typeof IMPORT_STATUSES)[number];
type ApiOperation = Extract<ImportOperation, 'validate' | 'execute' | 'resume' | 'cancel'>;
const OPERATIONS: ApiOperation[] = ['validate', 'execute', 'resume', 'cancel'];

function base(app: TestApp): string {
  return app.url.replace(/\/graphql$/, '');
}

async function upload(app: TestApp, key: string): Promise<number> {
  const res = await fetch(`${base(app)}/api/v1/import/upload?type=vendors&fileName=vendors.csv`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: CSV });
  expect(res.status).toBe(201);
  return Number(((await res.json()) as { importJob: { id: string } }).importJob.id);
}

/**
 * Puts a job in `status` as a run would have left it. Validating and importing jobs name a runner
 * that no queue job has, so no worker touches them while the operation is tried.
 */
async function place(app: TestApp, id: number, status: Status): Promise<void> {
  const run = status === 'validating' || status === 'validated' ? 'validate' : status === 'pending' ? null : 'import';
  await app.app.services.db
    .update(importJobs)
    .set({ status, run, runnerId: status === 'validating' || status === 'importing' ? 'runner-elsewhere' : null, heartbeatAt: new Date(), errorMessage: status === 'failed' ? 'it failed' : null })
    .where(eq(importJobs.id, id));
}

async function statusOf(app: TestApp, id: number): Promise<Status> {
  const [row] = await app.app.services.db.select({ status: importJobs.status }).from(importJobs).where(eq(importJobs.id, id));
  return row!.status;
}

/** Runs `operation` over GraphQL; its status (upper case) or its error. */
async function overGraphql(app: TestApp, key: string, operation: ApiOperation, id: number): Promise<{ status?: string; code?: unknown; message?: string }> {
  const variables = { id: String(id) };
  const res =
    operation === 'validate'
      ? await execute(app.url, ValidateImportDocument, variables, { key })
      : operation === 'execute'
        ? await execute(app.url, ExecuteImportDocument, variables, { key })
        : operation === 'resume'
          ? await execute(app.url, ResumeImportDocument, variables, { key })
          : await execute(app.url, CancelImportDocument, variables, { key });
  if (res.errors) return { code: codes(res)[0], message: res.errors[0]!.message };
  const data = res.data as Record<string, { status: string }>;
  return { status: Object.values(data)[0]!.status };
}

/** Runs `operation` over REST; its status (upper case) or its error. */
async function overRest(app: TestApp, key: string, operation: ApiOperation, id: number): Promise<{ status?: string; code?: unknown; message?: string; http: number }> {
  const path = { validate: 'validate', execute: 'execute', resume: 'resume', cancel: 'cancel' }[operation];
  const res = await fetch(`${base(app)}/api/v1/import/${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ importJobId: String(id) }),
  });
  const body = (await res.json()) as { importJob?: { status: string }; error?: { code: string; message: string } };
  return body.importJob ? { status: body.importJob.status.toUpperCase(), http: res.status } : { code: body.error!.code, message: body.error!.message, http: res.status };
}

function expected(operation: ApiOperation, from: Status): Status | undefined {
  const target = IMPORT_TRANSITIONS[operation][from];
  return typeof target === 'function' ? target(from === 'validated' || from === 'validating' ? 'validate' : 'import') : target;
}

describe('the import state machine', () => {
  for (const protocol of ['GraphQL', 'REST'] as const) {
    test(`every operation from every state, over ${protocol}`, async ({ app, key }) => {
      for (const from of IMPORT_STATUSES) {
        for (const operation of OPERATIONS) {
          const id = await upload(app, key);
          await place(app, id, from);
          const outcome = protocol === 'GraphQL' ? await overGraphql(app, key, operation, id) : await overRest(app, key, operation, id);
          const to = expected(operation, from);
          const label = `${operation} from ${from}`;
          if (to) {
            expect(outcome.status, `${label}: ${outcome.message}`).toBe(to.toUpperCase());
          } else {
            expect(outcome.code, label).toBe('CONFLICT');
            expect(outcome.message, label).toContain(`Import job ${id} is ${from}`);
            if ('http' in outcome) expect(outcome.http, label).toBe(409);
            expect(await statusOf(app, id), label).toBe(from);
          }
          // Whatever was queued runs out before the next job, so runs never pile up on the worker.
          if (to === 'validating' || to === 'importing') {
            await eventually(async () => ['validated', 'completed', 'failed'].includes(await statusOf(app, id)), 60_000, 200);
          }
        }
      }
    }, 600_000);
  }

  test('a failed job is not validated again (CONFLICT, its error kept); it is resumed', async ({ app, key }) => {
    const id = await upload(app, key);
    await place(app, id, 'failed');
    const refused = await overGraphql(app, key, 'validate', id);
    expect(refused).toMatchObject({ code: 'CONFLICT', message: `Import job ${id} is failed: it cannot be validated` });
    const job = await execute(app.url, ImportJobDocument, { id: String(id) }, { key });
    expect(job.data?.importJob).toMatchObject({ status: 'FAILED', errorMessage: 'it failed' });
    expect((await overGraphql(app, key, 'resume', id)).status).toBe('IMPORTING');
    await eventually(async () => (await statusOf(app, id)) === 'completed', 60_000, 200);
  });

  test('cancelImport cancels an importing job whose runner is gone, at once', async ({ app, key }) => {
    const id = await upload(app, key);
    await place(app, id, 'importing');
    expect((await overGraphql(app, key, 'cancel', id)).status).toBe('CANCELLED');
    const [row] = await app.app.services.db.select().from(importJobs).where(eq(importJobs.id, id));
    expect(row).toMatchObject({ status: 'cancelled', runnerId: null });
    expect(row!.completedAt).not.toBeNull();
  });

  test('the new operations need imports:write, and another organization’s job is NOT_FOUND', async ({ app, org, key }) => {
    const id = await upload(app, key);
    await place(app, id, 'failed');
    const reader = await app.createKey(org.id, ['imports:read']);
    const forbidden = await execute(app.url, ResumeImportDocument, { id: String(id) }, { key: reader.plaintext });
    expect(codes(forbidden)).toEqual(['FORBIDDEN']);
    expect(codes(await execute(app.url, ResumeImportDocument, { id: String(id) }))).toEqual(['UNAUTHENTICATED']);
    const other = await app.createOrganization('Other GC');
    const otherKey = await app.createKey(other.id);
    expect(codes(await execute(app.url, ResumeImportDocument, { id: String(id) }, { key: otherKey.plaintext }))).toEqual(['NOT_FOUND']);
    expect(codes(await execute(app.url, CancelImportDocument, { id: String(id) }, { key: otherKey.plaintext }))).toEqual(['NOT_FOUND']);
    expect(codes(await execute(app.url, ResumeImportDocument, { id: 'x1' }, { key }))).toEqual(['BAD_USER_INPUT']);
    const rest = (k: string | undefined, body: unknown) =>
      fetch(`${base(app)}/api/v1/import/resume`, { method: 'POST', headers: { ...(k ? { authorization: `Bearer ${k}` } : {}), 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await rest(undefined, { importJobId: id })).status).toBe(401);
    expect((await rest(reader.plaintext, { importJobId: id })).status).toBe(403);
    expect((await rest(otherKey.plaintext, { importJobId: id })).status).toBe(404);
    expect((await rest(key, { importJobId: 'nope' })).status).toBe(400);
    expect((await rest(key, { importJobId: id, extra: 1 })).status).toBe(400);
    expect(await statusOf(app, id)).toBe('failed');
    const [counts] = await app.app.services.pool.query<Array<{ n: number } & RowDataPacket>>('SELECT COUNT(*) AS n FROM import_jobs WHERE id = ? AND status = ?', [id, 'failed']);
    expect(Number(counts[0]!.n)).toBe(1);
  });

  test('a job cancelled before it ever ran cannot be resumed; a job whose file is unreadable cannot either', async ({ app, key }) => {
    const id = await upload(app, key);
    expect((await overGraphql(app, key, 'cancel', id)).status).toBe('CANCELLED');
    expect(await overGraphql(app, key, 'resume', id)).toMatchObject({ code: 'CONFLICT' });
    const unreadable = await fetch(`${base(app)}/api/v1/import/upload?type=vendors&fileName=x.csv`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: '%PDF-1.7\n' });
    const failedId = Number(((await unreadable.json()) as { importJob: { id: string; status: string } }).importJob.id);
    expect(await statusOf(app, failedId)).toBe('failed');
    expect(await overGraphql(app, key, 'resume', failedId)).toMatchObject({ code: 'CONFLICT' });
    expect(await app.app.services.db.select({ id: importJobs.id }).from(importJobs).where(and(eq(importJobs.id, failedId), eq(importJobs.status, 'failed')))).toHaveLength(1);
  });
});
