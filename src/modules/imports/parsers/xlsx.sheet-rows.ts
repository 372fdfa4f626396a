import { ParseError, type CellValue } from './parser.types.js';
import { excelSerialToDate } from './xlsx.cells.js';
import type { SheetRow } from './header.detect.js';
import { corruptXml, decodeOoxmlEscapes, decodeXmlText, itemText, ownSlice, tagEnd, tagName } from './xlsx.text.js';

/*
 * Worksheet XML to rows, chunk by chunk, with plain string search: no DOM, no per-cell regular
 * expression, no XML library. It knows the few elements a worksheet's data is made of
 * (sheetData > row > c > v | f | is) and skips any other element whole; everything outside
 * sheetData is passed over. What it cannot make sense of is reported as a damaged workbook.
 */

export interface SheetContext {
  /** sharedStrings.xml items, indexed by `<c t="s">` cells; null for an empty item. */
  sharedStrings: readonly (string | null)[];
  /** For each cell format (`<c s="N">`), whether it shows numbers as dates. */
  dateStyles: readonly boolean[];
  date1904: boolean;
}

/** The last column Excel has (XFD); a reference beyond it is not a worksheet's. */
const MAX_COLUMNS = 16_384;
/** An unfinished row longer than this waits in pieces, joined once its end has arrived. */
const PIECES_FROM_CHARS = 1024 * 1024;

const PROLOG = 0;
const HEAD = 1;
const ROWS = 2;
const TAIL = 3;
const DONE = 4;

const TYPE_NUMBER = 0;
const TYPE_SHARED = 1;
const TYPE_STRING = 2;
const TYPE_INLINE = 3;
const TYPE_BOOLEAN = 4;
const TYPE_ERROR = 5;
const TYPE_DATE = 6;

/** Where the last `tag` in `text` starts, or -1; rows are short, so it is near the end. */
function lastIndexOfTag(text: string, tag: string): number {
  for (let i = text.length - tag.length; i >= 0; i--) {
    if (text.charCodeAt(i) === 60 && text.startsWith(tag, i)) return i;
  }
  return -1;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

/** Whether the character after an element name ends the name (so `<c` is not `<col`). */
function endsName(c: number): boolean {
  return c === 62 /* > */ || c === 47 /* / */ || isSpace(c);
}

/** Character codes of a tag, compared in place (cheaper than startsWith on this path). */
function codesOf(tag: string): number[] {
  return Array.from(tag, (ch) => ch.charCodeAt(0));
}

function matches(text: string, pos: number, codes: readonly number[]): boolean {
  for (let k = 0; k < codes.length; k++) if (text.charCodeAt(pos + k) !== codes[k]) return false;
  return true;
}

function cellType(text: string, from: number, to: number): number {
  const first = text.charCodeAt(from);
  const length = to - from;
  if (length === 1) {
    if (first === 115 /* s */) return TYPE_SHARED;
    if (first === 98 /* b */) return TYPE_BOOLEAN;
    if (first === 101 /* e */) return TYPE_ERROR;
    if (first === 100 /* d */) return TYPE_DATE;
    return TYPE_NUMBER;
  }
  if (length === 3 && text.startsWith('str', from)) return TYPE_STRING;
  if (length === 9 && text.startsWith('inlineStr', from)) return TYPE_INLINE;
  return TYPE_NUMBER;
}

/** Digits in [from, to) as a number; -1 when there are none or anything else. */
function digitsValue(text: string, from: number, to: number): number {
  if (from >= to) return -1;
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** The column of a cell reference ("AB12" gives 28); 0 when it has no column letters. */
function referenceColumn(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i) | 0x20; // lower case
    if (c < 97 || c > 122) break;
    n = n * 26 + (c - 96);
    if (n > MAX_COLUMNS) return n;
  }
  return n;
}

/** A `t="d"` cell: an ISO 8601 date or time, read as the wall-clock time it shows (as serials are). */
function isoDate(text: string): CellValue {
  const zoned = /(?:[zZ]|[+-]\d\d:?\d\d)$/.test(text) || /^\d{4}-\d\d-\d\d$/.test(text);
  const date = new Date(zoned ? text : `${text}Z`);
  return Number.isNaN(date.getTime()) ? text : date;
}

