import Papa from 'papaparse';
import { useEffect, useMemo, useRef, useState, type DragEvent } from 'react';
import type { Api } from './api.js';
import { ErrorMessage, Section, useLoad } from './ui.js';

/*
 * The import wizard (the spec's mapping interface): upload -> sheet and header row -> column
 * mapping -> dry run with the issues -> run with live progress -> summary. Every step is the
 * public GraphQL API (createImport, validateImport, executeImport, importProgress, …).
 */

interface FieldInfo {
  key: string;
  label: string;
  type: string;
  required: boolean;
  description: string;
}
interface TypeInfo {
  type: string;
  label: string;
  projectScoped: boolean;
  fields: FieldInfo[];
}
interface Sheet {
  name: string;
  position: number;
  hidden: boolean;
  veryHidden: boolean;
  rowCount: number | null;
  hasData: boolean;
  chosen: boolean;
}
interface Suggestion {
  header: string;
  field: string | null;
  confidence: string | null;
  score: number;
}
interface Counters {
  totalRows: number | null;
  processedRows: number;
  insertedRows: number;
  updatedRows: number;
  failedRows: number;
  warningCount: number;
}
interface Job extends Counters {
  id: string;
  status: string;
  phase: string | null;
  format: string;
  fileName: string | null;
  headers: string[];
  mapping: Array<{ header: string; field: string | null }>;
  hasErrorReport: boolean;
  errorMessage: string | null;
}
interface Issue {
  rowNumber: number;
  column: string;
  field: string | null;
  value: string;
  message: string;
  severity: string;
  code: string;
}
interface Created {
  importJob: Job;
  sheets: Sheet[];
  headerRow: number | null;
  warnings: string[];
  suggestions: Suggestion[];
  mappingFromSaved: boolean;
}
interface Progress extends Counters {
  jobId: string;
  status: string;
  phase: string | null;
  errorMessage: string | null;
}

const JOB = 'id status phase format fileName headers mapping { header field } totalRows processedRows insertedRows updatedRows failedRows warningCount hasErrorReport errorMessage';
const TYPES = '{ importTypes { type label projectScoped fields { key label type required description } } }';
const PROJECTS = '{ projects(first: 100) { nodes { id name code } } }';
const CREATE = `mutation CreateImport($input: CreateImportInput!) { createImport(input: $input) { importJob { ${JOB} } sheets { name position hidden veryHidden rowCount hasData chosen } headerRow warnings suggestions { header field confidence score } mappingFromSaved } }`;
const VALIDATE = `mutation ValidateImport($id: ID!, $mapping: [ColumnMappingInput!]) { validateImport(id: $id, mapping: $mapping) { ${JOB} } }`;
const EXECUTE = `mutation ExecuteImport($id: ID!, $mapping: [ColumnMappingInput!], $mode: ImportMode!) { executeImport(id: $id, mapping: $mapping, mode: $mode) { ${JOB} } }`;
const CANCEL = `mutation CancelImport($id: ID!) { cancelImport(id: $id) { ${JOB} } }`;
const JOB_WITH_ISSUES = `query ImportJob($id: ID!) { importJob(id: $id) { ${JOB} issues { rowNumber column field value message severity code } } }`;
const REPORT = 'query ErrorReport($id: ID!, $format: ReportFormat!) { importErrorReport(id: $id, format: $format) { url } }';
const PROGRESS = 'subscription ImportProgress($jobId: ID!) { importProgress(jobId: $jobId) { jobId status phase totalRows processedRows insertedRows updatedRows failedRows warningCount errorMessage } }';

const CHECK_ENDS = new Set(['VALIDATED', 'FAILED', 'CANCELLED']);
const RUN_ENDS = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);
const STEPS = ['File', 'Sheet and header', 'Columns', 'Check', 'Import', 'Summary'] as const;
type Step = (typeof STEPS)[number];
/** Bytes of a text file read in the page for the preview: the first rows, never the whole file. */
const PREVIEW_BYTES = 64 * 1024;
const PREVIEW_ROWS = 12;
const ISSUES_PER_PAGE = 20;

type Mapping = Record<string, string | null>;

function mappingInput(mapping: Mapping) {
  return Object.entries(mapping).map(([header, field]) => ({ header, field }));
}

