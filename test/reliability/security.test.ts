// Browser mode as a user runs it: a real `medprep serve` process on a real project. In-process behaviour
// (every header, the WebSocket, traversal in the renderer folder) is electron/serve/server.test.ts; the
// Electron window's request policy is electron/main/{policy,security}.test.ts. Here: no option binds
// beyond loopback, the kernel's socket table shows a loopback-only listener, token, Host and Origin hold
// against the real process, media is confined to the thumbnail cache after resolving links (a link planted
// in the cache does not serve the database or the key), and no project file is reachable by any path.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');
const bin = path.join(repoRoot, 'electron', 'cli', 'bin.js');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'medprep-security-'));
const project = path.join(work, 'project');
let child: ChildProcess;
let url: URL;
let cookie = '';

beforeAll(async () => {
  const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
  expect(run('init', project).status).toBe(0);
  expect(run('import', project, path.join(repoRoot, 'resources', 'sample-data', 'padchest')).status).toBe(0);
  child = spawn(process.execPath, [bin, 'serve', project, '--port', '0', '--json']);
  url = await new Promise<URL>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(new URL((JSON.parse(out.split('\n')[0]!) as { url: string }).url));
    });
    child.on('exit', (code) => reject(new Error(`serve exited ${code}`)));
  });
  const first = await fetch(url, { redirect: 'manual' });
  cookie = first.headers.get('set-cookie')!.split(';')[0]!;
}, 120_000);

afterAll(async () => {
  child?.kill('SIGTERM');
  await new Promise((r) => child?.once('exit', r));
  fs.rmSync(work, { recursive: true, force: true });
});

/** A GET with the session cookie; node:http, because fetch will not send a Host header of our choosing. */
function get(
  p: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      { host: '127.0.0.1', port: url.port, path: p, headers: { cookie, ...headers } },
      (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, headers: res.headers });
      },
    );
    req.on('error', reject);
  });
}

describe('browser mode, real process', () => {
  it('offers no option to listen beyond loopback', () => {
    for (const opt of ['--host', '--bind', '--address', '--listen']) {
      const r = spawnSync(process.execPath, [bin, 'serve', project, opt, '0.0.0.0'], {
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(r.status, opt).toBe(2);
      expect(r.stderr).toContain('Unknown option');
    }
  });

  it.skipIf(!fs.existsSync('/proc/net/tcp'))(
    'the kernel shows its one listener on 127.0.0.1, nowhere else',
    () => {
      const port = Number(url.port).toString(16).toUpperCase().padStart(4, '0');
      const listeners = ['/proc/net/tcp', '/proc/net/tcp6']
        .filter((f) => fs.existsSync(f))
        .flatMap((f) => fs.readFileSync(f, 'utf8').split('\n').slice(1))
        .map((l) => l.trim().split(/\s+/u))
        .filter((c) => c[1]?.endsWith(`:${port}`) && c[3] === '0A') // 0A: LISTEN
        .map((c) => c[1]!.split(':')[0]);
      expect(listeners).toEqual(['0100007F']); // 127.0.0.1, little-endian hex
    },
  );

  it('needs the token, and holds Host and Origin (DNS rebinding)', async () => {
    expect((await fetch(new URL('/', url.origin))).status).toBe(401);
    const page = await get('/');
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    expect((await get('/', { host: `rebind.example:${url.port}` })).status).toBe(403);
    expect((await get('/', { origin: 'http://rebind.example' })).status).toBe(403);
    expect((await get('/', { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
  });

  it('serves thumbnails, and nothing else of the project by any path', async () => {
    const db = new Database(path.join(project, 'project.db'), { readonly: true });
    const rows = db
      .prepare('SELECT pixel_hash, thumbnail FROM images WHERE thumbnail IS NOT NULL LIMIT 2')
      .all() as {
      pixel_hash: string;
      thumbnail: string;
    }[];
    db.close();
    const ok = await get(`/media/thumbs/${rows[0]!.pixel_hash}.png`);
    expect(ok.status).toBe(200);
    expect(ok.headers['content-type']).toBe('image/png');
    for (const p of [
      '/project.db',
      '/secret.key',
      '/media/project.db',
      '/media/thumbs/../../project.db',
      '/media/thumbs/%2e%2e/%2e%2e/secret.key',
      `/media/${rows[0]!.thumbnail}`,
      `/cache/${rows[0]!.thumbnail}`,
    ]) {
      const r = await get(p);
      expect([p, r.status]).toEqual([p, expect.any(Number)]);
      expect([400, 404]).toContain(r.status);
    }
  });

  it('does not follow a link planted in the thumbnail cache to the database or the key', async () => {
    const db = new Database(path.join(project, 'project.db'), { readonly: true });
    const row = db
      .prepare('SELECT pixel_hash, thumbnail FROM images WHERE thumbnail IS NOT NULL LIMIT 1')
      .get() as {
      pixel_hash: string;
      thumbnail: string;
    };
    db.close();
    const thumb = path.join(project, 'cache', row.thumbnail);
    for (const target of ['project.db', 'secret.key']) {
      fs.rmSync(thumb);
      fs.symlinkSync(path.join(project, target), thumb);
      const r = await get(`/media/thumbs/${row.pixel_hash}.png`);
      expect([target, r.status]).toEqual([target, 404]);
    }
  });

  it('serves neither a hard link nor a copy planted in the cache in place of a thumbnail', async () => {
    const db = new Database(path.join(project, 'project.db'), { readonly: true });
    const row = db
      .prepare(
        'SELECT pixel_hash, thumbnail FROM images WHERE thumbnail IS NOT NULL ORDER BY id DESC LIMIT 1',
      )
      .get() as { pixel_hash: string; thumbnail: string };
    db.close();
    const thumb = path.join(project, 'cache', row.thumbnail);
    const url = `/media/thumbs/${row.pixel_hash}.png`;
    expect((await get(url)).status).toBe(200);
    const original = fs.readFileSync(thumb);
    try {
      for (const target of ['project.db', 'secret.key']) {
        // A hard link passes path confinement (it is a regular file inside the cache); its link count does not.
        fs.rmSync(thumb);
        fs.linkSync(path.join(project, target), thumb);
        expect([target, 'hard link', (await get(url)).status]).toEqual([target, 'hard link', 404]);
        // A copy (one link) is not what the engine wrote there: not a PNG.
        fs.rmSync(thumb);
        fs.copyFileSync(path.join(project, target), thumb);
        expect([target, 'copy', (await get(url)).status]).toEqual([target, 'copy', 404]);
      }
      // A PNG with a second link (a backup tool's hard-link snapshot, say) is refused too.
      fs.rmSync(thumb);
      fs.writeFileSync(thumb, original, { mode: 0o600 });
      fs.linkSync(thumb, `${thumb}.bak`);
      expect((await get(url)).status).toBe(404);
      fs.rmSync(`${thumb}.bak`);
      expect((await get(url)).status).toBe(200);
    } finally {
      fs.rmSync(thumb, { force: true });
      fs.writeFileSync(thumb, original, { mode: 0o600 });
    }
  });
});
