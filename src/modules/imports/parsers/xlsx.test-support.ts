import ExcelJS from 'exceljs';
import { minimalXlsxParts, writeZip } from './parsers.test-support.js';

/*
 * Workbooks the XLSX suites share (not a test file itself; excluded from the build): written by
 * exceljs the way people's files look, or part by part the way Excel stores them.
 */

export const day = (y: number, m: number, d: number): Date => new Date(Date.UTC(y, m - 1, d));

/** A workbook the way people send them: a title row, a merged header cell, typed cells. */
export async function vendorWorkbook(target: string, date1904 = false): Promise<void> {
  const workbook = new ExcelJS.Workbook();
  workbook.properties.date1904 = date1904;
  workbook.addWorksheet('Empty');
  const sheet = workbook.addWorksheet('Vendors');
  sheet.getCell('A1').value = 'Vendor list, exported 2024';
  sheet.mergeCells('A1:C1');
  sheet.getRow(3).values = ['Name', 'Address', null, 'Since', 'Total', 'Active', 'Ratio'];
  sheet.mergeCells('B3:C3');
  sheet.getRow(4).values = [
    'Acme',
    'Main St 1',
    'Springfield',
    day(2020, 1, 15),
    { formula: 'SUM(1,2)', result: 3 },
    { formula: 'TRUE()', result: true },
    { formula: '1/0', result: { error: '#DIV/0!' } },
  ];
  sheet.getRow(5).values = [
    { richText: [{ text: 'Bold', font: { bold: true } }, { text: ' & Co' }] },
    { text: 'example.com', hyperlink: 'https://example.com' },
    null,
    { formula: 'DATE(2021,3,4)', result: day(2021, 3, 4) },
    12.5,
    false,
    { error: '#N/A' },
  ];
  sheet.getCell('D4').numFmt = 'yyyy-mm-dd';
  sheet.getCell('D5').numFmt = 'dd/mm/yyyy';
  // A row of only styled, empty cells is no data.
  sheet.getCell('A6').numFmt = '0.00';
  sheet.getRow(7).values = ['Zed', '_x005F_x000D_ literal'];
  await workbook.xlsx.writeFile(target);
}

/** Parts in Excel's order: the worksheet before the styles and shared strings it uses. */
export async function writeSheetFirst(file: string, moreRows = 0): Promise<void> {
  const more = Array.from({ length: moreRows }, (_, i) => `<row r="${i + 3}"><c r="A${i + 3}" t="s"><v>2</v></c><c r="B${i + 3}" s="1"><v>${45000 + i}</v></c></row>`);
  const [types, workbook] = minimalXlsxParts({ name: 'sheet' });
  await writeZip(file, [
    types!,
    workbook!,
    {
      name: 'xl/_rels/workbook.xml.rels',
      data:
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>' +
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>' +
        '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
    },
    ...['xl/worksheets/sheet2.xml', 'xl/worksheets/sheet3.xml'].map((name) => ({
      name,
      data: '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/></worksheet>',
    })),
    {
      name: 'xl/worksheets/sheet1.xml',
      data:
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>' +
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>' +
        `<row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2" s="1"><v>45000</v></c></row>${more.join('')}</sheetData></worksheet>`,
    },
    {
      name: 'xl/styles.xml',
      data:
        '<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' +
        '<fonts count="1"><font><sz val="11"/></font></fonts><fills count="1"><fill><patternFill patternType="none"/></fill></fills>' +
        '<borders count="1"><border/></borders><cellStyleXfs count="1"><xf numFmtId="0"/></cellStyleXfs>' +
        '<cellXfs count="2"><xf numFmtId="0" xfId="0"/><xf numFmtId="14" xfId="0" applyNumberFormat="1"/></cellXfs></styleSheet>',
    },
    {
      name: 'xl/sharedStrings.xml',
      data: '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>Name</t></si><si><t>Due</t></si><si><t>Acme</t></si></sst>',
    },
    // Small parts exceljs skips, as Excel adds them: they queue up behind the sheet.
    { name: 'docProps/core.xml', data: `<coreProperties>${' '.repeat(600)}</coreProperties>` },
    { name: 'xl/printerSettings/printerSettings1.bin', data: Buffer.alloc(3500, 1), stored: true },
    { name: 'docProps/app.xml', data: `<Properties>${' '.repeat(800)}</Properties>` },
  ]);
}


/** A hidden lookup sheet with data before the visible one. */
export async function hiddenSheetWorkbook(target: string): Promise<void> {
  const workbook = new ExcelJS.Workbook();
  const lookup = workbook.addWorksheet('Lookup', { state: 'hidden' });
  lookup.addRow(['code', 'label']);
  lookup.addRow(['x', 'y']);
  const data = workbook.addWorksheet('Data');
  data.addRow(['id', 'name']);
  data.addRow([1, 'Acme']);
  await workbook.xlsx.writeFile(target);
}

/**
 * `rows` rows of id and name, from exceljs's streaming writer: with shared strings and styles, or
 * (as bench:import writes it) text in the cells themselves (`t="str"`) and no styles.
 */
export async function streamedWorkbook(target: string, rows: number, sharedStrings = true): Promise<void> {
  const writer = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: target, useSharedStrings: sharedStrings, useStyles: sharedStrings });
  const sheet = writer.addWorksheet('Rows');
  sheet.addRow(['id', 'name']).commit();
  for (let i = 1; i <= rows; i++) sheet.addRow([i, `name ${i}`]).commit();
  sheet.commit();
  await writer.commit();
}