/**
 * Turns worksheet XML into rows. Feed it the inflated bytes with write() and call end() after
 * the last chunk; both append the rows they complete to `out`. A row's values sit at their
 * column (A = 0), with null for gaps and no trailing nulls; rows come in file order, empty rows
 * included. Rows and cells without an `r` attribute follow the previous one.
 */
export class SheetRowScanner {
  private phase = PROLOG;
  private first = true;
  /** Unfinished text kept for the next chunk, as UTF-8. */
  private carry: Buffer | undefined;
  /** A long unfinished row, in pieces (see PIECES_FROM_CHARS). */
  private pieces: string[] = [];
  private piecesChars = 0;
  private lastRow = 0;
  /** Where cells() stopped: just after the row's `</row>`. */
  private cursor = 0;
  /** The bytes of a UTF-8 character cut by the end of the previous chunk. */
  private partial: Buffer | undefined;
  // Tags, with the namespace prefix the root element uses ("x:" in some writers' files).
  private rowOpen = '<row';
  private rowClose = '</row>';
  private cellClose = '</c>';
  private valueOpen = '<v';
  private cellOpenCodes = codesOf('<c');
  private valueTagCodes = codesOf('<v>');
  private valueCellEndCodes = codesOf('</v></c>');
  private formulaOpen = '<f';
  private inlineOpen = '<is';
  private inlineClose = '</is>';
  private dataOpen = '<sheetData';
  private dataClose = '</sheetData>';
  private rootClose = '</worksheet>';

  constructor(
    private readonly context: SheetContext,
    private readonly part: string,
    /** Largest row, in characters of XML, before RECORD_TOO_LARGE. */
    private readonly maxRowChars: number,
  ) {}

  write(chunk: Buffer, out: SheetRow[]): void {
    if (this.first) {
      this.first = false;
      if ((chunk[0] === 0xff && chunk[1] === 0xfe) || (chunk[0] === 0xfe && chunk[1] === 0xff)) {
        throw corruptXml(this.part, 'UTF-16 worksheets are not supported');
      }
      const text = this.decode(chunk);
      this.feed(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, out, false);
      return;
    }
    this.feed(this.decode(chunk), out, false);
  }

  end(out: SheetRow[]): void {
    this.feed(this.decode(Buffer.alloc(0), true), out, true);
    if (this.phase !== DONE) {
      const where = ['before its root element', 'before its sheet data', 'inside its sheet data', 'before </worksheet>'][this.phase];
      throw corruptXml(this.part, `it ends ${where}`);
    }
  }

  /**
   * UTF-8 to text: the unfinished rest of the previous chunk, then this one, decoded together
   * into one flat string (joining two strings instead costs a copy when the result is first
   * read), holding back a character cut by the chunk's end. Buffer#toString decodes about twice
   * as fast as StringDecoder.
   */
  private decode(chunk: Buffer, last = false): string {
    const parts = [this.carry, this.partial].filter((part): part is Buffer => part !== undefined);
    const bytes = parts.length > 0 ? Buffer.concat([...parts, chunk]) : chunk;
    this.carry = undefined;
    this.partial = undefined;
    let cut = bytes.length;
    if (!last) {
      let lead = cut - 1;
      while (lead >= 0 && cut - lead < 4 && (bytes[lead]! & 0xc0) === 0x80) lead--;
      if (lead >= 0 && bytes[lead]! >= 0xc0) {
        const size = bytes[lead]! >= 0xf0 ? 4 : bytes[lead]! >= 0xe0 ? 3 : 2;
        if (bytes.length - lead < size) cut = lead;
      }
      if (cut < bytes.length) this.partial = Buffer.from(bytes.subarray(cut));
    }
    return bytes.toString('utf8', 0, cut);
  }

  private feed(text: string, out: SheetRow[], last: boolean): void {
    if (this.pieces.length > 0) {
      this.pieces.push(text);
      this.piecesChars += text.length;
      // Joined only when the row's end may be in sight: keeps a long row linear, not quadratic.
      if (!last && !text.includes(this.rowClose)) {
        this.checkRowSize(this.piecesChars);
        return;
      }
      text = this.pieces.join('');
      this.pieces = [];
      this.piecesChars = 0;
    }
    const rest = this.process(text, out);
    const left = text.length - rest;
    if (left === 0 || last) return; // at the end, what is left is judged by end()
    if (this.phase !== ROWS && left > PIECES_FROM_CHARS) throw corruptXml(this.part, 'an implausibly long tag');
    if (this.phase === ROWS) {
      this.checkRowSize(left);
      if (left >= PIECES_FROM_CHARS) {
        this.pieces = [text.slice(rest)];
        this.piecesChars = left;
        return;
      }
    }
    // Back to bytes, to be decoded with the next chunk (see decode).
    this.carry = Buffer.from(text.slice(rest));
  }

