import type { EntityDecoderOptions } from 'fast-xml-parser';

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
