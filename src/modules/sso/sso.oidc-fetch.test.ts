import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { guardedFetch } from './sso.oidc-fetch.js';

describe('guardedFetch (OIDC provider requests)', () => {
  it('refuses loopback and private addresses unless allowed, and answers as fetch would', async () => {
    const server = http.createServer((req, res) => {
      if (req.url === '/big') {
        res.end('x'.repeat(2 * 1024 * 1024));
        return;
      }
      let body = '';
      req.on('data', (c: Buffer) => (body += String(c)));
      req.on('end', () => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ method: req.method, body }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const strict = guardedFetch({ allowLoopback: false, allowPrivate: false });
      await expect(strict(`${url}/x`, { method: 'GET', headers: {} })).rejects.toThrow(/loopback/);
      await expect(strict('http://localhost:1/x', { method: 'GET', headers: {} })).rejects.toThrow(/loopback/);
      await expect(strict('http://10.0.0.1/x', { method: 'GET', headers: {} })).rejects.toThrow(/private/);

      const local = guardedFetch({ allowLoopback: true, allowPrivate: false });
      const res = await local(`${url}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ a: '1' }) });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/json');
      expect(await res.json()).toEqual({ method: 'POST', body: 'a=1' });
      await expect(local(`${url}/big`, { method: 'GET', headers: {} })).rejects.toThrow(/larger than/);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
