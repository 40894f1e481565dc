// Browser mode: the renderer over HTTP and the API over one WebSocket, on loopback only. A transport, no logic:
// it checks who is asking (Host, Origin, session token) and moves invokes, results and events.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { WebSocket, WebSocketServer } from 'ws';
import type { RawData } from 'ws';
import { EVENTS, type WireMessage } from '../api/contract.ts';
import { toErrorShape, type Engine } from '../engine/index.ts';
import { answerInvoke } from '../engine/process/answer.ts';
import {
  RENDERER_NOT_BUILT,
  contentSecurityPolicy,
  contentTypeFor,
  decodedPathname,
  rendererBuilt,
  resolveStaticFile,
} from './static-files.ts';

/** The engine as the server uses it: in this process (tests) or in its own process (EngineClient, `medprep serve`). */
export type ServedEngine = Pick<Engine, 'invoke' | 'on'> & {
  resolveMedia(urlPath: string): Promise<string | null> | string | null;
};

export interface ServerOptions {
  /** 0 or absent: any free port. */
  port?: number;
  /** The built renderer (dist/renderer). */
  rendererDir: string;
}

export interface RunningServer {
  /** The URL to open once; it carries the session token, which the server trades for a cookie. */
  url: string;
  port: number;
  token: string;
  /** The bound address, always 127.0.0.1. */
  address: string;
  close(): Promise<void>;
}

const HOST = '127.0.0.1';
const API_PATH = '/api';
const MAX_MESSAGE_BYTES = 1024 * 1024;

type Verdict = { ok: true; tokenInQuery: boolean } | { ok: false; status: 401 | 403; body: string };
const FORBIDDEN: Verdict = { ok: false, status: 403, body: 'forbidden' };
const UNAUTHORISED: Verdict = { ok: false, status: 401, body: 'unauthorised' };