  private checkRowSize(chars: number): void {
    if (chars <= this.maxRowChars) return;
    const row = this.lastRow + 1;
    throw new ParseError(`Row ${row} is larger than ${Math.round(this.maxRowChars / 1024 / 1024)} MiB of sheet XML`, {
      reason: 'RECORD_TOO_LARGE',
      rowNumber: row,
    });
  }

  /** Consumes what it can of `text`; returns where the unfinished rest begins. */
  private process(text: string, out: SheetRow[]): number {
    let pos = 0;
    for (;;) {
      switch (this.phase) {
        case PROLOG:
          pos = this.prolog(text, pos);
          if (this.phase === PROLOG) return pos;
          break;
        case HEAD:
          pos = this.head(text, pos);
          if (this.phase === HEAD) return pos;
          break;
        case ROWS:
          pos = this.rows(text, pos, out);
          if (this.phase === ROWS) return pos;
          break;
        case TAIL:
          pos = this.tail(text, pos);
          if (this.phase === TAIL) return pos;
          break;
        default:
          if (text.slice(pos).trim() !== '') throw corruptXml(this.part, 'content after the root element');
          return text.length;
      }
    }
  }

  /** The XML declaration, comments, then the root element, which must be a worksheet. */
  private prolog(text: string, pos: number): number {
    for (;;) {
      while (isSpace(text.charCodeAt(pos))) pos++;
      if (pos >= text.length) return pos;
      if (text.charCodeAt(pos) !== 60) throw corruptXml(this.part, 'text before the root element');
      const special = text.startsWith('<?', pos) ? '?>' : text.startsWith('<!--', pos) ? '-->' : undefined;
      if (special) {
        const end = text.indexOf(special, pos);
        if (end < 0) return pos;
        pos = end + special.length;
        continue;
      }
      if (text.startsWith('<!', pos)) throw corruptXml(this.part, 'a document type declaration');
      const end = tagEnd(text, pos);
      if (end < 0) return pos;
      const { name, end: nameEnd } = tagName(text, pos);
      const qualified = text.slice(pos + 1, nameEnd);
      if (name !== 'worksheet') throw corruptXml(this.part, `its root element is <${qualified}>, not a worksheet`);
      const p = qualified.slice(0, qualified.length - name.length);
      if (p !== '') {
        this.rowOpen = `<${p}row`;
        this.rowClose = `</${p}row>`;
        this.cellClose = `</${p}c>`;
        this.valueOpen = `<${p}v`;
        this.cellOpenCodes = codesOf(`<${p}c`);
        this.valueTagCodes = codesOf(`<${p}v>`);
        this.valueCellEndCodes = codesOf(`</${p}v></${p}c>`);
        this.formulaOpen = `<${p}f`;
        this.inlineOpen = `<${p}is`;
        this.inlineClose = `</${p}is>`;
        this.dataOpen = `<${p}sheetData`;
        this.dataClose = `</${p}sheetData>`;
        this.rootClose = `</${p}worksheet>`;
      }
      this.phase = text.charCodeAt(end - 2) === 47 ? DONE : HEAD;
      return end;
    }
  }

  /** Passes over what precedes sheetData (sheet properties, views, columns). */
  private head(text: string, pos: number): number {
    let at = text.indexOf(this.dataOpen, pos);
    while (at >= 0 && !endsName(text.charCodeAt(at + this.dataOpen.length))) {
      if (at + this.dataOpen.length >= text.length) return at;
      at = text.indexOf(this.dataOpen, at + 1);
    }
    if (at < 0) {
      const close = text.indexOf(this.rootClose, pos);
      if (close >= 0) {
        this.phase = DONE;
        return close + this.rootClose.length;
      }
      return Math.max(pos, text.length - this.rootClose.length - 1);
    }
    const end = tagEnd(text, at);
    if (end < 0) return at;
    this.phase = text.charCodeAt(end - 2) === 47 ? TAIL : ROWS;
    return end;
  }

