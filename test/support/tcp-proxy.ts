import net from 'node:net';

/**
 * A TCP proxy in front of a database server. `outage()` drops every connection and refuses new
 * ones until `restore()`: from the clients' side, the same as the server restarting.
 */
export class TcpProxy {
  private readonly sockets = new Set<net.Socket>();
  private down = false;

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  static async start(targetHost: string, targetPort: number): Promise<TcpProxy> {
    let proxy: TcpProxy | null = null;
    const server = net.createServer((client) => {
      if (!proxy || proxy.down) {
        client.destroy();
        return;
      }
      const upstream = net.connect(targetPort, targetHost);
      const pair = [client, upstream];
      for (const socket of pair) {
        proxy.sockets.add(socket);
        socket.on('error', () => pair.forEach((s) => s.destroy()));
        socket.on('close', () => {
          proxy?.sockets.delete(socket);
          pair.forEach((s) => s.destroy());
        });
      }
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    proxy = new TcpProxy(server, (server.address() as net.AddressInfo).port);
    return proxy;
  }

  /** The URL `url` rewritten to go through this proxy. */
  route(url: string): string {
    const parsed = new URL(url);
    parsed.hostname = '127.0.0.1';
    parsed.port = String(this.port);
    return parsed.toString();
  }

  outage(): void {
    this.down = true;
    for (const socket of this.sockets) socket.destroy();
  }

  restore(): void {
    this.down = false;
  }

  async close(): Promise<void> {
    this.outage();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
