import { ParseError } from './parser.types.js';

/*
 * Text inside workbook XML: entity and character references, OOXML's `_xHHHH_` escapes, and the
 * plain text of a string item (`<si>`, `<is>`), shared by the sheet and shared-strings scanners.
 */

export function corruptXml(part: string, detail: string): ParseError {
  return new ParseError(`The workbook is damaged: "${part}" is not valid XML (${detail})`, { reason: 'CORRUPT_XLSX' });
}

/** V8 copies a slice shorter than this; a longer one is a view that keeps the whole string alive. */
const SHORTEST_VIEW = 13;

/**
 * text[from, to) as a string of its own. A longer slice would be a view on `text`, a whole
 * decoded chunk: one value kept by the import (in a uniqueness check, say) would keep its
 * 256 KiB chunk alive. Slicing a joined string makes V8 flatten it into a new string first.
 */
export function ownSlice(text: string, from: number, to: number): string {
  return to - from < SHORTEST_VIEW ? text.slice(from, to) : ` ${text.slice(from, to)}`.slice(1);
}

const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/**
 * Resolves the five predefined entities and numeric character references, after normalising
 * line ends. Workbook parts declare
 * no other entities, so any other `&` is an XML error, as an XML parser would report it.
 */
export function decodeXmlText(text: string, part: string): string {
  // Line ends as an XML parser hands them over: CR LF and a lone CR are LF (a CR written as
  // `&#13;` stays, being decoded after this).
  if (text.includes('\r')) text = text.replace(/\r\n?/g, '\n');
  let at = text.indexOf('&');
  if (at < 0) return text;
  let out = '';
  let from = 0;
  while (at >= 0) {
    const end = text.indexOf(';', at + 1);
    if (end < 0 || end - at > 12) throw corruptXml(part, 'a bare "&" in text');
    const name = text.slice(at + 1, end);
    let char: string | undefined;
    if (name.charCodeAt(0) === 35 /* # */) {
      const hex = name.charCodeAt(1) === 120; /* x */
      const digits = name.slice(hex ? 2 : 1);
      if ((hex ? /^[0-9a-fA-F]{1,6}$/ : /^[0-9]{1,7}$/).test(digits)) {
        const code = parseInt(digits, hex ? 16 : 10);
        if (code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff)) char = String.fromCodePoint(code);
      }
    } else {
      char = NAMED[name];
    }
    if (char === undefined) throw corruptXml(part, `unknown reference "&${name};"`);
    out += text.slice(from, at) + char;
    from = end + 1;
    at = text.indexOf('&', from);
  }
  return out + text.slice(from);
}

/**
 * OOXML escapes characters XML cannot carry as `_xHHHH_` (and a literal `_x` as `_x005F_x`).
 * One left-to-right pass decodes both correctly.
 */
export function decodeOoxmlEscapes(text: string): string {
  return text.includes('_x') ? text.replace(/_x([0-9A-Fa-f]{4})_/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))) : text;
}

/** Index just past the `>` that ends the tag opened at `from`, skipping quoted attribute values; -1 if unfinished. */
export function tagEnd(text: string, from: number): number {
  for (let i = from + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 62 /* > */) return i + 1;
    if (c === 34 /* " */ || c === 39 /* ' */) {
      const close = text.indexOf(c === 34 ? '"' : "'", i + 1);
      if (close < 0) return -1;
      i = close;
    }
  }
  return -1;
}

/** The local name of the element whose tag starts at `at` ("<x:t ..." gives "t"), and where the name ends. */
export function tagName(text: string, at: number): { name: string; end: number } {
  let i = at + 1;
  if (text.charCodeAt(i) === 47 /* / */) i++;
  const start = i;
  let local = i;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 62 || c === 47 || c === 32 || c === 9 || c === 10 || c === 13) break;
    if (c === 58 /* : */) local = i + 1;
  }
  return { name: text.slice(local > start ? local : start, i), end: i };
}

/**
 * The plain text of a string item between `from` and `to` (the inside of `<si>` or `<is>`): its
 * `<t>` texts in order, whether plain or in rich-text runs (`<r>`), leaving out phonetic guides
 * (`<rPh>`). `runs` tells whether the item was rich text.
 */
export function itemText(text: string, from: number, to: number, part: string): { text: string; runs: boolean } {
  let out = '';
  let runs = false;
  let at = text.indexOf('<', from);
  while (at >= 0 && at < to) {
    const end = tagEnd(text, at);
    if (end < 0 || end > to) throw corruptXml(part, 'an unfinished tag in a string');
    const { name } = tagName(text, at);
    const closing = text.charCodeAt(at + 1) === 47;
    const selfClosing = text.charCodeAt(end - 2) === 47;
    if (!closing && !selfClosing && name === 't') {
      const close = text.indexOf('<', end);
      if (close < 0 || close >= to) throw corruptXml(part, 'an unclosed <t>');
      out += decodeXmlText(ownSlice(text, end, close), part);
      at = close;
      // The `</t>` itself is passed over as a closing tag.
      continue;
    }
    if (!closing && name === 'r') runs = true;
    if (!closing && !selfClosing && name === 'rPh') {
      const close = text.indexOf('rPh>', end);
      if (close < 0 || close >= to) throw corruptXml(part, 'an unclosed <rPh>');
      at = text.indexOf('<', close);
      continue;
    }
    at = text.indexOf('<', end);
  }
  return { text: decodeOoxmlEscapes(out), runs };
}
