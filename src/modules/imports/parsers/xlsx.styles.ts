import { XMLParser } from 'fast-xml-parser';
import { isDateFormatId } from './xlsx.cells.js';
import { corruptXml, decodeXmlText } from './xlsx.text.js';

/*
 * styles.xml, for one question only: which cell formats (`<c s="N">`, an index into cellXfs)
 * show numbers as dates. A workbook without styles has none.
 */

const stylesParser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  processEntities: false,
  isArray: (name) => name === 'numFmt' || name === 'xf',
});

interface StylesPart {
  styleSheet?: {
    numFmts?: { numFmt?: { '@numFmtId'?: string; '@formatCode'?: string }[] };
    cellXfs?: { xf?: { '@numFmtId'?: string }[] };
  };
}

/** For each cell format index, whether it shows dates. */
export function dateStylesOf(xml: string, part: string): boolean[] {
  let parsed: StylesPart;
  try {
    parsed = stylesParser.parse(xml, true) as StylesPart;
  } catch (error) {
    throw Object.assign(corruptXml(part, error instanceof Error ? error.message.split('\n')[0]! : String(error)), { cause: error });
  }
  const custom = new Map<number, string>();
  for (const format of parsed.styleSheet?.numFmts?.numFmt ?? []) {
    const id = Number(format['@numFmtId']);
    if (Number.isInteger(id) && format['@formatCode'] !== undefined) custom.set(id, decodeXmlText(format['@formatCode'], part));
  }
  return (parsed.styleSheet?.cellXfs?.xf ?? []).map((xf) => isDateFormatId(Number(xf['@numFmtId'] ?? 0), custom));
}
