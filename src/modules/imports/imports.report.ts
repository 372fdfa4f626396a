import type { FileStore } from '../../platform/storage/file-store.js';
import { NotFoundError } from '../../platform/errors/app-error.js';
import { createWriter } from '../exports/index.js';
import type { ImportJobRow } from './import-jobs.table.js';
import { openParsedFile } from './parsers/index.js';

export interface ReportFile {
  fileKey: string;
  fileName: string;
  contentType: string;
}

/**
 * The error report of a job in the asked format. It is written as CSV while the job runs; the
 * XLSX form is made from it on first request and kept beside it.
 */
export async function reportFile(store: FileStore, job: ImportJobRow, format: 'csv' | 'xlsx'): Promise<ReportFile> {
  if (!job.reportKey) throw new NotFoundError('Error report of import job', job.id);
  const base = `import-${job.id}-errors`;
  if (format === 'csv') return { fileKey: job.reportKey, fileName: `${base}.csv`, contentType: 'text/csv; charset=utf-8' };
  const xlsxKey = job.reportKey.replace(/\.csv$/, '.xlsx');
  try {
    await store.size(xlsxKey);
  } catch {
    const source = await openParsedFile(store.resolve(job.reportKey), { format: 'csv', encoding: 'utf-8' });
    const fields = source.headers.map((label, i) => ({ key: `c${i}`, label, type: 'string' as const }));
    const writer = await createWriter('xlsx', fields, store.resolve(`${xlsxKey}.partial`));
    try {
      for await (const row of source.rows) {
        await writer.write(Object.fromEntries(row.values.map((v, i) => [`c${i}`, v])));
      }
      await writer.close();
    } catch (error) {
      await writer.abort();
      throw error;
    }
    const { rename } = await import('node:fs/promises');
    await rename(store.resolve(`${xlsxKey}.partial`), store.resolve(xlsxKey));
  }
  return {
    fileKey: xlsxKey,
    fileName: `${base}.xlsx`,
    contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  };
}