  /** Passes over what follows sheetData, up to the end of the root element. */
  private tail(text: string, pos: number): number {
    const close = text.indexOf(this.rootClose, pos);
    if (close < 0) return Math.max(pos, text.length - this.rootClose.length);
    this.phase = DONE;
    return close + this.rootClose.length;
  }

  private rows(text: string, pos: number, out: SheetRow[]): number {
    const length = text.length;
    // Rows never nest: a row that starts before the last `</row>` in the text is complete.
    const lastClose = lastIndexOfTag(text, this.rowClose);
    for (;;) {
      let c = text.charCodeAt(pos);
      while (isSpace(c)) c = text.charCodeAt(++pos);
      if (pos >= length) return pos;
      if (c !== 60) throw corruptXml(this.part, 'text between rows');
      const open = tagEnd(text, pos);
      if (open < 0) return pos;
      if (text.startsWith(this.rowOpen, pos) && endsName(text.charCodeAt(pos + this.rowOpen.length))) {
        if (text.charCodeAt(open - 2) === 47) {
          out.push({ rowNumber: this.rowNumber(text, pos + this.rowOpen.length, open), values: [] });
          pos = open;
          continue;
        }
        let limit = lastClose + this.rowClose.length;
        if (pos > lastClose) {
          const close = text.indexOf(this.rowClose, open);
          if (close < 0) return pos;
          limit = close + this.rowClose.length;
        }
        // Only once the row is complete: a row without `r` counts from the previous one.
        const rowNumber = this.rowNumber(text, pos + this.rowOpen.length, open);
        out.push({ rowNumber, values: this.cells(text, open, limit) });
        pos = this.cursor;
        continue;
      }
      if (text.startsWith(this.dataClose, pos)) {
        this.phase = TAIL;
        return open;
      }
      if (text.startsWith('<!--', pos)) {
        const end = text.indexOf('-->', pos);
        if (end < 0) return pos;
        pos = end + 3;
        continue;
      }
      throw corruptXml(this.part, `<${tagName(text, pos).name}> where a row was expected`);
    }
  }

  /** The row's `r` attribute, or the one after the previous row. */
  private rowNumber(text: string, from: number, to: number): number {
    let number = -1;
    for (let i = from; i < to; i++) {
      // `r=` preceded by a space: the attribute, not the end of another name (e.g. "customHeight").
      if (text.charCodeAt(i) === 114 /* r */ && isSpace(text.charCodeAt(i - 1)) && text.charCodeAt(i + 1) === 61 /* = */) {
        const quote = text.charCodeAt(i + 2);
        const end = text.indexOf(quote === 39 ? "'" : '"', i + 3);
        number = digitsValue(text, i + 3, end);
        break;
      }
    }
    this.lastRow = number > 0 ? number : this.lastRow + 1;
    return this.lastRow;
  }

