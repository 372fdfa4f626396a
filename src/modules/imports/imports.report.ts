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
  if (!(await store.exists(xlsxKey))) {
    // Read from disk (a copy of the object on S3); the XLSX is stored only once complete, so a
    // concurrent request sees it whole or not at all.
    const local = await store.localFile(job.reportKey);
    try {
      const source = await openParsedFile(local.path, { format: 'csv', encoding: 'utf-8' });
      const fields = source.headers.map((label, i) => ({ key: `c${i}`, label, type: 'string' as const }));
      const writer = await createWriter('xlsx', fields, store.createWriteStream(xlsxKey));
      try {
        for await (const row of source.rows) {
          await writer.write(Object.fromEntries(row.values.map((v, i) => [`c${i}`, v])));
        }
        await writer.close();
      } catch (error) {
        await writer.abort();
        throw error;
      }
    } finally {
      await local.release();
    }
  }
  return {
    fileKey: xlsxKey,
    fileName: `${base}.xlsx`,
    contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  };
}
