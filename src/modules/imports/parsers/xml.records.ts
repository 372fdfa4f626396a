import { ParseError } from './parser.types.js';
import { XmlScanner, type ScanLimits } from './xml.scanner.js';

/**
 * Finds the record path: the shallowest element below the root that repeats under one parent,
 * looking no further than the start of the root's next child after the first repeat found (so
 * `<Vendor><Phone/><Phone/></Vendor><Vendor>` gives Vendor, not Phone). Without any repeat, the
 * root's first child (a file with a single record).
 */
export class RecordPathFinder extends XmlScanner {
  private found: string[] | undefined;
  private firstChild: string[] | undefined;

  protected onStartTag(name: string): void {
    const depth = this.stack.length; // the root is at depth 0
    if (depth === 0) return;
    if (depth === 1) {
      this.firstChild ??= this.path(name);
      if (this.found) {
        if (this.repeatsUnderParent(name)) this.found = this.path(name);
        this.stopped = true;
        return;
      }
    }
    if (this.repeatsUnderParent(name) && (!this.found || this.found.length > depth + 1)) {
      this.found = this.path(name);
      if (depth === 1) this.stopped = true;
    }
  }

  protected onEndTag(): void {}

  result(): string[] | undefined {
    return this.found ?? this.firstChild;
  }
}

/**
 * Cuts out the elements at a path from the root (the root may be left out) and returns each
 * one's complete text, held in pieces while it spans chunks and bounded by maxRecordBytes.
 */
export class RecordCutter extends XmlScanner {
  /** Records completed so far. */
  count = 0;
  private pathParts: string[];
  private readonly pending: string[] = [];
  private pieces: string[] = [];
  private pieceLength = 0;
  /** Where the open record's text resumes in the current chunk (-1: no record open). */
  private captureFrom = -1;
  private recordDepth = -1;
  private currentChunk = '';

  constructor(path: string[], limits: ScanLimits) {
    super(limits);
    this.pathParts = path;
  }

  /** Feeds text and returns the records it completed. */
  take(chunk: string): string[] {
    this.currentChunk = chunk;
    if (this.recordDepth >= 0) this.captureFrom = 0;
    this.feed(chunk);
    return this.pending.splice(0);
  }

  recordPath(): string {
    return this.pathParts.join('/');
  }

  protected onStartTag(name: string, markup: string, selfClosing: boolean, index: number): void {
    if (this.recordDepth >= 0) return;
    if (this.stack.length === 0 && this.pathParts[0] !== name) this.pathParts = [name, ...this.pathParts];
    const depth = this.stack.length;
    if (depth !== this.pathParts.length - 1 || this.pathParts[depth] !== name) return;
    for (let i = 0; i < depth; i++) if (this.stack[i]!.name !== this.pathParts[i]) return;
    if (selfClosing) {
      this.emit(markup);
      return;
    }
    this.recordDepth = depth;
    this.pieces = [markup];
    this.pieceLength = markup.length;
    this.captureFrom = index + 1;
  }

  protected onEndTag(_name: string, index: number): void {
    if (this.recordDepth < 0 || this.stack.length !== this.recordDepth) return;
    this.pieces.push(this.currentChunk.slice(this.captureFrom, index + 1));
    const text = this.pieces.join('');
    this.pieces = [];
    this.pieceLength = 0;
    this.recordDepth = -1;
    this.captureFrom = -1;
    this.emit(text);
  }

  protected override onChunkEnd(chunk: string): void {
    if (this.recordDepth < 0) return;
    const piece = chunk.slice(this.captureFrom);
    this.pieces.push(piece);
    this.pieceLength += piece.length;
    if (this.tooLarge(this.pieceLength, () => this.pieces.join(''))) throw this.recordTooLarge();
  }

  private emit(text: string): void {
    if (this.tooLarge(text.length, () => text)) throw this.recordTooLarge();
    this.count++;
    this.pending.push(text);
  }

  private recordTooLarge(): ParseError {
    const rowNumber = this.count + 1;
    return new ParseError(`Record ${rowNumber} is larger than ${this.limits.maxRecordBytes} bytes`, { reason: 'RECORD_TOO_LARGE', rowNumber });
  }
}
