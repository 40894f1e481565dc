import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appProtocolHandler } from './app-protocol.ts';

describe('app:// protocol', () => {
  let tmp: string;
  let handler: (request: Request) => Promise<Response>;
  const thumb = 'a'.repeat(64);

  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'medprep-app-protocol-'));
    const renderer = path.join(tmp, 'renderer');
    fs.mkdirSync(path.join(renderer, 'assets'), { recursive: true });
    fs.writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>MedPrep</title>');
    fs.writeFileSync(path.join(renderer, 'assets', 'app.css'), 'body{}');
    fs.writeFileSync(path.join(tmp, 'secret.txt'), 'outside the renderer');
    fs.writeFileSync(path.join(tmp, 'thumb.png'), 'PNG');
    fs.symlinkSync(path.join(tmp, 'secret.txt'), path.join(renderer, 'link.txt'));
    handler = appProtocolHandler({
      rendererDir: renderer,
      resolveMedia: (p) => (p === `/media/thumbs/${thumb}.png` ? path.join(tmp, 'thumb.png') : null),
    });
  });

  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const get = (url: string, method = 'GET') => handler(new Request(url, { method }));

  it('serves index.html under the strict CSP, with nosniff', async () => {
    const res = await get('app://medprep/index.html');
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<title>MedPrep</title>');
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toContain("connect-src 'self';");
    expect((await get('app://medprep/')).status).toBe(200);
    const css = await get('app://medprep/assets/app.css');
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
  });

  it('serves media through the engine resolver and 404s what it does not know', async () => {
    const res = await get(`app://medprep/media/thumbs/${thumb}.png`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect((await get(`app://medprep/media/thumbs/${'b'.repeat(64)}.png`)).status).toBe(404);
  });

  it('answers GET only, on the medprep host only', async () => {
    expect((await get('app://medprep/index.html', 'POST')).status).toBe(405);
    expect((await get('app://medprep/index.html', 'HEAD')).status).toBe(405);
    expect((await get('app://other/index.html')).status).toBe(404);
  });

  it('never serves a file outside the renderer folder', async () => {
    for (const url of [
      'app://medprep/../secret.txt',
      'app://medprep/%2e%2e/secret.txt',
      'app://medprep/..%2fsecret.txt',
      'app://medprep/assets/..%2f..%2fsecret.txt',
      'app://medprep/..%5csecret.txt',
      'app://medprep/link.txt',
      'app://medprep/%00',
      'app://medprep/%zz',
      'app://medprep/missing.js',
    ]) {
      const res = await get(url);
      expect([400, 404], url).toContain(res.status);
      expect(await res.text(), url).not.toContain('outside the renderer');
    }
  });

  it('answers 503 while the renderer is not built', async () => {
    const empty = appProtocolHandler({ rendererDir: path.join(tmp, 'nothing'), resolveMedia: () => null });
    const res = await empty(new Request('app://medprep/index.html'));
    expect(res.status).toBe(503);
    expect(await res.text()).toBe('renderer not built: run npm run build:renderer');
  });
});