/** The first rows of a CSV/TSV file, read from its first 64 KB only. */
async function previewRows(file: File): Promise<string[][] | null> {
  if (!/\.(csv|tsv|txt)$/i.test(file.name)) return null;
  const text = await file.slice(0, PREVIEW_BYTES).text();
  const parsed = Papa.parse<string[]>(text, { preview: PREVIEW_ROWS, skipEmptyLines: false });
  return parsed.data.map((row) => row.map((cell) => String(cell)));
}

export function ImportWizard({ api }: { api: Api }) {
  const types = useLoad(() => api.request<{ importTypes: TypeInfo[] }>(TYPES), []);
  const [step, setStep] = useState<Step>('File');
  const [typeName, setTypeName] = useState('VENDORS');
  const [projectId, setProjectId] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [created, setCreated] = useState<Created | null>(null);
  const [preview, setPreview] = useState<string[][] | null>(null);
  const [sheet, setSheet] = useState<string>('');
  const [headerRow, setHeaderRow] = useState<number>(1);
  const [mapping, setMapping] = useState<Mapping>({});
  const [job, setJob] = useState<Job | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const typeInfo = types.data?.importTypes.find((t) => t.type === typeName);

  async function act(work: () => Promise<void>) {
    setBusy(true);
    setError(null);
    try {
      await work();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  /** Uploads the file (again, for another sheet or header row); the old pending job is cancelled. */
  async function upload(chosen: File, options: { sheet?: string; headerRow?: number } = {}) {
    const input = { type: typeName, file: null, ...(typeInfo?.projectScoped ? { projectId } : {}), ...options };
    const result = await api.upload<{ createImport: Created }>(CREATE, { input }, 'input.file', chosen);
    const previous = created?.importJob.id;
    if (previous) void api.request(CANCEL, { id: previous }).catch(() => undefined);
    const payload = result.createImport;
    setCreated(payload);
    setJob(payload.importJob);
    setHeaderRow(payload.headerRow ?? 1);
    setSheet(payload.sheets.find((s) => s.chosen)?.name ?? '');
    setMapping(Object.fromEntries(payload.importJob.mapping.map((m) => [m.header, m.field])));
  }

  function reset() {
    setStep('File');
    setFile(null);
    setCreated(null);
    setPreview(null);
    setJob(null);
    setError(null);
  }

  return (
    <div className="wizard">
      <ol className="steps" aria-label="Import steps">
        {STEPS.map((s) => (
          <li key={s} aria-current={s === step ? 'step' : undefined}>
            {s}
          </li>
        ))}
      </ol>
      <ErrorMessage error={types.error} />
      <ErrorMessage error={error} />
      {step === 'File' && (
        <FileStep
          api={api}
          types={types.data?.importTypes ?? []}
          typeName={typeName}
          setTypeName={setTypeName}
          projectId={projectId}
          setProjectId={setProjectId}
          busy={busy}
          onFile={(chosen) =>
            void act(async () => {
              setFile(chosen);
              setPreview(await previewRows(chosen));
              await upload(chosen);
              setStep('Sheet and header');
            })
          }
        />
      )}
      {step === 'Sheet and header' && created && file && (
        <SheetStep
          created={created}
          preview={preview}
          sheet={sheet}
          setSheet={setSheet}
          headerRow={headerRow}
          setHeaderRow={setHeaderRow}
          busy={busy}
          onReread={() => void act(() => upload(file, { ...(sheet ? { sheet } : {}), headerRow }))}
          onNext={() => setStep('Columns')}
        />
      )}
      {step === 'Columns' && created && typeInfo && (
        <MappingStep
          created={created}
          typeInfo={typeInfo}
          mapping={mapping}
          setMapping={setMapping}
          busy={busy}
          onBack={() => setStep('Sheet and header')}
          onNext={() => setStep('Check')}
        />
      )}
      {step === 'Check' && job && (
        <CheckStep api={api} job={job} mapping={mapping} onBack={() => setStep('Columns')} onRun={(mode) => void act(async () => {
          const started = await api.request<{ executeImport: Job }>(EXECUTE, { id: job.id, mapping: mappingInput(mapping), mode });
          setJob(started.executeImport);
          setStep('Import');
        })} busy={busy} />
      )}
      {step === 'Import' && job && (
        <RunStep api={api} job={job} onDone={(finished) => {
          setJob(finished);
          setStep('Summary');
        }} />
      )}
      {step === 'Summary' && job && <SummaryStep api={api} jobId={job.id} onAgain={reset} />}
    </div>
  );
}

function FileStep(props: {
  api: Api;
  types: TypeInfo[];
  typeName: string;
  setTypeName: (t: string) => void;
  projectId: string;
  setProjectId: (p: string) => void;
  busy: boolean;
  onFile: (file: File) => void;
}) {
  const { api, types, typeName, setTypeName, projectId, setProjectId, busy, onFile } = props;
  const [dragging, setDragging] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const info = types.find((t) => t.type === typeName);
  const projects = useLoad(
    () => (info?.projectScoped ? api.request<{ projects: { nodes: Array<{ id: string; name: string; code: string }> } }>(PROJECTS) : Promise.resolve(undefined)),
    [info?.projectScoped],
  );
  const needsProject = info?.projectScoped === true && !projectId;

  function onDrop(event: DragEvent<HTMLElement>) {
    event.preventDefault();
    setDragging(false);
    const dropped = event.dataTransfer.files[0];
    if (dropped && !busy && !needsProject) onFile(dropped);
  }

  return (
    <Section title="Choose the file">
      <div className="field">
        <label htmlFor="import-type">What the file holds</label>
        <select id="import-type" value={typeName} onChange={(e) => setTypeName(e.target.value)}>
          {types.map((t) => (
            <option key={t.type} value={t.type}>
              {t.label}
            </option>
          ))}
        </select>
      </div>
      {info?.projectScoped && (
        <div className="field">
          <label htmlFor="import-project">Project</label>
          <select id="import-project" value={projectId} onChange={(e) => setProjectId(e.target.value)}>
            <option value="">Choose a project</option>
            {projects.data?.projects.nodes.map((p) => (
              <option key={p.id} value={p.id}>
                {p.code} {p.name}
              </option>
            ))}
          </select>
          <ErrorMessage error={projects.error} />
        </div>
      )}
      <div
        className={`dropzone${dragging ? ' dragging' : ''}`}
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
        data-testid="dropzone"
      >
        <p>Drop a CSV, TSV, XLSX, JSON or XML file here, or</p>
        <label className="button" htmlFor="import-file">
          Choose a file
        </label>
        <input
          ref={input}
          id="import-file"
          className="visually-hidden"
          type="file"
          accept=".csv,.tsv,.txt,.xlsx,.json,.ndjson,.xml"
          disabled={busy || needsProject}
          onChange={(e) => {
            const chosen = e.target.files?.[0];
            if (chosen) onFile(chosen);
            if (input.current) input.current.value = '';
          }}
        />
        {busy && <p role="status">Uploading…</p>}
        {needsProject && <p>Choose the project first.</p>}
      </div>
    </Section>
  );
}

function SheetStep(props: {
  created: Created;
  preview: string[][] | null;
  sheet: string;
  setSheet: (s: string) => void;
  headerRow: number;
  setHeaderRow: (n: number) => void;
  busy: boolean;
  onReread: () => void;
  onNext: () => void;
}) {
  const { created, preview, sheet, setSheet, headerRow, setHeaderRow, busy, onReread, onNext } = props;
  const chosenSheet = created.sheets.find((s) => s.chosen)?.name ?? '';
  const changed = (created.sheets.length > 0 && sheet !== chosenSheet) || headerRow !== (created.headerRow ?? 1);
  return (
    <Section title="Sheet and header row">
      <p>
        <strong>{created.importJob.fileName}</strong> ({created.importJob.format.toUpperCase()})
      </p>
      {created.warnings.length > 0 && (
        <ul className="warnings" aria-label="Warnings">
          {created.warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      )}
      {created.sheets.length > 0 && (
        <fieldset>
          <legend>Sheet</legend>
          {created.sheets.map((s) => (
            <label key={s.name} className="radio">
              <input type="radio" name="sheet" value={s.name} checked={sheet === s.name} onChange={() => setSheet(s.name)} />
              {s.name}
              {s.veryHidden ? <span className="badge">very hidden</span> : s.hidden ? <span className="badge">hidden</span> : null}
              {!s.hasData && <span className="badge muted">no data</span>}
              {s.rowCount !== null && <span className="muted"> {s.rowCount} rows</span>}
            </label>
          ))}
        </fieldset>
      )}
      {created.headerRow !== null && (
        <div className="field">
          <label htmlFor="header-row">Header row</label>
          <input id="header-row" type="number" min={1} max={1000} value={headerRow} onChange={(e) => setHeaderRow(Math.max(1, Number(e.target.value) || 1))} />
        </div>
      )}
      {preview && (
        <div className="scroll">
          <table className="preview" aria-label="First rows of the file">
            <tbody>
              {preview.map((row, index) => (
                <tr key={index} className={index + 1 === headerRow ? 'header-row' : undefined}>
                  <th scope="row">
                    <button type="button" className="link" aria-label={`Use row ${index + 1} as the header`} onClick={() => setHeaderRow(index + 1)}>
                      {index + 1}
                    </button>
                  </th>
                  {row.map((cell, c) => (
                    <td key={c}>{cell}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p>
        Columns read: <span data-testid="headers">{created.importJob.headers.join(', ')}</span>
      </p>
      <div className="actions">
        {changed && (
          <button type="button" onClick={onReread} disabled={busy}>
            Read the file again
          </button>
        )}
        <button type="button" onClick={onNext} disabled={busy || changed}>
          Continue to the columns
        </button>
      </div>
    </Section>
  );
}

function MappingStep(props: {
  created: Created;
  typeInfo: TypeInfo;
  mapping: Mapping;
  setMapping: (m: Mapping) => void;
  busy: boolean;
  onBack: () => void;
  onNext: () => void;
}) {
  const { created, typeInfo, mapping, setMapping, onBack, onNext } = props;
  const suggestions = new Map(created.suggestions.map((s) => [s.header, s]));
  const mapped = new Set(Object.values(mapping).filter(Boolean));
  const missing = typeInfo.fields.filter((f) => f.required && !mapped.has(f.key));
  return (
    <Section title="Match the columns">
      {created.mappingFromSaved && <p className="note">The mapping saved for files with these columns was applied again; change it below if needed.</p>}
      <div className="scroll">
        <table aria-label="Column mapping">
          <thead>
            <tr>
              <th scope="col">Column in the file</th>
              <th scope="col">Field</th>
              <th scope="col">Suggested</th>
            </tr>
          </thead>
          <tbody>
            {created.importJob.headers.map((header, index) => {
              const suggestion = suggestions.get(header);
              return (
                <tr key={header}>
                  <th scope="row">
                    <label htmlFor={`map-${index}`}>{header}</label>
                  </th>
                  <td>
                    <select id={`map-${index}`} value={mapping[header] ?? ''} onChange={(e) => setMapping({ ...mapping, [header]: e.target.value || null })}>
                      <option value="">Ignore this column</option>
                      {typeInfo.fields.map((f) => (
                        <option key={f.key} value={f.key}>
                          {f.label}
                          {f.required ? ' (required)' : ''}
                        </option>
                      ))}
                    </select>
                  </td>
                  <td>
                    {suggestion?.field ? (
                      <span className={`confidence ${suggestion.confidence ?? ''}`}>
                        {suggestion.confidence} {Math.round(suggestion.score * 100)}%
                      </span>
                    ) : (
                      <span className="muted">no match</span>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <p className="muted">Required fields: {typeInfo.fields.filter((f) => f.required).map((f) => f.label).join(', ') || 'none'}.</p>
      {missing.length > 0 && (
        <p className="error" role="alert">
          Not mapped yet: {missing.map((f) => f.label).join(', ')}.
        </p>
      )}
      <div className="actions">
        <button type="button" className="secondary" onClick={onBack}>
          Back
        </button>
        <button type="button" onClick={onNext} disabled={missing.length > 0}>
          Check the rows
        </button>
      </div>
    </Section>
  );
}

/** Follows a job over graphql-ws until it reaches `until`; returns the latest event. */
function useProgress(api: Api, jobId: string, until: Set<string>, onEnd: (last: Progress) => void): { progress: Progress | null; error: unknown } {
  const [progress, setProgress] = useState<Progress | null>(null);
  const [error, setError] = useState<unknown>(null);
  const ended = useRef(false);
  useEffect(() => {
    ended.current = false;
    const stop = api.subscribe<{ importProgress: Progress }>(
      PROGRESS,
      { jobId },
      ({ importProgress }) => {
        setProgress(importProgress);
        if (until.has(importProgress.status) && !ended.current) {
          ended.current = true;
          onEnd(importProgress);
        }
      },
      setError,
    );
    return stop;
    // One subscription per job: `until` and `onEnd` are read when events arrive.
  }, [api, jobId]);
  return { progress, error };
}

function ProgressBar({ progress, label }: { progress: Progress | null; label: string }) {
  const total = progress?.totalRows ?? null;
  const done = progress?.processedRows ?? 0;
  return (
    <div className="progress">
      <label htmlFor="import-progress">{label}</label>
      {total ? <progress id="import-progress" max={total} value={Math.min(done, total)} /> : <progress id="import-progress" />}
      <p role="status" data-testid="progress-status">
        {progress ? `${progress.status}${progress.phase ? ` (${progress.phase})` : ''}: ${done}${total ? ` of ${total}` : ''} rows` : 'Waiting for the worker…'}
      </p>
    </div>
  );
}

function CheckStep(props: { api: Api; job: Job; mapping: Mapping; busy: boolean; onBack: () => void; onRun: (mode: string) => void }) {
  const { api, job, mapping, busy, onBack, onRun } = props;
  const [checked, setChecked] = useState<(Job & { issues: Issue[] }) | null>(null);
  const [started, setStarted] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [mode, setMode] = useState('SKIP_INVALID');

  useEffect(() => {
    let live = true;
    api.request<{ validateImport: Job }>(VALIDATE, { id: job.id, mapping: mappingInput(mapping) }).then(
      () => live && setStarted(true),
      (caught: unknown) => live && setError(caught),
    );
    return () => {
      live = false;
    };
  }, [api, job.id, mapping]);

  return (
    <Section title="Check the rows (nothing is written)">
      <ErrorMessage error={error} />
      {started && !checked && (
        <Follow
          api={api}
          jobId={job.id}
          label="Checking"
          until={CHECK_ENDS}
          onEnd={() => void api.request<{ importJob: Job & { issues: Issue[] } }>(JOB_WITH_ISSUES, { id: job.id }).then((r) => setChecked(r.importJob), setError)}
        />
      )}
      {checked && (
        <>
          <p data-testid="check-result">
            {checked.status === 'VALIDATED'
              ? `${checked.totalRows ?? checked.processedRows} rows checked: ${checked.failedRows} with errors, ${checked.warningCount} warnings.`
              : `The check stopped: ${checked.errorMessage ?? checked.status}`}
          </p>
          <IssuesTable api={api} job={checked} />
          <div className="field">
            <label htmlFor="import-mode">Rows with errors</label>
            <select id="import-mode" value={mode} onChange={(e) => setMode(e.target.value)}>
              <option value="SKIP_INVALID">Skip them, import the others</option>
              <option value="ALL_OR_NOTHING">Import nothing unless every row is valid</option>
            </select>
          </div>
          <div className="actions">
            <button type="button" className="secondary" onClick={onBack}>
              Back to the columns
            </button>
            <button type="button" onClick={() => onRun(mode)} disabled={busy || checked.status !== 'VALIDATED'}>
              Import
            </button>
          </div>
        </>
      )}
    </Section>
  );
}

function Follow({ api, jobId, label, until, onEnd }: { api: Api; jobId: string; label: string; until: Set<string>; onEnd: (last: Progress) => void }) {
  const { progress, error } = useProgress(api, jobId, until, onEnd);
  return (
    <>
      <ProgressBar progress={progress} label={label} />
      <ErrorMessage error={error} />
    </>
  );
}

function ReportLink({ api, jobId }: { api: Api; jobId: string }) {
  const [error, setError] = useState<unknown>(null);
  async function download(format: string) {
    setError(null);
    try {
      const { importErrorReport } = await api.request<{ importErrorReport: { url: string } }>(REPORT, { id: jobId, format });
      // A short-lived link that needs no credentials: the browser downloads it like any file.
      const anchor = document.createElement('a');
      anchor.href = importErrorReport.url;
      anchor.download = '';
      anchor.click();
    } catch (caught) {
      setError(caught);
    }
  }
  return (
    <div className="actions">
      <button type="button" className="secondary" onClick={() => void download('CSV')}>
        Download the error report (CSV)
      </button>
      <button type="button" className="secondary" onClick={() => void download('XLSX')}>
        Download it as XLSX
      </button>
      <ErrorMessage error={error} />
    </div>
  );
}

function IssuesTable({ api, job }: { api: Api; job: Job & { issues: Issue[] } }) {
  const [column, setColumn] = useState('');
  const [severity, setSeverity] = useState('');
  const [page, setPage] = useState(0);
  const columns = useMemo(() => [...new Set(job.issues.map((i) => i.column))], [job.issues]);
  const shown = job.issues.filter((i) => (!column || i.column === column) && (!severity || i.severity === severity));
  const pages = Math.max(1, Math.ceil(shown.length / ISSUES_PER_PAGE));
  const current = Math.min(page, pages - 1);
  if (job.issues.length === 0) return <p>No problems found.</p>;
  return (
    <div>
      <div className="filters">
        <div className="field">
          <label htmlFor="issue-column">Column</label>
          <select id="issue-column" value={column} onChange={(e) => { setColumn(e.target.value); setPage(0); }}>
            <option value="">All columns</option>
            {columns.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="issue-severity">Severity</label>
          <select id="issue-severity" value={severity} onChange={(e) => { setSeverity(e.target.value); setPage(0); }}>
            <option value="">Errors and warnings</option>
            <option value="error">Errors</option>
            <option value="warning">Warnings</option>
          </select>
        </div>
      </div>
      <div className="scroll">
        <table aria-label="Problems by row">
          <thead>
            <tr>
              <th scope="col">Row</th>
              <th scope="col">Column</th>
              <th scope="col">Value</th>
              <th scope="col">Problem</th>
            </tr>
          </thead>
          <tbody>
            {shown.slice(current * ISSUES_PER_PAGE, (current + 1) * ISSUES_PER_PAGE).map((issue, index) => (
              <tr key={`${issue.rowNumber}-${issue.column}-${index}`} className={issue.severity}>
                <td>{issue.rowNumber}</td>
                <td>{issue.column}</td>
                <td>{issue.value}</td>
                <td>
                  {issue.message} <span className="muted">({issue.code})</span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <nav className="pager" aria-label="Problem pages">
        <button type="button" className="secondary" disabled={current === 0} onClick={() => setPage(current - 1)}>
          Previous
        </button>
        <span>
          Page {current + 1} of {pages} ({shown.length} problems{job.issues.length >= 1000 ? ', the first 1,000; the report has them all' : ''})
        </span>
        <button type="button" className="secondary" disabled={current >= pages - 1} onClick={() => setPage(current + 1)}>
          Next
        </button>
      </nav>
      {job.hasErrorReport && <ReportLink api={api} jobId={job.id} />}
    </div>
  );
}

function RunStep({ api, job, onDone }: { api: Api; job: Job; onDone: (job: Job) => void }) {
  const [error, setError] = useState<unknown>(null);
  const [cancelling, setCancelling] = useState(false);
  return (
    <Section title="Importing">
      <Follow
        api={api}
        jobId={job.id}
        label="Import progress"
        until={RUN_ENDS}
        onEnd={(last) => onDone({ ...job, ...last, id: job.id })}
      />
      <ErrorMessage error={error} />
      <div className="actions">
        <button
          type="button"
          className="danger"
          disabled={cancelling}
          onClick={() => {
            setCancelling(true);
            api.request(CANCEL, { id: job.id }).catch((caught: unknown) => {
              setError(caught);
              setCancelling(false);
            });
          }}
        >
          {cancelling ? 'Cancelling…' : 'Cancel the import'}
        </button>
      </div>
    </Section>
  );
}

function SummaryStep({ api, jobId, onAgain }: { api: Api; jobId: string; onAgain: () => void }) {
  const loaded = useLoad(() => api.request<{ importJob: Job & { issues: Issue[] } }>(JOB_WITH_ISSUES, { id: jobId }), [jobId]);
  const job = loaded.data?.importJob;
  return (
    <Section title="Summary">
      <ErrorMessage error={loaded.error} />
      {job && (
        <>
          <p data-testid="summary-status" className={`status ${job.status.toLowerCase()}`}>
            {job.status}
            {job.errorMessage ? `: ${job.errorMessage}` : ''}
          </p>
          <dl className="counts">
            <dt>Rows read</dt>
            <dd data-testid="summary-processed">{job.processedRows}</dd>
            <dt>Created</dt>
            <dd data-testid="summary-inserted">{job.insertedRows}</dd>
            <dt>Updated</dt>
            <dd data-testid="summary-updated">{job.updatedRows}</dd>
            <dt>Not imported</dt>
            <dd data-testid="summary-failed">{job.failedRows}</dd>
            <dt>Warnings</dt>
            <dd>{job.warningCount}</dd>
          </dl>
          {job.hasErrorReport && <ReportLink api={api} jobId={job.id} />}
        </>
      )}
      <div className="actions">
        <button type="button" onClick={onAgain}>
          Import another file
        </button>
      </div>
    </Section>
  );
}
