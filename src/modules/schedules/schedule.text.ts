import type { Readable } from 'node:stream';
import { decodeText, TextStreamDecoder } from '../../platform/text/text.encoding.js';
import { ScheduleFileError } from './schedules.errors.js';

/*
 * Reading a schedule file's text: UTF-16 and binary files are refused from the first bytes; the
 * encoding (BOM, UTF-8, else Windows-1252, P6's default) is decided by platform/text on the
 * whole input, not on its head: a file's first accented name may come after the first megabyte.
 */

const HEAD_BYTES = 64 * 1024;

export type TextEncodingName = 'utf-8' | 'windows-1252';

function isUtf8(head: Buffer, complete: boolean): boolean {
  // A cut multi-byte sequence at the end of the head is not an error.
  let end = head.length;
  if (!complete) {
    let back = 0;
    while (back < 3 && end - back - 1 >= 0 && (head[end - back - 1]! & 0xc0) === 0x80) back++;
    if (end - back - 1 >= 0 && head[end - back - 1]! >= 0xc0) end = end - back - 1;
  }
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(0, end));
    return true;
  } catch {
    return false;
  }
}

/** The encoding of a text file from its first bytes; refuses UTF-16 and binary files. */
export function sniffEncoding(head: Buffer, complete: boolean, what: string): { encoding: TextEncodingName; bom: number } {
  if (head.length >= 2 && ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff))) {
    throw new ScheduleFileError('ENCODING', `The ${what} is UTF-16 text; save it as Windows-1252 or UTF-8`);
  }
  if (head.length >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return { encoding: 'utf-8', bom: 3 };
  if (head.includes(0)) throw new ScheduleFileError('ENCODING', `The ${what} contains NUL bytes: it is binary or UTF-16, not a text file`);
  return { encoding: isUtf8(head, complete) ? 'utf-8' : 'windows-1252', bom: 0 };
}

/**
 * Decoded lines of a stream, without their CR LF or LF. The encoding is decided at the first
 * non-ASCII character (TextStreamDecoder); `onEncoding` learns it at the end.
 */
export async function* decodedLines(input: Readable, what: string, onEncoding?: (encoding: TextEncodingName) => void): AsyncGenerator<string> {
  const iterator = input[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const headChunks: Buffer[] = [];
  let headLength = 0;
  let done = false;
  while (headLength < HEAD_BYTES) {
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
    headChunks.push(chunk);
    headLength += chunk.length;
  }
  const head = Buffer.concat(headChunks);
  sniffEncoding(head, done, what);
  const decoder = new TextStreamDecoder();
  let rest = '';
  function* split(text: string): Generator<string> {
    rest += text;
    let from = 0;
    for (;;) {
      const nl = rest.indexOf('\n', from);
      if (nl < 0) break;
      const end = nl > from && rest.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      yield rest.slice(from, end);
      from = nl + 1;
    }
    rest = rest.slice(from);
  }
  yield* split(decoder.write(head));
  while (!done) {
    const next = await iterator.next();
    if (next.done) break;
    yield* split(decoder.write(typeof next.value === 'string' ? Buffer.from(next.value) : next.value));
  }
  yield* split(decoder.end());
  if (rest.length > 0) yield rest.endsWith('\r') ? rest.slice(0, -1) : rest;
  onEncoding?.(decoder.encoding === 'windows-1252' ? 'windows-1252' : 'utf-8');
}

/** A whole stream as text, the encoding decided on all of it (XML files: their declaration is not consulted beyond UTF-8 vs Windows-1252). */
export async function readAllText(input: Readable, what: string, maxBytes = Number.POSITIVE_INFINITY): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of input as AsyncIterable<Buffer | string>) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += buffer.length;
    if (size > maxBytes) throw new ScheduleFileError('TOO_LONG', `The ${what} is larger than ${maxBytes} bytes`);
    chunks.push(buffer);
  }
  const all = Buffer.concat(chunks);
  sniffEncoding(all.subarray(0, HEAD_BYTES), all.length <= HEAD_BYTES, what);
  return decodeText(all).text;
}
