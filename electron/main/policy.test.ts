import { describe, expect, it } from 'vitest';
import type { JobInfo } from '../api/contract.ts';
import {
  APP_CSP,
  APP_INDEX_URL,
  KEEP_WORKING,
  closePrompt,
  isAllowedRequest,
  isAppUrl,
  secureWebPreferences,
} from './policy.ts';

const job = (kind: JobInfo['kind'], state: JobInfo['state']): JobInfo => ({
  id: `${kind}-1`,
  kind,
  state,
  done: 3,
  total: 10,
  totalKnown: true,
  rate: 1,
  eta: 7,
  errors: 0,
  message: '',
  startedAt: '2026-11-25T10:00:00Z',
  finishedAt: null,
});

describe('Electron policy', () => {
  it('treats only app://medprep/… as the app page', () => {
    expect(APP_INDEX_URL).toBe('app://medprep/index.html');
    for (const url of ['app://medprep/index.html', 'app://medprep/', 'app://medprep/index.html#/images']) {
      expect(isAppUrl(url), url).toBe(true);
    }
    for (const url of [
      'https://example.com',
      'http://medprep/index.html',
      'app://evil/index.html',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'about:blank',
      'not a url',
      '',
    ]) {
      expect(isAppUrl(url), url).toBe(false);
    }
  });

  it('lets through the app scheme, data: and blob: only; devtools: only when DevTools are allowed', () => {
    const off = { devtools: false };
    for (const url of [
      'app://medprep/assets/app.js',
      'data:image/png;base64,AAAA',
      'blob:app://medprep/1234',
    ]) {
      expect(isAllowedRequest(url, off), url).toBe(true);
    }
    for (const url of [
      'https://example.com/',
      'http://127.0.0.1:8080/',
      'ws://127.0.0.1:8080/api',
      'wss://example.com/',
      'file:///etc/passwd',
      'ftp://example.com/',
      'chrome://settings',
      'app://elsewhere/x',
      'devtools://devtools/bundled/devtools_app.html',
      'garbage',
    ]) {
      expect(isAllowedRequest(url, off), url).toBe(false);
    }
    expect(isAllowedRequest('devtools://devtools/bundled/devtools_app.html', { devtools: true })).toBe(true);
    expect(isAllowedRequest('https://example.com/', { devtools: true })).toBe(false);
  });

  it('gives the window isolated, sandboxed web preferences without Node', () => {
    const prefs = secureWebPreferences('/app/preload.cjs', { devtools: false });
    expect(prefs).toMatchObject({
      preload: '/app/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      spellcheck: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      devTools: false,
    });
  });

  it('uses the strict CSP without WebSocket sources', () => {
    expect(APP_CSP).toContain("connect-src 'self';");
    expect(APP_CSP).not.toContain('ws:');
    expect(APP_CSP).toContain("script-src 'self';");
    expect(APP_CSP).toContain("object-src 'none'");
  });

  it('asks before closing only while jobs run, naming them, with "Keep working" as the safe default', () => {
    expect(closePrompt([])).toBeNull();
    const one = closePrompt([job('import', 'running')])!;
    expect(one.message).toBe('The import job is still running.');
    expect(one.detail).toContain('Everything it finished is kept');
    expect(one.buttons![KEEP_WORKING]).toBe('Keep working');
    expect(one.defaultId).toBe(KEEP_WORKING);
    expect(one.cancelId).toBe(KEEP_WORKING);
    expect(closePrompt([job('deid', 'running'), job('export', 'queued')])!.message).toBe(
      '2 jobs are still running.',
    );
  });
});
