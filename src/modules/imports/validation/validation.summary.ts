import { ISSUE_CODES, isFailed, type IssueCode, type RowIssue } from './validation.engine.js';

/** Issues kept verbatim by default; beyond them issues are only counted, so memory stays flat. */
export const DEFAULT_KEPT_ISSUES = 1000;

/**
 * Codes that repeat identically on every row: only the first issue per field is kept, the rest
 * counted. A missing required column would otherwise fill the kept list with one message.
 */
const ONCE_PER_FIELD: ReadonlySet<IssueCode> = new Set(['UNMAPPED_REQUIRED']);

export interface IssueCounts {
  errors: number;
  warnings: number;
}

export interface ValidationReport {
  rows: number;
  /** Rows with no error (they may have warnings). */
  validRows: number;
  /** Rows with at least one error. */
  failedRows: number;
  /** Rows with at least one warning, failed or not. */
  rowsWithWarnings: number;
  errors: number;
  warnings: number;
  byCode: Record<IssueCode, IssueCounts>;
  /** The first issues, in the order rows were added. */
  issues: RowIssue[];
  /** Issues counted but not kept. */
  omittedIssues: number;
}

/** Accumulates the outcome of a (dry) run row by row; feed it rows after their batch was checked. */
export class ValidationSummary {
  private readonly keep: number;
  private rows = 0;
  private failedRows = 0;
  private rowsWithWarnings = 0;
  private errors = 0;
  private warnings = 0;
  private omitted = 0;
  private readonly issues: RowIssue[] = [];
  private readonly onceSeen = new Set<string>();
  private readonly byCode = Object.fromEntries(ISSUE_CODES.map((code) => [code, { errors: 0, warnings: 0 }])) as Record<IssueCode, IssueCounts>;

  constructor(options: { keepIssues?: number } = {}) {
    this.keep = Math.max(0, options.keepIssues ?? DEFAULT_KEPT_ISSUES);
  }

  /** Counts one row and its issues; returns whether it failed. */
  addRow(issues: readonly RowIssue[]): boolean {
    this.rows++;
    const failed = isFailed(issues);
    if (failed) this.failedRows++;
    if (issues.some((i) => i.severity === 'warning')) this.rowsWithWarnings++;
    for (const issue of issues) {
      const counts = this.byCode[issue.code];
      if (issue.severity === 'error') {
        this.errors++;
        counts.errors++;
      } else {
        this.warnings++;
        counts.warnings++;
      }
      if (ONCE_PER_FIELD.has(issue.code)) {
        const key = `${issue.code}:${issue.field ?? ''}`;
        if (this.onceSeen.has(key)) {
          this.omitted++;
          continue;
        }
        this.onceSeen.add(key);
      }
      if (this.issues.length < this.keep) this.issues.push(issue);
      else this.omitted++;
    }
    return failed;
  }

  report(): ValidationReport {
    return {
      rows: this.rows,
      validRows: this.rows - this.failedRows,
      failedRows: this.failedRows,
      rowsWithWarnings: this.rowsWithWarnings,
      errors: this.errors,
      warnings: this.warnings,
      byCode: Object.fromEntries(ISSUE_CODES.map((code) => [code, { ...this.byCode[code] }])) as Record<IssueCode, IssueCounts>,
      issues: [...this.issues],
      omittedIssues: this.omitted,
    };
  }
}
