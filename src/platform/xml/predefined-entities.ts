import type { EntityDecoderOptions, X2jOptions } from 'fast-xml-parser';

const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/**
 * fast-xml-parser's entity decoder, reduced to XML's five predefined entities and character
 * references, decoded in one pass (so `&amp;#233;` stays `&#233;`). Nothing declared in a
 * DOCTYPE is ever expanded and external entities are never fetched; callers refuse a DOCTYPE
 * before parsing anyway.
 */
export const predefinedEntitiesOnly: EntityDecoderOptions = {
  setExternalEntities: () => undefined,
  addInputEntities: () => undefined,
  reset: () => undefined,
  setXmlVersion: () => undefined,
  decode: (text) =>
    text.includes('&')
      ? text.replace(/&(?:#(\d{1,7})|#x([0-9a-fA-F]{1,6})|(amp|lt|gt|quot|apos));/g, (whole, dec?: string, hex?: string, name?: string) => {
          if (name) return PREDEFINED[name] ?? whole;
          const code = dec !== undefined ? Number(dec) : parseInt(hex ?? '', 16);
          return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
        })
      : text,
};

/**
 * The fast-xml-parser options every parser of an uploaded XML file starts from: values stay
 * strings ("007" stays "007"; typing is the caller's job), attributes are keyed `@name`, only
 * the predefined entities are decoded, and the declaration and processing instructions are dropped.
 */
export const uploadedXmlOptions = {
  attributeNamePrefix: '@',
  parseTagValue: false,
  parseAttributeValue: false,
  processEntities: true,
  entityDecoder: predefinedEntitiesOnly,
  ignoreDeclaration: true,
  ignorePiTags: true,
} satisfies X2jOptions;
