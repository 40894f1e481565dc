import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { WireMessage } from '../api/contract.ts';
import { Engine } from '../engine/index.ts';
import { startServer, type RunningServer } from './server.ts';

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function get(
  port: number,
  urlPath: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: urlPath, method, headers: { Host: `127.0.0.1:${port}`, ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Opens the API socket; resolves with the socket once open, or with the HTTP status that refused it. */
function connect(
  port: number,
  opts: { cookie?: string; query?: string; origin?: string; host?: string } = {},
) {
  const headers: Record<string, string> = {};
  if (opts.cookie) headers.Cookie = opts.cookie;
  if (opts.host) headers.Host = opts.host;
  const ws = new WebSocket(`ws://127.0.0.1:${port}/api${opts.query ?? ''}`, {
    headers,
    ...(opts.origin ? { origin: opts.origin } : {}),
  });
  return new Promise<{ ws: WebSocket; refused: number | null }>((resolve, reject) => {
    ws.on('open', () => resolve({ ws, refused: null }));
    ws.on('unexpected-response', (_req, res) => {
      resolve({ ws, refused: res.statusCode ?? 0 });
      res.resume();
    });
    ws.on('error', reject);
  });
}

/** A client that answers invokes by id and collects pushed events. */
function client(ws: WebSocket) {
  let nextId = 1;
  const pending = new Map<number, (m: WireMessage) => void>();
  const events: WireMessage[] = [];
  ws.on('message', (data) => {
    const msg = JSON.parse(String(data)) as WireMessage;
    if (msg.type === 'event') events.push(msg);
    else pending.get(msg.id)?.(msg);
  });
  return {
    events,
    invoke(channel: string, args: unknown): Promise<WireMessage> {
      const id = nextId++;
      return new Promise((resolve) => {
        pending.set(id, resolve);
        ws.send(JSON.stringify({ type: 'invoke', id, channel, args }));
      });
    },
  };
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('browser-mode server', () => {
  let tmp: string;
  let rendererDir: string;
  let engine: Engine;
  let server: RunningServer;
  let cookie: string;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'medprep-serve-'));
    rendererDir = path.join(tmp, 'renderer');
    fs.mkdirSync(path.join(rendererDir, 'assets'), { recursive: true });
    fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>MedPrep</title>');
    fs.writeFileSync(path.join(rendererDir, 'assets', 'app.js'), 'console.log(1);');
    fs.writeFileSync(path.join(tmp, 'secret.txt'), 'outside the renderer');
    fs.symlinkSync(path.join(tmp, 'secret.txt'), path.join(rendererDir, 'link.txt'));
    engine = new Engine({
      sampleProjectDir: path.join(tmp, 'sample'),
      sampleDataDir: path.join(tmp, 'none'),
    });
    await engine.invoke('project.create', { dir: path.join(tmp, 'project') });
    server = await startServer(engine, { rendererDir });
    cookie = `medprep_session_${server.port}=${server.token}`;
  });

  afterAll(async () => {
    await server?.close();
    await engine?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('listens on 127.0.0.1 only, and prints a URL carrying a 32-byte token', async () => {
    expect(server.address).toBe('127.0.0.1');
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${server.token}`);
    expect(Buffer.from(server.token, 'base64url')).toHaveLength(32);
    const others = Object.values(os.networkInterfaces())
      .flat()
      .filter((i) => i && !i.internal)
      .map((i) => i!.address);
    for (const host of others) {
      const s = net.connect({ host, port: server.port });
      const refused = await new Promise<boolean>((resolve) => {
        s.on('connect', () => resolve(false));
        s.on('error', () => resolve(true));
        s.setTimeout(2000, () => resolve(true));
      });
      s.destroy();
      expect(refused, host).toBe(true);
    }
  });

  it('answers 401 "unauthorised" to requests without the token or with a wrong one', async () => {
    for (const [p, headers] of [
      ['/', {}],
      ['/?token=wrong', {}],
      ['/assets/app.js', {}],
      ['/', { Cookie: `medprep_session_${server.port}=${server.token.slice(1)}x` }],
      ['/media/thumbs/' + 'a'.repeat(64) + '.png', {}],
    ] as const) {
      const res = await get(server.port, p, headers);
      expect(res.status, p).toBe(401);
      expect(res.body).toBe('unauthorised');
    }
  });

  it('trades the URL token for an HttpOnly SameSite=Strict cookie and redirects to / without it', async () => {
    const res = await get(server.port, `/?token=${server.token}`);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/');
    const setCookie = res.headers['set-cookie']?.[0] ?? '';
    expect(setCookie).toContain(`${cookie};`);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).toMatch(/Path=\//);
  });

  it('serves index.html with the cookie, under a strict CSP, nosniff and no-store', async () => {
    const res = await get(server.port, '/', { Cookie: cookie });
    expect(res.status).toBe(200);
    expect(res.body).toContain('<title>MedPrep</title>');
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    const csp = res.headers['content-security-policy'];
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain(`connect-src 'self' ws://127.0.0.1:${server.port} ws://localhost:${server.port}`);
    expect(csp).toContain("frame-ancestors 'none'");
    const js = await get(server.port, '/assets/app.js', { Cookie: cookie });
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    const head = await get(server.port, '/', { Cookie: cookie }, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
  });

  it('accepts localhost:PORT as Host but refuses any other Host (DNS rebinding) with 403', async () => {
    expect((await get(server.port, '/', { Cookie: cookie, Host: `localhost:${server.port}` })).status).toBe(
      200,
    );
    for (const host of [`evil.example:${server.port}`, '127.0.0.1', `127.0.0.1:${server.port + 1}`]) {
      const res = await get(server.port, `/?token=${server.token}`, { Cookie: cookie, Host: host });
      expect(res.status, host).toBe(403);
      expect(res.headers['set-cookie']).toBeUndefined();
    }
  });

  it('refuses a foreign Origin with 403, on requests and on the WebSocket upgrade', async () => {
    const res = await get(server.port, '/', { Cookie: cookie, Origin: 'http://evil.example' });
    expect(res.status).toBe(403);
    expect((await get(server.port, '/', { Cookie: cookie, Origin: 'null' })).status).toBe(403);
    const up = await connect(server.port, { cookie, origin: 'http://evil.example' });
    expect(up.refused).toBe(403);
    const rebound = await connect(server.port, { cookie, host: `evil.example:${server.port}` });
    expect(rebound.refused).toBe(403);
    const same = await connect(server.port, { cookie, origin: `http://127.0.0.1:${server.port}` });
    expect(same.refused).toBeNull();
    same.ws.close();
  });

  it('accepts the cookie only on requests the browser marks as same-origin or user-initiated', async () => {
    for (const site of ['same-origin', 'none']) {
      expect((await get(server.port, '/', { Cookie: cookie, 'Sec-Fetch-Site': site })).status, site).toBe(
        200,
      );
    }
    // Another page on 127.0.0.1 is "same-site" (ports do not count), so SameSite=Strict alone would let it embed.
    for (const site of ['same-site', 'cross-site']) {
      const res = await get(server.port, '/media/x', { Cookie: cookie, 'Sec-Fetch-Site': site });
      expect(res.status, site).toBe(403);
    }
    const link = await get(server.port, `/?token=${server.token}`, { 'Sec-Fetch-Site': 'cross-site' });
    expect(link.status).toBe(303);
    expect((await get(server.port, '/', { Cookie: cookie })).headers['cross-origin-resource-policy']).toBe(
      'same-origin',
    );
  });

  it('refuses the WebSocket upgrade without a valid token (401), and on any path but /api', async () => {
    expect((await connect(server.port)).refused).toBe(401);
    expect((await connect(server.port, { query: '?token=nope' })).refused).toBe(401);
    const byQuery = await connect(server.port, { query: `?token=${server.token}` });
    expect(byQuery.refused).toBeNull();
    byQuery.ws.close();
    const other = new WebSocket(`ws://127.0.0.1:${server.port}/other`, { headers: { Cookie: cookie } });
    const status = await new Promise<number>((resolve) =>
      other.on('unexpected-response', (_q, r) => resolve(r.statusCode ?? 0)),
    );
    expect(status).toBe(404);
  });

  it('round-trips invokes to the engine over the socket', async () => {
    const { ws } = await connect(server.port, { cookie });
    const api = client(ws);
    const info = await api.invoke('app.info', {});
    expect(info).toMatchObject({ type: 'result', ok: true, result: { name: 'MedPrep' } });
    const current = await api.invoke('project.current', {});
    expect(current).toMatchObject({ ok: true, result: { dir: path.join(tmp, 'project') } });
    ws.close();
  });

  it('answers unknown channels, bad arguments and junk with error results, and keeps the socket open', async () => {
    const { ws } = await connect(server.port, { cookie });
    const api = client(ws);
    expect(await api.invoke('fs.readFile', { path: '/etc/passwd' })).toMatchObject({
      ok: false,
      error: { code: 'bad-request' },
    });
    expect(await api.invoke('constructor', {})).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect(await api.invoke('project.open', { dir: 5 })).toMatchObject({
      ok: false,
      error: { code: 'bad-request' },
    });
    expect(await api.invoke('images.list', null)).toMatchObject({
      ok: false,
      error: { code: 'bad-request' },
    });
    ws.send('{not json');
    ws.send(JSON.stringify({ type: 'invoke', channel: 'app.info', args: {} }));
    ws.send(JSON.stringify([1, 2, 3]));
    ws.send(Buffer.from([0xff, 0x00]), { binary: true });
    expect(await api.invoke('app.info', {})).toMatchObject({ ok: true });
    expect(ws.readyState).toBe(WebSocket.OPEN);
    ws.close();
  });

  it('closes a socket that sends more than 1 MiB, and keeps serving others', async () => {
    const { ws } = await connect(server.port, { cookie });
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    ws.on('error', () => undefined);
    ws.send('x'.repeat(1024 * 1024 + 10));
    expect(await closed).toBe(1009);
    const again = await connect(server.port, { cookie });
    expect(await client(again.ws).invoke('app.info', {})).toMatchObject({ ok: true });
    again.ws.close();
  });

  it('pushes engine events to every open socket', async () => {
    const a = await connect(server.port, { cookie });
    const b = await connect(server.port, { cookie });
    const apiA = client(a.ws);
    const apiB = client(b.ws);
    expect(await apiA.invoke('project.close', {})).toMatchObject({ ok: true, result: null });
    await until(() => apiA.events.length > 0 && apiB.events.length > 0);
    for (const api of [apiA, apiB]) {
      expect(api.events).toContainEqual({ type: 'event', event: 'project.changed', payload: null });
    }
    await apiA.invoke('project.open', { dir: path.join(tmp, 'project') });
    await until(() => apiB.events.length > 1);
    expect(apiB.events[1]).toMatchObject({
      event: 'project.changed',
      payload: { dir: path.join(tmp, 'project') },
    });
    a.ws.close();
    b.ws.close();
  });

  it('refuses path traversal, encoded or not, and symlinks out of the renderer folder', async () => {
    for (const p of [
      '/../package.json',
      '/%2e%2e/package.json',
      '/..%2fpackage.json',
      '/%2e%2e%2f%2e%2e%2fsecret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/..%5csecret.txt',
      '/%00index.html',
      '/%zz',
      '/link.txt',
    ]) {
      const res = await get(server.port, p, { Cookie: cookie });
      expect([400, 403, 404], p).toContain(res.status);
      expect(res.body, p).not.toContain('outside the renderer');
      expect(res.body, p).not.toContain('"name"');
    }
  });

  it('answers 404 for media it cannot resolve and 405 for methods other than GET and HEAD', async () => {
    for (const p of [
      `/media/thumbs/${'0'.repeat(64)}.png`,
      '/media/thumbs/../../project.sqlite',
      '/media/x',
    ]) {
      expect((await get(server.port, p, { Cookie: cookie })).status, p).toBe(404);
    }
    const post = await get(server.port, '/', { Cookie: cookie }, 'POST');
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
  });

  it('answers 503 with a one-line hint while the renderer is not built', async () => {
    const empty = fs.mkdtempSync(path.join(tmp, 'empty-'));
    const other = await startServer(engine, { rendererDir: empty });
    try {
      const res = await get(other.port, '/', { Cookie: `medprep_session_${other.port}=${other.token}` });
      expect(res.status).toBe(503);
      expect(res.body).toBe('renderer not built: run npm run build:renderer');
      expect(other.token).not.toBe(server.token);
    } finally {
      await other.close();
    }
  });

  it('close() drops open sockets, stops listening and stops forwarding events', async () => {
    const other = await startServer(engine, { rendererDir });
    const { ws } = await connect(other.port, { cookie: `medprep_session_${other.port}=${other.token}` });
    const closed = new Promise<void>((resolve) => ws.on('close', () => resolve()));
    await other.close();
    await closed;
    await expect(get(other.port, '/')).rejects.toThrow(/ECONNREFUSED/);
  });
});
