// Pure file-serving rules shared by both fronts that serve the renderer (browser mode over HTTP, Electron over
// app://). Plain Node, no electron import, so the Electron protocol handler's rules are tested here too.
import fs from 'node:fs';
import path from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
};

export function contentTypeFor(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** The renderer's CSP; `connect` adds sources to connect-src (the browser mode's WebSocket). */
export function contentSecurityPolicy(connect: readonly string[] = []): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    ["connect-src 'self'", ...connect].join(' '),
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'none'",
  ].join('; ');
}

export const RENDERER_NOT_BUILT = 'renderer not built: run npm run build:renderer';

/** True when `target` is `root` itself or lies below it (path.relative, not startsWith: `/a/bc` is not in `/a/b`). */
export function isInside(root: string, target: string): boolean {
  const rel = path.relative(root, target);
  return rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}

/** The decoded pathname of a request URL, or null when it cannot be decoded or holds a NUL byte. */
export function decodedPathname(url: URL): string | null {
  let pathname: string;
  try {
    pathname = decodeURIComponent(url.pathname);
  } catch {
    return null;
  }
  return pathname.includes('\0') ? null : pathname;
}

/**
 * Maps a decoded URL pathname to a regular file inside `root` (`/` → index.html), or null. Both the lexical
 * path and the real path (after symlinks) must stay inside the real root, so neither `..` nor a link escapes.
 */
export async function resolveStaticFile(root: string, pathname: string): Promise<string | null> {
  let realRoot: string;
  try {
    realRoot = await fs.promises.realpath(root);
  } catch {
    return null;
  }
  const rel = pathname.replace(/^[/\\]+/, '');
  const candidate = path.resolve(realRoot, rel === '' ? 'index.html' : rel);
  if (!isInside(realRoot, candidate)) return null;
  try {
    const real = await fs.promises.realpath(candidate);
    if (!isInside(realRoot, real)) return null;
    return (await fs.promises.stat(real)).isFile() ? real : null;
  } catch {
    return null;
  }
}

/** Whether the renderer has been built into `root` (it has an index.html). */
export function rendererBuilt(root: string): Promise<boolean> {
  return fs.promises
    .stat(path.join(root, 'index.html'))
    .then((s) => s.isFile())
    .catch(() => false);
}
