// The Electron main process: wiring only. The engine does the work in its own utility process (so no store
// access, index build or write transaction ever blocks a window); policy.ts, security.ts, app-protocol.ts and
// ipc.ts hold the rules. No auto-updater, no crash reporter, no telemetry: nothing here opens a connection.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BrowserWindow, app, dialog, ipcMain, protocol, session } from 'electron';
import type { OpenDialogOptions } from 'electron';
import { ENGINE_PROCESS_SCRIPT, EngineClient } from '../engine/process/client.ts';
import { appProtocolHandler } from './app-protocol.ts';
import { EVENT_CHANNEL, forwardEvents, registerIpc } from './ipc.ts';
import { APP_INDEX_URL, APP_SCHEME, KEEP_WORKING, closePrompt, secureWebPreferences } from './policy.ts';
import { hardenSession, hardenWebContents } from './security.ts';
import { utilityEngine, utilityHost } from './utility.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
// Built next to this file by tsc (electron/preload/preload.cts → dist/electron/preload/preload.cjs).
const PRELOAD = path.join(here, '..', 'preload', 'preload.cjs');
const devtools = !app.isPackaged;

// End-to-end tests give each run its own profile; a packaged app always uses the standard location.
if (!app.isPackaged && process.env.MEDPREP_USER_DATA_DIR)
  app.setPath('userData', process.env.MEDPREP_USER_DATA_DIR);

protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
]);
app.enableSandbox();

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  start().catch((err: unknown) => {
    // Nothing works without the engine: say so (the message names a file at most, never patient data) and quit.
    dialog.showErrorBox('MedPrep could not start', err instanceof Error ? err.message : String(err));
    app.quit();
  });
}

async function start(): Promise<void> {
  const appPath = app.getAppPath();
  let window: BrowserWindow | null = null;
  let engine: EngineClient | null = null;

  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents));
  app.on('second-instance', () => {
    if (!window) return;
    if (window.isMinimized()) window.restore();
    window.focus();
  });
  app.on('window-all-closed', () => app.quit());
  let engineClosed = false;
  app.on('will-quit', (event) => {
    if (engineClosed || !engine) return;
    // Finish the engine first (jobs checkpoint, the database closes cleanly), then quit for real.
    event.preventDefault();
    void engine.close().finally(() => {
      engineClosed = true;
      app.quit();
    });
  });

  await app.whenReady();
  // Utility processes can be started once the app is ready; the engine resolves its own resources.
  engine = await EngineClient.start(utilityEngine(ENGINE_PROCESS_SCRIPT), {
    engine: { sampleProjectDir: path.join(app.getPath('userData'), 'sample-project') },
    modelHosts: utilityHost,
  });
  const running = engine;
  running.onCrash((code) => {
    dialog.showErrorBox(
      'MedPrep stopped',
      `The MedPrep engine stopped unexpectedly (exit code ${code ?? 'none'}). MedPrep will close. Work that ` +
        'finished is kept, and running an interrupted job again resumes it.',
    );
    app.quit();
  });
  hardenSession(session.defaultSession, { devtools });
  protocol.handle(
    APP_SCHEME,
    appProtocolHandler({
      rendererDir: path.join(appPath, 'dist', 'renderer'),
      resolveMedia: (urlPath) => running.resolveMedia(urlPath),
    }),
  );
  registerIpc(ipcMain, {
    engine: running,
    pickFolder: async (event) => {
      const options: OpenDialogOptions = { properties: ['openDirectory', 'createDirectory'] };
      const owner = BrowserWindow.fromWebContents(event.sender);
      const picked = owner
        ? await dialog.showOpenDialog(owner, options)
        : await dialog.showOpenDialog(options);
      return picked.canceled ? null : (picked.filePaths[0] ?? null);
    },
  });
  forwardEvents(running, (event, payload) => {
    if (window && !window.isDestroyed()) window.webContents.send(EVENT_CHANNEL, event, payload);
  });

  window = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 800,
    minHeight: 560,
    title: 'MedPrep',
    show: false,
    webPreferences: secureWebPreferences(PRELOAD, { devtools }),
  });
  const shown = window;
  shown.once('ready-to-show', () => shown.show());
  // A running job stops when the app closes (it resumes on the next run): ask before that happens.
  shown.on('close', (event) => {
    const prompt = closePrompt(running.activeJobs());
    if (prompt && dialog.showMessageBoxSync(shown, prompt) === KEEP_WORKING) event.preventDefault();
  });
  shown.on('closed', () => {
    window = null;
  });
  await shown.loadURL(APP_INDEX_URL);
}
