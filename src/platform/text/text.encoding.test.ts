import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { decodeText, TextStreamDecoder, Utf8Tally } from './text.encoding.js';

const asciiLines = (bytes: number) => Buffer.from('x'.repeat(99) + '\n').toString().repeat(Math.ceil(bytes / 100));

/** Decodes `bytes` with a stream decoder, fed in pieces of `size` bytes. */
function streamed(bytes: Buffer, size: number): { text: string; decoder: TextStreamDecoder } {
  const decoder = new TextStreamDecoder();
  let text = '';
  for (let at = 0; at < bytes.length; at += size) text += decoder.write(bytes.subarray(at, at + size));
  return { text: text + decoder.end(), decoder };
}

describe('text encoding decided on the whole input', () => {
  for (const offset of [64 * 1024 + 10, 1024 * 1024 + 10]) {
    it(`Windows-1252 whose first non-ASCII byte is at ${offset}: every character right, none replaced`, () => {
      const text = `${asciiLines(offset)}Café crème, 3 €, “quoted”\n`;
      const bytes = iconv.encode(text, 'windows-1252');
      for (const size of [7, 4096, 65536]) {
        const out = streamed(bytes, size);
        expect(out.text).toBe(text);
        expect(out.decoder.encoding).toBe('windows-1252');
      }
      expect(decodeText(bytes).text).toBe(text);
      expect(decodeText(bytes).encoding.encoding).toBe('windows-1252');
    });

    it(`UTF-8 whose first multi-byte character is at ${offset} stays UTF-8`, () => {
      const text = `${asciiLines(offset)}Zoë in Köln, 3 €, 日本\n`;
      const bytes = Buffer.from(text);
      for (const size of [5, 4096]) {
        const out = streamed(bytes, size);
        expect(out.text).toBe(text);
        expect(out.decoder.encoding).toBe('utf-8');
      }
      expect(decodeText(bytes)).toMatchObject({ text, encoding: { encoding: 'utf-8' } });
    });
  }

  it('a multi-byte character cut between chunks at the first non-ASCII position is not misread', () => {
    const bytes = Buffer.from('abc€def');
    const out = streamed(bytes, 4); // "abc" + the first byte of €, then the rest
    expect(out.text).toBe('abc€def');
    expect(out.decoder.encoding).toBe('utf-8');
  });

  it('UTF-16 with a BOM still decodes, and a UTF-8 BOM is skipped', () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('Name;Préféré\n', 'utf16le')]);
    expect(streamed(utf16, 3).text).toBe('Name;Préféré\n');
    expect(decodeText(utf16).text).toBe('Name;Préféré\n');
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('Zoë')]);
    expect(streamed(bom, 1).text).toBe('Zoë');
    expect(decodeText(bom).text).toBe('Zoë');
  });

  it('a UTF-8 file with a few stray Windows-1252 bytes stays UTF-8 and reads them as Windows-1252', () => {
    const bytes = Buffer.concat([Buffer.from('Zoë, Köln, Müller\n'.repeat(10)), Buffer.from([0x43, 0x61, 0x66, 0xe9, 0x0a])]);
    const tally = new Utf8Tally();
    tally.write(bytes);
    tally.end();
    expect(tally).toMatchObject({ multiByte: 30, invalid: 1, encoding: 'utf-8' });
    expect(decodeText(bytes).text.endsWith('Café\n')).toBe(true);
  });

  it('a Windows-1252 file whose accented letters happen to pair into valid UTF-8 is still Windows-1252', () => {
    // "Ã©" is C3 A9 in Windows-1252: valid UTF-8 for "é". The rest of the file says otherwise.
    const text = 'Ã© then Café, crème, façade, naïve\n';
    const bytes = iconv.encode(text, 'windows-1252');
    expect(decodeText(bytes).text).toBe(text);
  });

  it('a tally fed in pieces that cut characters counts as when fed whole', () => {
    const bytes = Buffer.from('€'.repeat(1000) + 'ü'.repeat(1000));
    const tally = new Utf8Tally();
    for (let at = 0; at < bytes.length; at += 7) tally.write(bytes.subarray(at, at + 7));
    tally.end();
    expect(tally).toMatchObject({ multiByte: 2000, invalid: 0, encoding: 'utf-8' });
  });
});
