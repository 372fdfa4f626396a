import { ParseError } from './parser.types.js';

/*
 * A streaming pass over XML text that knows just enough XML to cut it into record elements:
 * tags (with quoted attribute values), comments, CDATA, processing instructions and the
 * DOCTYPE. It keeps the open-element stack and reports tags to a subclass (xml.records.ts finds
 * the record path, or cuts out each record's text); nothing outside records is kept. Parsing a
 * record is left to fast-xml-parser.
 *
 * The DOCTYPE is read whole (bounded) and refused when it declares entities: that covers entity
 * expansion bombs ("billion laughs") and external entities (XXE) alike. Nothing is ever resolved.
 */

const enum State {
  Text,
  Lt,
  Bang,
  StartTag,
  EndTag,
  Comment,
  CData,
  Pi,
  Doctype,
  Declaration,
}

/** A DOCTYPE is a few lines at most; a longer one is itself an attack. */
const MAX_DOCTYPE_CHARS = 64 * 1024;
/** Distinct child names remembered per open element while looking for repeats. */
const MAX_CHILD_NAMES = 10_000;

export interface ScanLimits {
  maxRecordBytes: number;
}

interface Frame {
  name: string;
  children: Set<string> | undefined;
}

function tagName(markup: string, end: boolean): string {
  const match = (end ? /^<\/\s*([^\s>/]+)/ : /^<([^\s>/]+)/).exec(markup);
  return match?.[1] ?? '';
}

function utf8Exceeds(length: number, pieces: () => string, max: number): boolean {
  if (length > max) return true;
  if (length * 3 <= max) return false;
  return Buffer.byteLength(pieces()) > max;
}

export abstract class XmlScanner {
  private state = State.Text;
  private markup = '';
  private quote = '';
  private tail = '';
  private bracketDepth = 0;
  protected readonly stack: Frame[] = [];
  protected rootName: string | undefined;

  constructor(protected readonly limits: ScanLimits) {}

  /** A start tag has been read; `index` is its last character ('>') in the current chunk. */
  protected abstract onStartTag(name: string, markup: string, selfClosing: boolean, index: number): void;
  /** An end tag has been read (the frame is already popped). */
  protected abstract onEndTag(name: string, index: number): void;
  /** Called at the end of each chunk, e.g. to keep the captured part of a record. */
  protected onChunkEnd(_chunk: string): void {}
  /** Set by a subclass to stop scanning (the rest of the chunk is ignored). */
  protected stopped = false;

  get isStopped(): boolean {
    return this.stopped;
  }

  protected fail(message: string, reason: 'INVALID_XML' | 'ENTITY_EXPANSION' | 'RECORD_TOO_LARGE' = 'INVALID_XML'): never {
    throw new ParseError(message, { reason });
  }

  feed(chunk: string): void {
    for (let i = 0; i < chunk.length && !this.stopped; i++) {
      const c = chunk[i]!;
      switch (this.state) {
        case State.Text:
          if (c === '<') {
            this.state = State.Lt;
            this.markup = '<';
          }
          break;
        case State.Lt:
          this.markup += c;
          if (c === '/') this.state = State.EndTag;
          else if (c === '?') {
            this.state = State.Pi;
            this.tail = '';
          } else if (c === '!') this.state = State.Bang;
          else this.state = State.StartTag;
          break;
        case State.Bang:
          this.markup += c;
          if (this.markup === '<!--') {
            this.state = State.Comment;
            this.tail = '';
          } else if (this.markup === '<![CDATA[') {
            this.state = State.CData;
            this.tail = '';
          } else if (this.markup.toUpperCase() === '<!DOCTYPE') {
            this.state = State.Doctype;
            this.bracketDepth = 0;
            this.quote = '';
          } else if (!'<!--'.startsWith(this.markup) && !'<![CDATA['.startsWith(this.markup) && !'<!DOCTYPE'.startsWith(this.markup.toUpperCase())) {
            this.state = State.Declaration;
          }
          break;
        case State.StartTag:
        case State.EndTag:
          this.markup += c;
          if (this.markup.length > this.limits.maxRecordBytes) this.fail(`A tag is larger than ${this.limits.maxRecordBytes} bytes`, 'RECORD_TOO_LARGE');
          if (this.quote) {
            if (c === this.quote) this.quote = '';
          } else if (c === '"' || c === "'") this.quote = c;
          else if (c === '>') {
            const end = this.state === State.EndTag;
            this.state = State.Text;
            if (end) this.endTag(this.markup, i);
            else this.startTag(this.markup, i);
          }
          break;
        case State.Comment:
        case State.CData:
        case State.Pi:
          this.tail = (this.tail + c).slice(-3);
          if (
            (this.state === State.Comment && this.tail === '-->') ||
            (this.state === State.CData && this.tail === ']]>') ||
            (this.state === State.Pi && this.tail.endsWith('?>'))
          ) {
            this.state = State.Text;
          }
          break;
        case State.Doctype:
          this.markup += c;
          if (this.markup.length > MAX_DOCTYPE_CHARS) this.fail('The DOCTYPE is too large', 'ENTITY_EXPANSION');
          if (this.quote) {
            if (c === this.quote) this.quote = '';
          } else if (c === '"' || c === "'") this.quote = c;
          else if (c === '[') this.bracketDepth++;
          else if (c === ']') this.bracketDepth--;
          else if (c === '>' && this.bracketDepth <= 0) {
            this.state = State.Text;
            this.doctype(this.markup);
          }
          break;
        case State.Declaration:
          if (c === '>') this.state = State.Text;
          break;
      }
    }
    if (!this.stopped) this.onChunkEnd(chunk);
  }

  /** Checks the document is complete. */
  finish(): void {
    if (this.stopped) return;
    if (this.state !== State.Text || this.stack.length > 0) this.fail('The XML document ends early (truncated?)');
    if (this.rootName === undefined) this.fail('The file has no XML root element');
  }

  private doctype(markup: string): void {
    if (/<!ENTITY/i.test(markup)) {
      this.fail('The XML declares entities in its DOCTYPE; entity declarations are refused (entity expansion and external entities)', 'ENTITY_EXPANSION');
    }
  }

  private startTag(markup: string, index: number): void {
    const name = tagName(markup, false);
    if (!name) this.fail('Malformed start tag');
    const selfClosing = markup.endsWith('/>');
    if (this.stack.length === 0) {
      if (this.rootName !== undefined) this.fail('The XML has more than one root element');
      this.rootName = name;
    }
    this.onStartTag(name, markup, selfClosing, index);
    if (!selfClosing) this.stack.push({ name, children: undefined });
  }

  private endTag(markup: string, index: number): void {
    const name = tagName(markup, true);
    const frame = this.stack.pop();
    if (!frame || frame.name !== name) this.fail(`Unexpected closing tag </${name}>`);
    this.onEndTag(name, index);
  }

  /** Remembers `name` as a child of the innermost open element; true when it was there before. */
  protected repeatsUnderParent(name: string): boolean {
    const parent = this.stack[this.stack.length - 1];
    if (!parent) return false;
    parent.children ??= new Set();
    if (parent.children.has(name)) return true;
    if (parent.children.size < MAX_CHILD_NAMES) parent.children.add(name);
    return false;
  }

  protected path(name: string): string[] {
    return [...this.stack.map((f) => f.name), name];
  }

  protected tooLarge(length: number, text: () => string): boolean {
    return utf8Exceeds(length, text, this.limits.maxRecordBytes);
  }
}
