import { createSocket, type RemoteInfo } from 'node:dgram';

/**
 * A small authoritative DNS server on loopback UDP for tests (RFC 1035 message format): it
 * answers TXT questions from `records` (name → values) and says NXDOMAIN for any other name,
 * so code that asks DNS (SSO domain verification) runs against a real resolver here.
 */
export interface DnsServer {
  /** "127.0.0.1:port", for SSO_DNS_SERVERS. */
  address: string;
  /** TXT values by lower-case name; change them while the server runs. */
  records: Map<string, string[]>;
  /** Questions received, as "TYPE name". */
  questions: string[];
  close(): Promise<void>;
}

const TYPE_TXT = 16;

function readName(message: Buffer, offset: number): { name: string; end: number } {
  const labels: string[] = [];
  let at = offset;
  for (;;) {
    const length = message[at]!;
    if (length === 0) return { name: labels.join('.'), end: at + 1 };
    if (length >= 0xc0) throw new Error('compressed names are not expected in questions');
    labels.push(message.subarray(at + 1, at + 1 + length).toString('latin1'));
    at += 1 + length;
  }
}

function answer(query: Buffer, records: Map<string, string[]>, questions: string[]): Buffer {
  const { name, end } = readName(query, 12);
  const type = query.readUInt16BE(end);
  questions.push(`${type === TYPE_TXT ? 'TXT' : type} ${name}`);
  const question = query.subarray(12, end + 4);
  const values = records.get(name.toLowerCase());
  const answers = type === TYPE_TXT && values ? values : [];
  const parts: Buffer[] = [];
  for (const value of answers) {
    const text = Buffer.from(value, 'utf8');
    const strings: Buffer[] = [];
    for (let i = 0; i < text.length || i === 0; i += 255) {
      const piece = text.subarray(i, i + 255);
      strings.push(Buffer.from([piece.length]), piece);
    }
    const rdata = Buffer.concat(strings);
    const head = Buffer.alloc(12);
    head.writeUInt16BE(0xc00c, 0); // the name of the question
    head.writeUInt16BE(TYPE_TXT, 2);
    head.writeUInt16BE(1, 4); // IN
    head.writeUInt32BE(60, 6);
    head.writeUInt16BE(rdata.length, 10);
    parts.push(head, rdata);
  }
  const header = Buffer.alloc(12);
  header.writeUInt16BE(query.readUInt16BE(0), 0);
  // QR, the query's opcode, AA, the query's RD, RA; NXDOMAIN when the name has no records at all.
  const rcode = values ? 0 : 3;
  header.writeUInt16BE(0x8000 | (query.readUInt16BE(2) & 0x7800) | 0x0400 | (query.readUInt16BE(2) & 0x0100) | 0x0080 | rcode, 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(answers.length, 6);
  return Buffer.concat([header, question, ...parts]);
}

export async function startDnsServer(records: Record<string, string[]> = {}): Promise<DnsServer> {
  const socket = createSocket('udp4');
  const map = new Map(Object.entries(records).map(([name, values]) => [name.toLowerCase(), values]));
  const questions: string[] = [];
  socket.on('message', (message: Buffer, from: RemoteInfo) => {
    try {
      socket.send(answer(message, map, questions), from.port, from.address);
    } catch {
      // Not a question this server understands: no answer, as a real server might do.
    }
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${socket.address().port}`,
    records: map,
    questions,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
