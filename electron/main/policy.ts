// The Electron front's security rules as pure functions and constants: no electron import at run time, so they
// are unit-tested in plain Node even where the Electron binary is missing.
import type { MessageBoxSyncOptions, WebPreferences } from 'electron';
import type { JobInfo } from '../api/contract.ts';
import { contentSecurityPolicy } from '../serve/static-files.ts';

export const APP_SCHEME = 'app';
export const APP_HOST = 'medprep';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_INDEX_URL = `${APP_ORIGIN}/index.html`;
/** The browser mode's policy without its WebSocket sources: under Electron the API travels over IPC. */
export const APP_CSP = contentSecurityPolicy();

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** True for the app's own pages (app://medprep/…): the only place the window may navigate or IPC may come from. */
export function isAppUrl(url: string): boolean {
  const u = parse(url);
  return u !== null && u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST;
}

/**
 * Whether the session lets a request through: the app's own scheme, inline data and blobs, and the DevTools
 * front end when DevTools are allowed. Everything else (http, https, ws, file, ftp, …) is cancelled: offline by
 * construction, and a compromised page cannot send patient data anywhere.
 */
export function isAllowedRequest(url: string, opts: { devtools: boolean }): boolean {
  const u = parse(url);
  if (u === null) return false;
  if (u.protocol === `${APP_SCHEME}:`) return u.host === APP_HOST;
  if (u.protocol === 'data:' || u.protocol === 'blob:') return true;
  return opts.devtools && u.protocol === 'devtools:';
}

/** The main window's web preferences: isolated, sandboxed, no Node, no webviews. */
export function secureWebPreferences(preload: string, opts: { devtools: boolean }): WebPreferences {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webviewTag: false,
    spellcheck: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
    devTools: opts.devtools,
  };
}

/** Button index of "Keep working" in the close prompt: the safe answer, also what Escape gives. */
export const KEEP_WORKING = 0;

/**
 * What the window asks before it closes while jobs are queued or running (null: close at once). Closing quits
 * the app and stops the job; what it committed stays and a re-run resumes from there, but a user who closes by
 * mistake should not have to find that out.
 */
export function closePrompt(active: readonly JobInfo[]): MessageBoxSyncOptions | null {
  if (active.length === 0) return null;
  const what = active.length === 1 ? `The ${active[0]!.kind} job is` : `${active.length} jobs are`;
  return {
    type: 'warning',
    title: 'MedPrep',
    message: `${what} still running.`,
    detail:
      'Closing MedPrep stops it. Everything it finished is kept, and running it again picks up where it ' +
      'stopped. To keep a job going without the window, use the browser mode (medprep serve).',
    buttons: ['Keep working', 'Stop and close'],
    defaultId: KEEP_WORKING,
    cancelId: KEEP_WORKING,
    noLink: true,
  };
}
