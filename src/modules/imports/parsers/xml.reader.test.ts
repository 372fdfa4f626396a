import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { openParsedFile } from './index.js';
import { allRows, allValues, rejection, useTempDir } from './parsers.test-support.js';

const tmp = useTempDir();

const VENDORS = `<?xml version="1.0" encoding="UTF-8"?>
<!-- exported <Vendor> list -->
<Export>
  <Header><Created>2024-05-01</Created></Header>
  <Vendors count="2">
    <Vendor id="V-001" status="active">
      <Name>Acme &amp; Sons</Name>
      <Code>007</Code>
      <Amount currency="USD">12.50</Amount>
      <Phone>555-1</Phone><Phone>555-2</Phone>
      <Address><City>Austin</City><Zip>78701</Zip></Address>
      <Note><![CDATA[Uses <b>bold</b> & "quotes"]]></Note>
    </Vendor>
    <Vendor id="V-002">
      <Name>Caf&#233; &#x20AC;uro</Name>
      <Empty/>
    </Vendor>
  </Vendors>
</Export>`;

describe('XML', () => {
  it('reads records at a given path: attributes as @name, children by name, values as strings', async () => {
    const file = await tmp.file('vendors.xml', VENDORS);
    const parsed = await openParsedFile(file, { recordPath: 'Export/Vendors/Vendor' });
    expect(parsed.format).toBe('xml');
    expect(parsed.headers).toEqual(['Name', 'Code', 'Amount', 'Amount@currency', 'Phone', 'Address', 'Note', '@id', '@status', 'Empty']);
    const rows = await allRows(parsed);
    expect(rows).toEqual([
      {
        rowNumber: 1,
        values: ['Acme & Sons', '007', '12.50', 'USD', '["555-1","555-2"]', '{"City":"Austin","Zip":"78701"}', 'Uses <b>bold</b> & "quotes"', 'V-001', 'active', null],
      },
      { rowNumber: 2, values: ['Café €uro', null, null, null, null, null, null, 'V-002', null, ''] },
    ]);
  });

  it('accepts a record path without the root element', async () => {
    const file = await tmp.file('vendors-short.xml', VENDORS);
    const parsed = await openParsedFile(file, { recordPath: 'Vendors/Vendor' });
    expect(await allRows(parsed)).toHaveLength(2);
    expect(parsed.info.recordPath).toBe('Export/Vendors/Vendor');
  });

  it('detects the record path: the shallowest repeating element, not a repeat inside the first record', async () => {
    const file = await tmp.file('auto.xml', VENDORS);
    const parsed = await openParsedFile(file);
    expect(parsed.info.recordPath).toBe('Export/Vendors/Vendor');
    expect(await allRows(parsed)).toHaveLength(2);

    const flat = await tmp.file('flat.xml', '<Items><Item><Sku>A</Sku></Item><Item><Sku>B</Sku></Item><Item><Sku>C</Sku></Item></Items>');
    const items = await openParsedFile(flat);
    expect(items.info.recordPath).toBe('Items/Item');
    expect(await allValues(items)).toEqual([['A'], ['B'], ['C']]);
  });

  it('reads records split across many chunks', async () => {
    const body = Array.from({ length: 20_000 }, (_, i) => `<Row n="${i}"><Text>row ${i} &lt;ok&gt;</Text></Row>`).join('\n');
    const file = await tmp.file('many.xml', `<?xml version="1.0"?><Rows>${body}</Rows>`);
    const parsed = await openParsedFile(file);
    let count = 0;
    for await (const row of parsed.rows) {
      expect(row.values).toEqual([`row ${count} <ok>`, String(count)]);
      count++;
    }
    expect(count).toBe(20_000);
  });

  it('honours the encoding in the XML declaration', async () => {
    const file = await tmp.file('latin1.xml', iconv.encode('<?xml version="1.0" encoding="ISO-8859-1"?><R><V><N>Müller</N></V><V><N>Ørsted</N></V></R>', 'latin1'));
    const parsed = await openParsedFile(file);
    expect(parsed.info.encoding).toBe('latin1');
    expect(await allValues(parsed)).toEqual([['Müller'], ['Ørsted']]);
  });

  it('refuses billion laughs (entity declarations) with ENTITY_EXPANSION', async () => {
    const lol = [
      '<?xml version="1.0"?>',
      '<!DOCTYPE lolz [',
      ' <!ENTITY lol "lol">',
      ...Array.from({ length: 9 }, (_, i) => ` <!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`),
      ']>',
      '<lolz><lol>&lol9;</lol><lol>&lol9;</lol></lolz>',
    ].join('\n');
    const file = await tmp.file('lol.xml', lol);
    expect((await rejection(openParsedFile(file))).details.reason).toBe('ENTITY_EXPANSION');
    expect((await rejection(openParsedFile(file, { recordPath: 'lolz/lol' }).then(allRows))).details.reason).toBe('ENTITY_EXPANSION');
  });

  it('refuses external entities (XXE) and never reads the referenced file', async () => {
    const file = await tmp.file('xxe.xml', '<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<r><v>&x;</v><v>b</v></r>');
    const error = await rejection(openParsedFile(file));
    expect(error.details.reason).toBe('ENTITY_EXPANSION');
    expect(error.message).not.toContain('root:');
  });

  it('leaves undeclared entity references as text (a DOCTYPE without declarations is allowed)', async () => {
    const file = await tmp.file('dtd.xml', '<?xml version="1.0"?>\n<!DOCTYPE r SYSTEM "http://example.invalid/r.dtd">\n<r><v>a &x; b</v><v>c</v></r>');
    expect(await allValues(await openParsedFile(file))).toEqual([['a &x; b'], ['c']]);
  });

  it('bounds a record by maxRecordBytes', async () => {
    const file = await tmp.file('big-record.xml', `<R><V>a</V><V>${'x'.repeat(300_000)}</V></R>`);
    const error = await rejection(openParsedFile(file, { recordPath: 'R/V', maxRecordBytes: 100_000 }).then(allRows));
    expect(error.details).toEqual({ reason: 'RECORD_TOO_LARGE', rowNumber: 2 });
  });

  it('reports a malformed record and a truncated document', async () => {
    const bad = await tmp.file('bad.xml', '<R><V><a>1</a></V><V><a>2</b></V></R>');
    expect((await rejection(openParsedFile(bad, { recordPath: 'R/V' }).then(allRows))).details.reason).toBe('INVALID_XML');
    const truncated = await tmp.file('truncated.xml', '<R><V><a>1</a></V><V><a>2</a>');
    expect((await rejection(openParsedFile(truncated, { recordPath: 'R/V' }).then(allRows))).details.reason).toBe('INVALID_XML');
  });

  it('says so when the record path matches nothing', async () => {
    const file = await tmp.file('nomatch.xml', '<R><V>1</V><V>2</V></R>');
    expect((await rejection(openParsedFile(file, { recordPath: 'R/Nope' }).then(allRows))).details.reason).toBe('RECORD_PATH_NOT_FOUND');
  });
});