  /**
   * The cells of a row, from the end of its open tag up to its `</row>`, which lies before
   * `limit`; leaves `cursor` just after that `</row>`.
   */
  private cells(text: string, from: number, limit: number): CellValue[] {
    const values: CellValue[] = [];
    const cellOpenLength = this.cellOpenCodes.length;
    let column = 0;
    let pos = from;
    for (;;) {
      let c = text.charCodeAt(pos);
      while (isSpace(c)) c = text.charCodeAt(++pos);
      if (pos >= limit || c !== 60) throw corruptXml(this.part, `row ${this.lastRow} is not closed where expected`);
      if (text.charCodeAt(pos + 1) === 47 /* / */) {
        if (!text.startsWith(this.rowClose, pos)) throw corruptXml(this.part, `an unexpected closing tag in row ${this.lastRow}`);
        this.cursor = pos + this.rowClose.length;
        return values;
      }
      if (!matches(text, pos, this.cellOpenCodes) || !endsName(text.charCodeAt(pos + cellOpenLength))) {
        const open = tagEnd(text, pos);
        if (open < 0 || open > limit) throw corruptXml(this.part, `an unfinished tag in row ${this.lastRow}`);
        pos = this.skipElement(text, pos, open, limit);
        continue;
      }

      // The cell's tag, attribute by attribute up to its end: r (reference), s (cell format),
      // t (type); others are passed over.
      let referenced = 0;
      let style = 0;
      let type = TYPE_NUMBER;
      let selfClosing = false;
      let i = pos + cellOpenLength;
      for (;;) {
        let ch = text.charCodeAt(i);
        while (isSpace(ch)) ch = text.charCodeAt(++i);
        if (ch === 62 /* > */) break;
        if (ch === 47 /* / */ && text.charCodeAt(i + 1) === 62) {
          selfClosing = true;
          i++;
          break;
        }
        const nameStart = i;
        while (i < limit && ch !== 61 /* = */ && ch !== 62 && ch !== 47 && !isSpace(ch)) ch = text.charCodeAt(++i);
        const nameLength = i - nameStart;
        while (i < limit && isSpace(ch)) ch = text.charCodeAt(++i);
        if (ch !== 61 || nameLength === 0) throw corruptXml(this.part, `a malformed cell tag in row ${this.lastRow}`);
        ch = text.charCodeAt(++i);
        while (i < limit && isSpace(ch)) ch = text.charCodeAt(++i);
        if (ch !== 34 && ch !== 39) throw corruptXml(this.part, `a malformed cell tag in row ${this.lastRow}`);
        let valueEnd = i + 1;
        while (valueEnd < limit && text.charCodeAt(valueEnd) !== ch) valueEnd++;
        if (valueEnd >= limit) throw corruptXml(this.part, `a malformed cell tag in row ${this.lastRow}`);
        if (nameLength === 1) {
          const name = text.charCodeAt(nameStart);
          if (name === 114 /* r */) referenced = referenceColumn(text, i + 1, valueEnd);
          else if (name === 115 /* s */) style = Math.max(0, digitsValue(text, i + 1, valueEnd));
          else if (name === 116 /* t */) type = cellType(text, i + 1, valueEnd);
        }
        i = valueEnd + 1;
      }
      const open = i + 1;
      column = referenced > 0 ? referenced : column + 1;
      if (column > MAX_COLUMNS) throw corruptXml(this.part, `a cell beyond column XFD in row ${this.lastRow}`);
      if (selfClosing) {
        pos = open; // <c r="B2" s="3"/>: formatted, empty
        continue;
      }

      let value: CellValue;
      // The usual cell, `<c ...><v>…</v></c>`, without a general walk over its content; the
      // characters that need decoding are noted on the way.
      let valueEnd = -1;
      let escapes = 0;
      if (matches(text, open, this.valueTagCodes)) {
        for (let j = open + this.valueTagCodes.length; j < limit; j++) {
          const ch = text.charCodeAt(j);
          if (ch === 60 /* < */) {
            valueEnd = j;
            break;
          }
          if (ch === 38 /* & */ || ch === 95 /* _ */ || ch === 13 /* CR */) escapes++;
        }
      }
      if (valueEnd > 0 && matches(text, valueEnd, this.valueCellEndCodes)) {
        const valueStart = open + this.valueTagCodes.length;
        value =
          escapes === 0 && (type === TYPE_STRING || type === TYPE_INLINE || type === TYPE_ERROR)
            ? ownSlice(text, valueStart, valueEnd)
            : this.convert(text, valueStart, valueEnd, undefined, type, style);
        pos = valueEnd + this.valueCellEndCodes.length;
      } else {
        const close = text.indexOf(this.cellClose, open);
        if (close < 0 || close > limit) throw corruptXml(this.part, `an unclosed cell in row ${this.lastRow}`);
        value = this.cellValue(text, open, close, type, style);
        pos = close + this.cellClose.length;
      }
      if (value === null) continue;
      if (column === values.length + 1) {
        values.push(value);
      } else if (column > values.length) {
        while (values.length < column - 1) values.push(null);
        values.push(value);
      } else {
        values[column - 1] = value;
      }
    }
  }

