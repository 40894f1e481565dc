import { EventEmitter } from 'node:events';
import type { Session, WebContents } from 'electron';
import { describe, expect, it } from 'vitest';
import { hardenSession, hardenWebContents } from './security.ts';

type Fn = (...args: never[]) => unknown;

/** Records the handlers hardenSession installs, as a Session would. */
function fakeSession() {
  const handlers: Record<string, Fn> = {};
  const ses = {
    setSpellCheckerEnabled: (on: boolean) => (handlers.spellChecker = () => on),
    setPermissionRequestHandler: (h: Fn) => (handlers.permissionRequest = h),
    setPermissionCheckHandler: (h: Fn) => (handlers.permissionCheck = h),
    setDevicePermissionHandler: (h: Fn) => (handlers.devicePermission = h),
    webRequest: { onBeforeRequest: (h: Fn) => (handlers.beforeRequest = h) },
  };
  return { ses: ses as unknown as Session, handlers };
}

function fakeContents() {
  const emitter = new EventEmitter();
  let openHandler: (() => unknown) | null = null;
  const contents = Object.assign(emitter, {
    setWindowOpenHandler: (h: () => unknown) => (openHandler = h),
  });
  /** Emits an Electron-style event and says whether a handler prevented it. */
  const fire = (name: string, url?: string): boolean => {
    let prevented = false;
    emitter.emit(name, { url, preventDefault: () => (prevented = true) }, url);
    return prevented;
  };
  return { contents: contents as unknown as WebContents, fire, open: () => openHandler?.() };
}

describe('session and window hardening', () => {
  it('refuses every permission request and check', () => {
    const { ses, handlers } = fakeSession();
    hardenSession(ses, { devtools: false });
    const answers: boolean[] = [];
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read']) {
      (handlers.permissionRequest as (wc: unknown, p: string, cb: (ok: boolean) => void) => void)(
        null,
        permission,
        (ok) => answers.push(ok),
      );
    }
    expect(answers).toEqual([false, false, false, false]);
    expect((handlers.permissionCheck as () => boolean)()).toBe(false);
    expect((handlers.devicePermission as () => boolean)()).toBe(false);
    expect((handlers.spellChecker as () => boolean)()).toBe(false);
  });

  it('cancels every request that is not app:, data: or blob:', () => {
    const { ses, handlers } = fakeSession();
    hardenSession(ses, { devtools: false });
    const cancelled = (url: string) => {
      let answer: { cancel?: boolean } = {};
      (handlers.beforeRequest as (d: { url: string }, cb: (r: { cancel?: boolean }) => void) => void)(
        { url },
        (r) => (answer = r),
      );
      return answer.cancel;
    };
    expect(cancelled('https://example.com/')).toBe(true);
    expect(cancelled('file:///etc/passwd')).toBe(true);
    expect(cancelled('ws://127.0.0.1:1/')).toBe(true);
    expect(cancelled('app://medprep/index.html')).toBe(false);
    expect(cancelled('data:text/plain,hi')).toBe(false);
  });

  it('keeps the window on the app page and opens no windows or webviews', () => {
    const { contents, fire, open } = fakeContents();
    hardenWebContents(contents);
    for (const event of ['will-navigate', 'will-frame-navigate', 'will-redirect']) {
      expect(fire(event, 'https://example.com/'), event).toBe(true);
      expect(fire(event, 'file:///etc/passwd'), event).toBe(true);
      expect(fire(event, 'app://medprep/index.html'), event).toBe(false);
    }
    expect(fire('will-attach-webview')).toBe(true);
    expect(open()).toEqual({ action: 'deny' });
  });
});
