export { importJobs, type ImportJobRow, IMPORT_STATUSES, IMPORT_MODES } from './import-jobs.table.js';
export { importMappings } from './import-mappings.table.js';
export { createImport, getImportJob, listImportJobs, startImportRun, cancelImport, type ImportDeps } from './imports.service.js';
export { runImport, failImportRun, type RunnerDeps, type ImportProgress } from './imports.runner.js';
export { runImportJob, IMPORT_PROGRESS_TOPIC } from './imports.jobs.js';
export { ImportsResolver } from './imports.resolver.js';
export { importsRouter } from './imports.routes.js';
export { DownloadLinkType, ImportTypeEnum } from './imports.types.js';
export { IMPORT_EVENTS, importCompleted, importFailed } from './imports.events.js';
