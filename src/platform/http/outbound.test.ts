import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type dns from 'node:dns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { guardedLookup, OutboundError, postOnce, urlProblem } from './outbound.js';

const closed = { allowLoopback: false, allowPrivate: false };
const loopbackOk = { allowLoopback: true, allowPrivate: false };

let server: http.Server;
let base: string;
let hits = 0;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    hits += 1;
    if (req.url === '/redirect') {
      res.writeHead(302, { location: '/elsewhere' }).end();
    } else if (req.url === '/slow') {
      setTimeout(() => res.writeHead(200).end('late'), 2_000);
    } else if (req.url === '/big') {
      res.writeHead(200).end('x'.repeat(10_000));
    } else {
      req.resume();
      req.on('end', () => res.writeHead(201).end('created'));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const options = (policy = loopbackOk) => ({ policy, timeoutMs: 500, maxBodyBytes: 100, headers: { 'content-type': 'application/json' } });

describe('postOnce', () => {
  it('posts and returns the status and the start of the body', async () => {
    const response = await postOnce(`${base}/ok`, '{}', options());
    expect(response.status).toBe(201);
    expect(response.body).toBe('created');
    const big = await postOnce(`${base}/big`, '{}', options());
    expect(big.body).toHaveLength(100);
  });

  it('refuses loopback unless allowed, without connecting', async () => {
    const before = hits;
    await expect(postOnce(`${base}/ok`, '{}', options(closed))).rejects.toMatchObject({ kind: 'blocked' });
    await expect(postOnce('http://localhost:1/ok', '{}', options(closed))).rejects.toMatchObject({ kind: 'blocked' });
    expect(hits).toBe(before);
  });

  it('does not follow redirects', async () => {
    const before = hits;
    const response = await postOnce(`${base}/redirect`, '{}', options());
    expect(response.status).toBe(302);
    expect(hits).toBe(before + 1);
  });

  it('gives up at the deadline', async () => {
    const error = await postOnce(`${base}/slow`, '{}', options()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutboundError);
    expect(error).toMatchObject({ kind: 'timeout' });
  });

  it('reports a refused connection', async () => {
    await expect(postOnce('http://127.0.0.1:1/', '{}', options())).rejects.toMatchObject({ kind: 'connect' });
  });
});

describe('guardedLookup', () => {
  it('refuses a name that resolves to a disallowed address at connect time (DNS rebinding)', async () => {
    const rebinding = ((_host: string, _opts: unknown, cb: (e: null, a: dns.LookupAddress[]) => void) =>
      cb(null, [{ address: '169.254.169.254', family: 4 }])) as unknown as typeof dns.lookup;
    const lookup = guardedLookup(loopbackOk, rebinding);
    const error = await new Promise<NodeJS.ErrnoException | null>((resolve) => lookup('hooks.example.com', {}, (e) => resolve(e)));
    expect(error?.code).toBe('E_ADDRESS_BLOCKED');
  });

  it('passes a public address through', async () => {
    const resolver = ((_host: string, _opts: unknown, cb: (e: null, a: dns.LookupAddress[]) => void) =>
      cb(null, [{ address: '93.184.216.34', family: 4 }])) as unknown as typeof dns.lookup;
    const lookup = guardedLookup(closed, resolver);
    const address = await new Promise<string>((resolve, reject) => lookup('example.com', {}, (e, a) => (e ? reject(e) : resolve(a as string))));
    expect(address).toBe('93.184.216.34');
  });
});

describe('urlProblem', () => {
  it('names what is wrong with a URL', () => {
    expect(urlProblem('ftp://example.com/x', closed)).toMatch(/https or http/);
    expect(urlProblem('not a url', closed)).toMatch(/absolute/);
    expect(urlProblem('https://user:pw@example.com/', closed)).toMatch(/credentials/);
    expect(urlProblem('https://10.0.0.1/hook', closed)).toMatch(/private/);
    expect(urlProblem('https://[::1]/hook', closed)).toMatch(/loopback/);
    expect(urlProblem('https://169.254.169.254/latest/meta-data', closed)).toMatch(/never/);
    expect(urlProblem('https://hooks.example.com/trestle', closed)).toBeNull();
  });
});
