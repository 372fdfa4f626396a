import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface ReceivedDelivery {
  headers: Record<string, string>;
  body: string;
  at: number;
}

/** What the receiver does with the n-th request (0-based). */
export type Behaviour = (n: number, delivery: ReceivedDelivery) =>
  | { status: number; delayMs?: number; headers?: Record<string, string>; body?: string }
  | { reset: true };

/** A webhook receiver on loopback that records every request and answers as told. */
export class WebhookReceiver {
  readonly received: ReceivedDelivery[] = [];
  behaviour: Behaviour = () => ({ status: 200, body: 'ok' });
  private readonly sockets = new Set<Socket>();

  private server: http.Server | null = null;
  url = '';

  private constructor() {}

  static async start(path = '/hooks', port = 0): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver();
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const delivery: ReceivedDelivery = {
          headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')])),
          body: Buffer.concat(chunks).toString('utf8'),
          at: Date.now(),
        };
        const n = receiver.received.length;
        receiver.received.push(delivery);
        const answer = receiver.behaviour(n, delivery);
        if ('reset' in answer) {
          req.socket.destroy();
          return;
        }
        setTimeout(() => {
          if (res.destroyed) return;
          res.writeHead(answer.status, answer.headers ?? {});
          res.end(answer.body ?? '');
        }, answer.delayMs ?? 0);
      });
    });
    server.on('connection', (socket) => {
      receiver.sockets.add(socket);
      socket.on('close', () => receiver.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    receiver.server = server;
    receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
    return receiver;
  }

  /** Deliveries of one event type, parsed. */
  ofType(type: string): Array<ReceivedDelivery & { json: { type: string; timestamp: string; data: Record<string, unknown> } }> {
    return this.received
      .map((d) => ({ ...d, json: JSON.parse(d.body) as { type: string; timestamp: string; data: Record<string, unknown> } }))
      .filter((d) => d.json.type === type);
  }

  /** Waits until `predicate` holds, polling; fails after `timeoutMs`. */
  async waitFor(predicate: () => boolean, timeoutMs = 15_000, what = 'deliveries'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; received ${this.received.length}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    const server = this.server;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
