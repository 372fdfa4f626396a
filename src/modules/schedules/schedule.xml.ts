import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { uploadedXmlOptions } from '../../platform/xml/predefined-entities.js';
import { ScheduleFileError } from './schedules.errors.js';

/*
 * XML parsing for MSPDI and P6 XML: values stay strings, namespace prefixes are dropped, and only
 * XML's predefined entities and character references are decoded. A DOCTYPE (the carrier of
 * entity declarations and external entities) is refused before parsing.
 */

export type XmlNode = Record<string, unknown>;

export function scheduleXmlParser(arrays: readonly string[], attributes = false): XMLParser {
  const arrayTags = new Set(arrays);
  return new XMLParser({
    ...uploadedXmlOptions,
    ignoreAttributes: !attributes,
    removeNSPrefix: true,
    isArray: (tagName) => arrayTags.has(tagName),
  });
}

/** Parses a whole document after refusing DOCTYPEs and malformed XML. */
export function parseScheduleXml(parser: XMLParser, text: string, what: string): XmlNode {
  checkScheduleXml(text, what);
  return parser.parse(text) as XmlNode;
}

/** Refuses DOCTYPEs (entity declarations, external entities) and malformed XML. */
export function checkScheduleXml(text: string, what: string): void {
  if (/<!DOCTYPE/i.test(text.slice(0, 4096)) || /<!ENTITY/i.test(text)) {
    throw new ScheduleFileError('ENTITY_EXPANSION', `The ${what} has a DOCTYPE; schedule files never need one and entity declarations are refused`);
  }
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    throw new ScheduleFileError('INVALID_XML', `The ${what} is not well-formed XML: ${valid.err.msg} (line ${valid.err.line})`, { line: valid.err.line });
  }
}

/**
 * Each `<name>…</name>` element of a checked document, parsed on its own: for elements that never
 * nest (an MSPDI Task, Resource, …), so a large file never becomes one object tree.
 */
export function* eachElement(parser: XMLParser, xml: string, name: string): Generator<XmlNode> {
  const open = `<${name}>`;
  const close = `</${name}>`;
  let from = 0;
  for (;;) {
    const start = xml.indexOf(open, from);
    if (start < 0) return;
    const end = xml.indexOf(close, start);
    if (end < 0) return;
    from = end + close.length;
    const node = child(parser.parse(xml.slice(start, from)) as XmlNode, name);
    if (node) yield node;
  }
}

export function isNode(value: unknown): value is XmlNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A child element's text ('' when absent or empty). */
export function text(node: XmlNode, name: string): string {
  const found = node[name];
  const value: unknown = Array.isArray(found) ? found[0] : found;
  if (typeof value === 'string') return value.trim();
  if (isNode(value) && typeof value['#text'] === 'string') return value['#text'].trim();
  return '';
}

/** Child elements that may repeat, as a list. */
export function children(node: XmlNode | undefined, name: string): XmlNode[] {
  if (!node) return [];
  const value = node[name];
  if (value === undefined || value === '') return [];
  const list = Array.isArray(value) ? value : [value];
  return list.filter(isNode);
}

export function child(node: XmlNode | undefined, name: string): XmlNode | undefined {
  const value = node?.[name];
  if (Array.isArray(value)) return value.find(isNode);
  return isNode(value) ? value : undefined;
}

/** Text for XML content and attribute values. */
export function escapeXml(value: string): string {
  // Characters XML 1.0 does not allow at all are dropped rather than written.
  return value
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/[&<>"]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&quot;'));
}
