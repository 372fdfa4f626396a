import { MAX_NESTING, ParseError } from './parser.types.js';

/*
 * Cuts a JSON document into the texts of its records without parsing the whole: either a
 * top-level array of objects, or an object whose first array-valued property holds them
 * ({"records": [...]}, {"data": [...]}). Each record's text is then parsed on its own with
 * JSON.parse. Only one record is ever held, and never more than maxRecordBytes of it.
 *
 * Outside the records the structure is checked (brackets, commas, strings, that nothing follows
 * the document), not the grammar of skipped values.
 */

const enum Mode {
  Start,
  ObjectFirstKey,
  ObjectNextKey,
  ObjectKey,
  ObjectColon,
  ObjectValue,
  ObjectSkip,
  ObjectAfterValue,
  ArrayFirst,
  ArrayNext,
  ElementStart,
  Element,
  ArrayAfterElement,
  Trailing,
}

const enum Skip {
  More,
  /** The character ended the value (a closing quote or bracket). */
  EndedWith,
  /** The value ended just before the character (a number or literal before "," or "}"). */
  EndedBefore,
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** The error of a record nested deeper than MAX_NESTING. */
export function tooDeep(what: string, rowNumber: number): ParseError {
  return new ParseError(`${what} ${rowNumber} nests objects or arrays more than ${MAX_NESTING} levels deep`, { reason: 'NESTING_TOO_DEEP', rowNumber });
}

/** Whether the JSON text nests objects and arrays deeper than MAX_NESTING (strings skipped). */
export function nestsTooDeep(text: string): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > MAX_NESTING) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

export class JsonRecordSplitter {
  private mode = Mode.Start;
  private wrapped = false;
  /** Property of the wrapper object that holds the records, once found. */
  recordsKey: string | undefined;
  private key = '';
  private pieces: string[] = [];
  private pieceLength = 0;
  private depth = 0;
  private inString = false;
  private escaped = false;
  private skipStarted = false;
  /** Records completed so far. */
  count = 0;

  constructor(private readonly maxRecordBytes: number) {}

  private fail(message: string, rowNumber = this.count + 1): never {
    throw new ParseError(message, { reason: 'INVALID_JSON', rowNumber });
  }

