import { desc } from 'drizzle-orm';
import type { Connection as CallbackConnection } from 'mysql2';
import type { Pool as PromisePool } from 'mysql2/promise';
import type { Db } from '../../platform/db/mysql.js';
import { columnOf, RECORD_TABLES, recordsWhere, type EntityType, type RecordFilter, type RecordScope } from '../records/index.js';
import type { ExportField, RowBatch } from './writers/writer.types.js';

/** Rows handed to the writer at a time when streaming. */
export const EXPORT_STREAM_BATCH = 1000;
/** Batches parsed ahead of the writer before the socket is paused. */
const BATCHES_AHEAD = 4;

/**
 * The records of a scope as batches of value arrays (the exported fields in field order), newest
 * first as in the listings, selected by the listings' own scope and filter
 * (`recordsWhere`). Only the exported columns are read, as arrays, DATE columns as their text:
 * no object, Date or drizzle mapping per row, which took most of an export's time.
 *
 * One streamed query on a connection of its own: rows are parsed as they arrive and handed on in
 * small batches, so they die young (keyset pages of 10,000 rows outlived the young generation: GC
 * took about five times as long), and the socket is paused while the writer is `BATCHES_AHEAD`
 * batches behind, so memory stays bounded. Rows are taken from mysql2's 'result' events rather
 * than its Readable: a stream costs a push and a read per row, measured at nearly half of the
 * reading time.
 */
export async function* readRecordBatches(
  db: Db,
  type: EntityType,
  scope: RecordScope,
  filter: RecordFilter,
  fields: readonly ExportField[],
  batchSize = EXPORT_STREAM_BATCH,
): AsyncGenerator<RowBatch> {
  const pool = poolOf(db);
  const table = RECORD_TABLES[type];
  const id = columnOf(table, 'id');
  // The selection's keys are unused: rows come as arrays, in field order.
  const selection = Object.fromEntries(fields.map((f, i) => [`f${i}`, columnOf(table, f.key)])) as Record<string, ReturnType<typeof columnOf>>;
  const built = db.select(selection).from(table).where(recordsWhere(type, scope, filter)).orderBy(desc(id)).toSQL();
  const pooled = await pool.getConnection();
  const connection = pooled.connection as unknown as CallbackConnection;
  const ready: unknown[][][] = [];
  let batch: unknown[][] = [];
  let ended = false;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const signal = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  try {
    const query = connection.query({ sql: built.sql, values: built.params, rowsAsArray: true, dateStrings: true });
    query.on('result', (row) => {
      batch.push(row as unknown as unknown[]);
      if (batch.length < batchSize) return;
      ready.push(batch);
      batch = [];
      if (ready.length >= BATCHES_AHEAD) connection.pause();
      signal();
    });
    query.on('error', (error: Error) => {
      failure = error;
      signal();
    });
    query.on('end', () => {
      if (batch.length) ready.push(batch);
      batch = [];
      ended = true;
      signal();
    });
    for (;;) {
      const next = ready.shift();
      if (next) {
        if (ready.length < BATCHES_AHEAD) connection.resume();
        yield next;
      } else if (failure) {
        throw failure;
      } else if (ended) {
        break;
      } else {
        await new Promise<void>((resolve) => (wake = resolve));
      }
    }
  } finally {
    // A result not read to the end would have to be drained first: drop the connection instead.
    if (ended && !failure) pooled.release();
    else pooled.destroy();
  }
}

/** The mysql2 pool behind drizzle (drizzle's `$client`), for queries that skip its row mapping. */
function poolOf(db: Db): PromisePool {
  const client = (db as unknown as { $client?: unknown }).$client;
  if (!client || typeof (client as PromisePool).query !== 'function' || typeof (client as PromisePool).getConnection !== 'function') {
    throw new Error('exports need a drizzle database over a mysql2 promise pool');
  }
  return client as PromisePool;
}