export async function startServer(engine: ServedEngine, opts: ServerOptions): Promise<RunningServer> {
  const token = crypto.randomBytes(32).toString('base64url');
  const tokenDigest = digest(token);
  const sameToken = (candidate: string | undefined): boolean =>
    candidate !== undefined && crypto.timingSafeEqual(digest(candidate), tokenDigest);

  let allowedHosts = new Set<string>();
  let allowedOrigins = new Set<string>();
  let cookieName = '';
  let baseHeaders: Record<string, string> = {};

  /**
   * Host and Origin first (DNS rebinding, other pages), then the token from the query or the cookie. The cookie
   * counts only for requests the browser marks as coming from this origin or from the user: SameSite does not
   * separate ports, so a page on another 127.0.0.1 port is "same-site" and would otherwise ride on the cookie
   * with requests that carry no Origin (images, scripts, navigations).
   */
  const check = (req: IncomingMessage, url: URL): Verdict => {
    if (!allowedHosts.has((req.headers.host ?? '').toLowerCase())) return FORBIDDEN;
    const origin = req.headers.origin;
    if (origin !== undefined && !allowedOrigins.has(origin)) return FORBIDDEN;
    const fromQuery = url.searchParams.get('token');
    if (fromQuery !== null && sameToken(fromQuery)) return { ok: true, tokenInQuery: true };
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin' && site !== 'none') return FORBIDDEN;
    if (sameToken(cookieValue(req.headers.cookie, cookieName))) return { ok: true, tokenInQuery: false };
    return UNAUTHORISED;
  };

  const text = (res: ServerResponse, status: number, body: string, extra: Record<string, string> = {}) => {
    res.writeHead(status, {
      ...baseHeaders,
      ...extra,
      'Content-Type': 'text/plain; charset=utf-8',
      'Content-Length': String(Buffer.byteLength(body)),
    });
    res.end(body);
  };

  const sendFile = async (req: IncomingMessage, res: ServerResponse, file: string) => {
    const stat = await fs.promises.stat(file);
    res.writeHead(200, {
      ...baseHeaders,
      'Content-Type': contentTypeFor(file),
      'Content-Length': String(stat.size),
    });
    if (req.method === 'HEAD') return void res.end();
    await pipeline(fs.createReadStream(file), res);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', `http://${HOST}`);
    const verdict = check(req, url);
    if (!verdict.ok) return text(res, verdict.status, verdict.body);
    if (verdict.tokenInQuery) {
      // Trade the token for a cookie and drop it from the address bar; always to `/`, never to a path from the
      // request, so this can never become an open redirect.
      res.writeHead(303, {
        ...baseHeaders,
        'Set-Cookie': `${cookieName}=${token}; HttpOnly; SameSite=Strict; Path=/`,
        Location: '/',
        'Content-Length': '0',
      });
      return void res.end();
    }
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return text(res, 405, 'method not allowed', { Allow: 'GET, HEAD' });
    const pathname = decodedPathname(url);
    if (pathname === null) return text(res, 400, 'bad request');
    if (pathname.startsWith('/media/')) {
      const file = await engine.resolveMedia(pathname);
      return file === null ? text(res, 404, 'not found') : sendFile(req, res, file);
    }
    if (!(await rendererBuilt(opts.rendererDir))) return text(res, 503, RENDERER_NOT_BUILT);
    const file = await resolveStaticFile(opts.rendererDir, pathname);
    return file === null ? text(res, 404, 'not found') : sendFile(req, res, file);
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) text(res, 500, 'internal error');
      else res.destroy();
    });
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', `http://${HOST}`);
    const verdict = check(req, url);
    if (!verdict.ok) return refuseUpgrade(socket, verdict.status, verdict.body);
    if (url.pathname !== API_PATH) return refuseUpgrade(socket, 404, 'not found');
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  wss.on('connection', (ws: WebSocket) => {
    ws.on('error', () => ws.terminate());
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (!isBinary) void answer(engine, ws, data);
    });
  });

  const unsubscribe = EVENTS.map((event) =>
    engine.on(event, (payload) => {
      const frame = serialise({ type: 'event', event, payload });
      for (const ws of wss.clients) if (ws.readyState === WebSocket.OPEN) ws.send(frame);
    }),
  );

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('server has no TCP address');
  const port = address.port;
  allowedHosts = new Set([`${HOST}:${port}`, `localhost:${port}`]);
  allowedOrigins = new Set([`http://${HOST}:${port}`, `http://localhost:${port}`]);
  // Cookies ignore ports; a per-port name keeps two running servers from overwriting each other's session.
  cookieName = `medprep_session_${port}`;
  baseHeaders = {
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
    'Content-Security-Policy': contentSecurityPolicy([`ws://${HOST}:${port}`, `ws://localhost:${port}`]),
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'X-Frame-Options': 'DENY',
  };

  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      for (const off of unsubscribe) off();
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    })());

  return { url: `http://${HOST}:${port}/?token=${token}`, port, token, address: address.address, close };
}

/** One WireRequest in, one WireMessage out. Frames without a usable id cannot be answered and are dropped. */
async function answer(engine: ServedEngine, ws: WebSocket, data: RawData): Promise<void> {
  let msg: unknown;
  try {
    msg = JSON.parse(rawText(data));
  } catch {
    return;
  }
  if (!isRecord(msg) || msg.type !== 'invoke' || !Number.isSafeInteger(msg.id)) return;
  const id = msg.id as number;
  const reply = await answerInvoke(engine, id, msg.channel, msg.args);
  if (ws.readyState === WebSocket.OPEN) ws.send(serialise(reply, id));
}

/** JSON for the wire; a result that cannot be serialised becomes an internal error rather than a crash. */
function serialise(msg: WireMessage, id = 0): string {
  try {
    return JSON.stringify(msg);
  } catch {
    const error = toErrorShape(new Error('Result could not be serialised.'));
    return JSON.stringify({ type: 'result', id, ok: false, error } satisfies WireMessage);
  }
}

function refuseUpgrade(socket: Duplex, status: number, body: string): void {
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? ''}\r\n` +
      'Content-Type: text/plain; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}

function digest(value: string): Buffer {
  return crypto.createHash('sha256').update(value).digest();
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