  /** Passes over an element other than a cell inside a row (extLst, say): returns where it ends. */
  private skipElement(text: string, pos: number, open: number, to: number): number {
    if (text.charCodeAt(pos + 1) === 33 /* ! */ && text.startsWith('<!--', pos)) {
      const end = text.indexOf('-->', pos);
      if (end < 0 || end > to) throw corruptXml(this.part, 'an unclosed comment');
      return end + 3;
    }
    if (text.charCodeAt(open - 2) === 47) return open;
    const qualified = text.slice(pos + 1, tagName(text, pos).end);
    if (qualified.startsWith('/')) throw corruptXml(this.part, `an unexpected <${qualified}> in row ${this.lastRow}`);
    const closeTag = `</${qualified}>`;
    const end = text.indexOf(closeTag, open);
    if (end < 0 || end > to) throw corruptXml(this.part, `an unclosed <${qualified}> in row ${this.lastRow}`);
    return end + closeTag.length;
  }

  /** One cell's value from its content (between `<c ...>` and `</c>`): its `<v>`, or its inline string. */
  private cellValue(text: string, from: number, to: number, type: number, style: number): CellValue {
    let valueStart = -1;
    let valueEnd = -1;
    let inline: string | undefined;
    let pos = text.indexOf('<', from);
    while (pos >= 0 && pos < to) {
      const open = tagEnd(text, pos);
      if (open < 0 || open > to) throw corruptXml(this.part, `an unfinished tag in row ${this.lastRow}`);
      const selfClosing = text.charCodeAt(open - 2) === 47;
      if (text.charCodeAt(pos + 1) === 47 /* / */) {
        pos = text.indexOf('<', open); // the end of <v> or <f>
      } else if (text.startsWith(this.valueOpen, pos) && endsName(text.charCodeAt(pos + this.valueOpen.length))) {
        valueStart = open;
        valueEnd = selfClosing ? open : text.indexOf('<', open);
        if (valueEnd < 0 || valueEnd > to) throw corruptXml(this.part, `an unclosed value in row ${this.lastRow}`);
        pos = selfClosing ? text.indexOf('<', open) : valueEnd;
      } else if (text.startsWith(this.formulaOpen, pos) && endsName(text.charCodeAt(pos + this.formulaOpen.length))) {
        pos = text.indexOf('<', open); // a formula: its cached result is the value
      } else if (text.startsWith(this.inlineOpen, pos) && endsName(text.charCodeAt(pos + this.inlineOpen.length))) {
        if (selfClosing) {
          inline = '';
          pos = text.indexOf('<', open);
        } else {
          const close = text.indexOf(this.inlineClose, open);
          if (close < 0 || close > to) throw corruptXml(this.part, `an unclosed inline string in row ${this.lastRow}`);
          inline = itemText(text, open, close, this.part).text;
          pos = text.indexOf('<', close + this.inlineClose.length);
        }
      } else {
        pos = text.indexOf('<', this.skipElement(text, pos, open, to));
      }
    }
    if (valueStart < 0) return inline !== undefined && (type === TYPE_INLINE || type === TYPE_STRING) ? inline : null;
    return this.convert(text, valueStart, valueEnd, inline, type, style);
  }

  /** A cell's value from the text of its `<v>` (or its inline string), by type and cell format. */
  private convert(text: string, valueStart: number, valueEnd: number, inline: string | undefined, type: number, style: number): CellValue {
    switch (type) {
      case TYPE_SHARED: {
        const digits = digitsValue(text, valueStart, valueEnd);
        const index = digits >= 0 ? digits : parseInt(text.slice(valueStart, valueEnd).trim(), 10);
        return Number.isInteger(index) ? (this.context.sharedStrings[index] ?? null) : null;
      }
      case TYPE_STRING:
      case TYPE_INLINE:
      case TYPE_ERROR:
        return inline ?? this.text(text, valueStart, valueEnd);
      case TYPE_BOOLEAN: {
        const flag = text.slice(valueStart, valueEnd).trim();
        return flag === '' ? null : flag !== '0' && flag !== 'false';
      }
      case TYPE_DATE: {
        const iso = this.text(text, valueStart, valueEnd).trim();
        return iso === '' ? null : isoDate(iso);
      }
      default: {
        const number = parseFloat(text.slice(valueStart, valueEnd));
        if (!Number.isFinite(number)) return null;
        return this.context.dateStyles[style] === true ? excelSerialToDate(number, this.context.date1904) : number;
      }
    }
  }

  private text(text: string, from: number, to: number): string {
    let value = ownSlice(text, from, to);
    if (value.includes('&') || value.includes('\r')) value = decodeXmlText(value, this.part);
    return decodeOoxmlEscapes(value);
  }
}
