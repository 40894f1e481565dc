// The app:// protocol handler: the built renderer and the project's media, read-only. Written against the
// Fetch API's Request and Response (global in Node too), so it is tested without Electron.
import fs from 'node:fs';
import {
  RENDERER_NOT_BUILT,
  contentTypeFor,
  decodedPathname,
  rendererBuilt,
  resolveStaticFile,
} from '../serve/static-files.ts';
import { APP_CSP, APP_HOST } from './policy.ts';

export interface AppProtocolDeps {
  /** The built renderer (dist/renderer in the app folder). */
  rendererDir: string;
  /** The engine's media resolver (across its process in the app): a URL path to a confined file, or null. */
  resolveMedia(urlPath: string): Promise<string | null> | string | null;
}

const BASE_HEADERS = {
  'Content-Security-Policy': APP_CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

function text(status: number, body: string, extra: Record<string, string> = {}): Response {
  return new Response(body, {
    status,
    headers: { ...BASE_HEADERS, ...extra, 'Content-Type': 'text/plain; charset=utf-8' },
  });
}

async function file(path: string): Promise<Response> {
  const body = await fs.promises.readFile(path);
  return new Response(body, {
    status: 200,
    headers: { ...BASE_HEADERS, 'Content-Type': contentTypeFor(path) },
  });
}

/** GET only, one host; `/media/…` goes to the engine, everything else to a file inside the renderer folder. */
export function appProtocolHandler(deps: AppProtocolDeps): (request: Request) => Promise<Response> {
  return async (request) => {
    if (request.method !== 'GET') return text(405, 'method not allowed', { Allow: 'GET' });
    const url = new URL(request.url);
    if (url.host !== APP_HOST) return text(404, 'not found');
    const pathname = decodedPathname(url);
    if (pathname === null) return text(400, 'bad request');
    try {
      if (pathname.startsWith('/media/')) {
        const media = await deps.resolveMedia(pathname);
        return media === null ? text(404, 'not found') : await file(media);
      }
      if (!(await rendererBuilt(deps.rendererDir))) return text(503, RENDERER_NOT_BUILT);
      const found = await resolveStaticFile(deps.rendererDir, pathname);
      return found === null ? text(404, 'not found') : await file(found);
    } catch {
      return text(500, 'internal error');
    }
  };
}