  /** Feeds the next piece of text; returns the texts of the records it completed. */
  write(chunk: string): string[] {
    const out: string[] = [];
    let elementStart = this.mode === Mode.Element ? 0 : -1;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      switch (this.mode) {
        case Mode.Start:
          if (isSpace(c) || c === 0xfeff) break;
          if (c === 0x5b /* [ */) this.mode = Mode.ArrayFirst;
          else if (c === 0x7b /* { */) {
            this.wrapped = true;
            this.mode = Mode.ObjectFirstKey;
          } else this.fail('The file is not a JSON array or object');
          break;
        case Mode.ObjectFirstKey:
        case Mode.ObjectNextKey:
          if (isSpace(c)) break;
          if (c === QUOTE) {
            this.key = '';
            this.mode = Mode.ObjectKey;
          } else if (c === 0x7d /* } */ && this.mode === Mode.ObjectFirstKey) this.closeWrapper();
          else this.fail('Expected a property name in the JSON object');
          break;
        case Mode.ObjectKey:
          if (this.escaped) this.escaped = false;
          else if (c === BACKSLASH) this.escaped = true;
          else if (c === QUOTE) {
            this.mode = Mode.ObjectColon;
            break;
          }
          if (this.key.length < 1024) this.key += chunk[i];
          break;
        case Mode.ObjectColon:
          if (isSpace(c)) break;
          if (c !== 0x3a /* : */) this.fail('Expected ":" in the JSON object');
          this.mode = Mode.ObjectValue;
          break;
        case Mode.ObjectValue:
          if (isSpace(c)) break;
          if (c === 0x5b && this.recordsKey === undefined) {
            this.recordsKey = this.key;
            this.mode = Mode.ArrayFirst;
            break;
          }
          this.mode = Mode.ObjectSkip;
          this.depth = 0;
          this.inString = false;
          this.skipStarted = false;
          i--; // the value's first character is skipped in its own mode
          break;
        case Mode.ObjectSkip: {
          const skipped = this.skipValue(c);
          if (skipped !== Skip.More) this.mode = Mode.ObjectAfterValue;
          // A primitive ends at the character after it, which belongs to the object.
          if (skipped === Skip.EndedBefore) i--;
          break;
        }
        case Mode.ObjectAfterValue:
          if (isSpace(c)) break;
          if (c === 0x2c /* , */) this.mode = Mode.ObjectNextKey;
          else if (c === 0x7d) this.closeWrapper();
          else this.fail('Expected "," or "}" in the JSON object');
          break;
        case Mode.ArrayFirst:
        case Mode.ArrayNext:
          if (isSpace(c)) break;
          if (c === 0x5d /* ] */ && this.mode === Mode.ArrayFirst) {
            this.closeArray();
            break;
          }
          this.mode = Mode.ElementStart;
          i--;
          break;
        case Mode.ElementStart:
          if (c !== 0x7b) this.fail(`Record ${this.count + 1} is not a JSON object`);
          this.mode = Mode.Element;
          this.depth = 1;
          this.inString = false;
          this.escaped = false;
          elementStart = i;
          break;
        case Mode.Element:
          if (this.inString) {
            if (this.escaped) this.escaped = false;
            else if (c === BACKSLASH) this.escaped = true;
            else if (c === QUOTE) this.inString = false;
          } else if (c === QUOTE) this.inString = true;
          else if (c === 0x7b || c === 0x5b) {
            if (++this.depth > MAX_NESTING) throw tooDeep('Record', this.count + 1);
          } else if (c === 0x7d || c === 0x5d) {
            this.depth--;
            if (this.depth === 0) {
              out.push(this.takeElement(chunk.slice(elementStart, i + 1)));
              elementStart = -1;
              this.mode = Mode.ArrayAfterElement;
            }
          }
          break;
        case Mode.ArrayAfterElement:
          if (isSpace(c)) break;
          if (c === 0x2c) this.mode = Mode.ArrayNext;
          else if (c === 0x5d) this.closeArray();
          else this.fail(`Expected "," or "]" after record ${this.count}`);
          break;
        case Mode.Trailing:
          if (!isSpace(c)) this.fail('Unexpected data after the end of the JSON document');
          break;
      }
    }
    if (this.mode === Mode.Element && elementStart >= 0) this.addPiece(chunk.slice(elementStart));
    return out;
  }

  /** Checks that the document ended where it may. */
  end(): void {
    if (this.mode !== Mode.Trailing) this.fail('The JSON document ends early (truncated?)');
  }

  /** One character of a skipped value: whether the value goes on, ended with it, or ended before it. */
  private skipValue(c: number): Skip {
    if (this.inString) {
      if (this.escaped) this.escaped = false;
      else if (c === BACKSLASH) this.escaped = true;
      else if (c === QUOTE) {
        this.inString = false;
        return this.depth === 0 ? Skip.EndedWith : Skip.More;
      }
      return Skip.More;
    }
    if (c === QUOTE) {
      this.inString = true;
      this.skipStarted = true;
      return Skip.More;
    }
    if (c === 0x7b || c === 0x5b) {
      this.depth++;
      this.skipStarted = true;
      return Skip.More;
    }
    if (c === 0x7d || c === 0x5d) {
      if (this.depth === 0) return this.skipStarted ? Skip.EndedBefore : this.fail('Expected a value in the JSON object');
      this.depth--;
      return this.depth === 0 ? Skip.EndedWith : Skip.More;
    }
    if (this.depth === 0 && (c === 0x2c || isSpace(c))) return this.skipStarted ? Skip.EndedBefore : this.fail('Expected a value in the JSON object');
    this.skipStarted = true;
    return Skip.More;
  }

  private closeArray(): void {
    this.mode = this.wrapped ? Mode.ObjectAfterValue : Mode.Trailing;
  }

  private closeWrapper(): void {
    if (this.recordsKey === undefined) this.fail('The JSON object has no array of records');
    this.mode = Mode.Trailing;
  }

  private addPiece(piece: string): void {
    this.pieces.push(piece);
    this.pieceLength += piece.length;
    this.checkSize();
  }

  private checkSize(): void {
    const length = this.pieceLength;
    if (length > this.maxRecordBytes || (length * 3 > this.maxRecordBytes && Buffer.byteLength(this.pieces.join('')) > this.maxRecordBytes)) {
      const rowNumber = this.count + 1;
      throw new ParseError(`Record ${rowNumber} is larger than ${this.maxRecordBytes} bytes`, { reason: 'RECORD_TOO_LARGE', rowNumber });
    }
  }

  private takeElement(last: string): string {
    this.pieces.push(last);
    this.pieceLength += last.length;
    this.checkSize();
    const text = this.pieces.length === 1 ? last : this.pieces.join('');
    this.pieces = [];
    this.pieceLength = 0;
    this.count++;
    return text;
  }
}
