import { cellEncoder, type CellFormat } from './export.values.js';
import { TextSink, type ExportTarget } from './file.sink.js';
import { rowOf, type ExportField, type RecordWriter, type RowBatch, type WrittenFile } from './writer.types.js';

/**
 * Characters XML 1.0 cannot carry at all, not even as references: C0 controls other than tab,
 * LF and CR, lone surrogates, U+FFFE and U+FFFF. They are dropped.
 */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;
const ESCAPED = /[&<>"'\r\t\n]/g;
const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  // A parser turns a raw CR (or CRLF) into LF: a reference keeps it.
  '\r': '&#13;',
};
const IN_ATTRIBUTE: Readonly<Record<string, string>> = { ...ENTITIES, '\t': '&#9;', '\n': '&#10;' };

/** Escapes text for element content (&, <, >, quotes, CR), dropping characters XML forbids. */
export function xmlText(text: string): string {
  return text.replace(NOT_XML_CHAR, '').replace(ESCAPED, (ch) => ENTITIES[ch] ?? ch);
}

/** As `xmlText`, and tab and LF too: attribute values are whitespace-normalised by parsers. */
export function xmlAttribute(text: string): string {
  return text.replace(NOT_XML_CHAR, '').replace(ESCAPED, (ch) => IN_ATTRIBUTE[ch] ?? ch);
}

/** Field keys become element names: they must be XML names, and not start with "xml". */
const ELEMENT_NAME = /^(?!xml)[A-Za-z_][A-Za-z0-9_.-]*$/i;

/** Stands for a missing value (no element at all): xmlText drops U+0000, so no text equals it. */
const MISSING = '\u0000missing';
const identity = (text: string) => text;
const XML_CELLS: CellFormat = {
  empty: MISSING,
  text: xmlText,
  number: identity,
  date: identity,
  boolean: (value) => (value ? 'true' : 'false'),
};

/**
 * `<records entity="…"><record><key>value</key>…</record>…</records>`, one record a line.
 * A missing value has no element (an empty element is an empty string); booleans are
 * true/false (xsd:boolean), dates YYYY-MM-DD, numbers their decimal text.
 */
export async function createXmlWriter(fields: readonly ExportField[], target: ExportTarget, entityLabel: string | undefined): Promise<RecordWriter> {
  for (const f of fields) {
    if (!ELEMENT_NAME.test(f.key)) throw new Error(`field key "${f.key}" cannot be an XML element name`);
  }
  const sink = await TextSink.open(target);
  const open = fields.map((f) => `<${f.key}>`);
  const close = fields.map((f) => `</${f.key}>`);
  const empty = fields.map((f) => `<${f.key}/>`);
  const encoders = fields.map((f) => cellEncoder(f, XML_CELLS));
  let rows = 0;
  const entity = entityLabel === undefined ? '' : ` entity="${xmlAttribute(entityLabel)}"`;
  await sink.write(`<?xml version="1.0" encoding="UTF-8"?>\n<records${entity}>\n`);
  const writeRows = async (batch: RowBatch) => {
    for (const row of batch) {
      let out = '<record>';
      for (let i = 0; i < encoders.length; i++) {
        const text = encoders[i]!(row[i]);
        if (text === MISSING) continue;
        out += text === '' ? empty[i]! : `${open[i]!}${text}${close[i]!}`;
      }
      rows++;
      if (sink.append(`${out}</record>\n`)) await sink.flush();
    }
  };
  return {
    writeRows,
    write: (record) => writeRows([rowOf(fields, record)]),
    async close(): Promise<WrittenFile> {
      await sink.write('</records>\n');
      return { rows, ...(await sink.close()) };
    },
    abort: () => sink.abort(),
  };
}
