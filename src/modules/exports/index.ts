export { createWriter, EXPORT_FILE_TYPES, EXPORT_FORMATS, exportFieldsOf, type ExportField, type ExportFormat, type RecordWriter, type WrittenFile } from './writers/export.writer.js';
export { buildManifest, manifestJson, writeZip, MANIFEST_FILE_NAME, MANIFEST_VERSION, type ExportManifest, type ZipEntry } from './writers/export.manifest.js';
export { exportJobs, type ExportJobRow } from './export-jobs.table.js';
export { createExport, getExportJob, listExportJobs, runExport, sweepExports, RECORD_SCHEMA_VERSION, type ExportRetry, type ExportRunDeps } from './exports.service.js';
export { startExportWorker } from './exports.worker.js';
export { runExportJob, sweepExportsJob } from './exports.jobs.js';
export { ExportsResolver } from './exports.resolver.js';
export { exportsRouter } from './exports.routes.js';
export { EXPORT_EVENTS, exportCompleted } from './exports.events.js';
