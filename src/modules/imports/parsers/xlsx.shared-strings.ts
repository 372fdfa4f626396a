import { StringDecoder } from 'node:string_decoder';
import { corruptXml, itemText, tagEnd, tagName } from './xlsx.text.js';

/** Excel holds at most 32,767 characters in a cell; an item this much larger is not a workbook's. */
const MAX_ITEM_CHARS = 16 * 1024 * 1024;

/**
 * Reads sharedStrings.xml chunk by chunk as the integrity pass inflates it, into the array that
 * `<c t="s"><v>N</v></c>` indexes. Each item is its plain text (rich-text runs joined, phonetic
 * guides left out, escapes decoded); an empty plain item is null, as an empty cell. The array is
 * bounded by the archive limits the entry passed.
 */
export class SharedStringsReader {
  private readonly decoder = new StringDecoder('utf8');
  private carry = '';
  readonly strings: (string | null)[] = [];

  constructor(private readonly part: string) {}

  write(chunk: Buffer): void {
    this.carry = this.scan(this.carry + this.decoder.write(chunk));
    if (this.carry.length > MAX_ITEM_CHARS) throw corruptXml(this.part, 'a string item is implausibly long');
  }

  end(): (string | null)[] {
    const rest = this.scan(this.carry + this.decoder.end());
    this.carry = '';
    if (rest.trim() !== '') throw corruptXml(this.part, 'it ends inside a string item');
    return this.strings;
  }

  /** Reads every complete item; returns the unfinished rest. */
  private scan(text: string): string {
    let at = text.indexOf('<');
    while (at >= 0) {
      const end = tagEnd(text, at);
      if (end < 0) return text.slice(at);
      const { name, end: nameEnd } = tagName(text, at);
      if (name === 'si' && text.charCodeAt(at + 1) !== 47 /* / */) {
        if (text.charCodeAt(end - 2) === 47) {
          this.strings.push(null);
        } else {
          const closeTag = `</${text.slice(at + 1, nameEnd)}>`;
          const close = text.indexOf(closeTag, end);
          if (close < 0) return text.slice(at);
          const item = itemText(text, end, close, this.part);
          this.strings.push(item.text === '' && !item.runs ? null : item.text);
          at = text.indexOf('<', close + closeTag.length);
          continue;
        }
      }
      at = text.indexOf('<', end);
    }
    return '';
  }
}
