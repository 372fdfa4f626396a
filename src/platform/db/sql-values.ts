import { escape } from 'mysql2';

/** Characters MySQL string literals need escaped (mysql2's escaping handles a value holding any). */
// eslint-disable-next-line no-control-regex -- NUL, backspace and Ctrl-Z are among the characters MySQL escapes
const NEEDS_ESCAPE = /[\0\b\t\n\r\x1a"'\\]/;
const COMMA = 0x2c;
const QUOTE = 0x27;
const OPEN = 0x28;
const CLOSE = 0x29;
const INITIAL_BYTES = 64 * 1024;

/**
 * The VALUES list of a multi-row INSERT, "(1,'a',NULL),(1,'b',2)", written as UTF-8 straight
 * into a growing Buffer. For bulk writes: building the same text with mysql2's `escape` and
 * string concatenation allocates several strings per value on the V8 heap (in bench:import,
 * about a kilobyte of garbage a row), and rows waiting for their statement would keep them
 * alive; here a waiting row is bytes outside the heap, which the garbage collector never copies.
 *
 * Values are written exactly as mysql2's `escape` writes them, byte for byte: strings quoted
 * with backslash escapes, numbers and bigints as their text, booleans as true/false, null and
 * undefined as NULL. Anything else (dates, buffers, objects) goes through `escape` itself.
 */
export class SqlValues {
  private buffer: Buffer;
  private length = 0;
  private inRow = false;
  private firstInRow = true;
  /** Rows written. */
  rows = 0;

  constructor(initialBytes = INITIAL_BYTES) {
    this.buffer = Buffer.allocUnsafe(Math.max(16, initialBytes));
  }

  /** Bytes written so far. */
  get byteLength(): number {
    return this.length;
  }

  /** Opens a row: "(" after a "," when rows precede it. */
  startRow(): void {
    if (this.inRow) throw new Error('the previous row is still open');
    this.reserve(2);
    if (this.rows > 0) this.buffer[this.length++] = COMMA;
    this.buffer[this.length++] = OPEN;
    this.inRow = true;
    this.firstInRow = true;
  }

  /** Closes the row opened last. */
  endRow(): void {
    if (!this.inRow) throw new Error('no row is open');
    this.reserve(1);
    this.buffer[this.length++] = CLOSE;
    this.inRow = false;
    this.rows++;
  }

  /** One value of the open row, escaped. */
  value(value: unknown): void {
    if (value === null || value === undefined) return this.raw('NULL');
    switch (typeof value) {
      case 'string':
        return NEEDS_ESCAPE.test(value) ? this.raw(escape(value)) : this.quoted(value);
      case 'number':
      case 'bigint':
        return this.raw(String(value));
      case 'boolean':
        return this.raw(value ? 'true' : 'false');
      default:
        return this.raw(escape(value as Parameters<typeof escape>[0]));
    }
  }

  /** SQL text as it is, as one value of the open row (DEFAULT, NULL, a literal already escaped). */
  raw(sql: string): void {
    this.separate(sql.length * 3);
    this.length += this.buffer.write(sql, this.length, 'utf8');
  }

  /** The rows as text, for the statement. */
  toString(): string {
    if (this.inRow) throw new Error('a row is still open');
    return this.buffer.toString('utf8', 0, this.length);
  }

  /** A string without characters to escape: quoted, written without an intermediate string. */
  private quoted(text: string): void {
    this.separate(text.length * 3 + 2);
    const buffer = this.buffer;
    buffer[this.length++] = QUOTE;
    this.length += buffer.write(text, this.length, 'utf8');
    buffer[this.length++] = QUOTE;
  }

  /** Room for a value of up to `bytes` bytes and the comma before it. */
  private separate(bytes: number): void {
    if (!this.inRow) throw new Error('no row is open');
    this.reserve(bytes + 1);
    if (this.firstInRow) this.firstInRow = false;
    else this.buffer[this.length++] = COMMA;
  }

  private reserve(bytes: number): void {
    const needed = this.length + bytes;
    if (needed <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < needed) size *= 2;
    const grown = Buffer.allocUnsafe(size);
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }
}
