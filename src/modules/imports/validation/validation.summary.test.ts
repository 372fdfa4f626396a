import { describe, expect, it } from 'vitest';
import { ENTITIES } from '../../records/index.js';
import { RowValidator, type RowIssue } from './validation.engine.js';
import { ValidationSummary } from './validation.summary.js';

function issue(rowNumber: number, code: RowIssue['code'], severity: RowIssue['severity'] = 'error', field: string | null = 'f'): RowIssue {
  return { rowNumber, column: 'C', field, value: 'v', message: 'm', severity, code };
}

describe('ValidationSummary', () => {
  it('counts rows, failures, warnings and issues by code', () => {
    const summary = new ValidationSummary();
    expect(summary.addRow([])).toBe(false);
    expect(summary.addRow([issue(3, 'RULE', 'warning')])).toBe(false);
    expect(summary.addRow([issue(4, 'TYPE'), issue(4, 'RULE', 'warning'), issue(4, 'TYPE')])).toBe(true);
    const report = summary.report();
    expect(report).toMatchObject({ rows: 3, validRows: 2, failedRows: 1, rowsWithWarnings: 2, errors: 2, warnings: 2, omittedIssues: 0 });
    expect(report.byCode.TYPE).toEqual({ errors: 2, warnings: 0 });
    expect(report.byCode.RULE).toEqual({ errors: 0, warnings: 2 });
    expect(report.byCode.REFERENCE).toEqual({ errors: 0, warnings: 0 });
    expect(report.issues.map((i) => i.rowNumber)).toEqual([3, 4, 4, 4]);
  });

  it('keeps the first issues and only counts the rest', () => {
    const summary = new ValidationSummary({ keepIssues: 3 });
    for (let row = 2; row < 12; row++) summary.addRow([issue(row, 'REQUIRED'), issue(row, 'ENUM')]);
    const report = summary.report();
    expect(report.issues.map((i) => [i.rowNumber, i.code])).toEqual([
      [2, 'REQUIRED'],
      [2, 'ENUM'],
      [3, 'REQUIRED'],
    ]);
    expect(report.omittedIssues).toBe(17);
    expect(report.errors).toBe(20);
    expect(report.failedRows).toBe(10);
    // The report is a copy: later rows do not change it.
    summary.addRow([issue(12, 'TYPE')]);
    expect(report.errors).toBe(20);
  });

  it('keeps one UNMAPPED_REQUIRED issue per field, however many rows repeat it', () => {
    const validator = new RowValidator(ENTITIES.invoices, ['Invoice #', 'Date'], { 'Invoice #': 'number', Date: 'invoiceDate' });
    const summary = new ValidationSummary();
    for (let row = 2; row < 1002; row++) summary.addRow(validator.checkRow({ rowNumber: row, values: [`I-${row}`, '2024-03-15'] }).issues);
    const report = summary.report();
    expect(report.failedRows).toBe(1000);
    expect(report.byCode.UNMAPPED_REQUIRED.errors).toBe(2000);
    expect(report.issues.map((i) => [i.rowNumber, i.field])).toEqual([
      [2, 'kind'],
      [2, 'amount'],
    ]);
    expect(report.omittedIssues).toBe(1998);
  });
});
