// Hardening applied to the session and to every web contents. Electron objects are passed in (types only are
// imported), so the wiring is tested with stand-ins where the binary is missing.
import type { Session, WebContents } from 'electron';
import { isAllowedRequest, isAppUrl } from './policy.ts';

/** No permission is ever granted, and no request leaves the app's own scheme. */
export function hardenSession(ses: Session, opts: { devtools: boolean }): void {
  // The spellchecker would fetch dictionaries from a CDN; the window does not spellcheck anyway.
  ses.setSpellCheckerEnabled(false);
  ses.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  ses.setDevicePermissionHandler(() => false);
  ses.webRequest.onBeforeRequest((details, callback) =>
    callback({ cancel: !isAllowedRequest(details.url, opts) }),
  );
}

/** The page can never be replaced by another one, open windows, or host webviews. */
export function hardenWebContents(contents: WebContents): void {
  const stayInApp = (event: { preventDefault(): void }, url: string) => {
    if (!isAppUrl(url)) event.preventDefault();
  };
  contents.on('will-navigate', (event) => stayInApp(event, event.url));
  contents.on('will-frame-navigate', (event) => stayInApp(event, event.url));
  contents.on('will-redirect', (event) => stayInApp(event, event.url));
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}
