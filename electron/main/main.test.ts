// main.ts against a stand-in 'electron' module: the wiring (order, hardening, protocol, IPC, window) is checked
// here because the Electron binary cannot be installed everywhere the tests run.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';

const fake = vi.hoisted(() => {
  const log: string[] = [];
  const appEvents = new Map<string, (...args: unknown[]) => void>();
  const ipcHandlers = new Map<string, (...args: unknown[]) => unknown>();
  const windows: { options: Record<string, unknown>; url: string | null; sent: unknown[][] }[] = [];
  let resolveReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (resolveReady = resolve));
  const state = {
    userData: '',
    appPath: '',
    protocolHandler: null as null | ((r: Request) => Promise<Response>),
  };
  const session = {
    setSpellCheckerEnabled: () => log.push('session.spellChecker'),
    setPermissionRequestHandler: () => log.push('session.permissionRequest'),
    setPermissionCheckHandler: () => log.push('session.permissionCheck'),
    setDevicePermissionHandler: () => log.push('session.devicePermission'),
    webRequest: { onBeforeRequest: () => log.push('session.onBeforeRequest') },
  };
  class BrowserWindow {
    readonly record: (typeof windows)[number];
    readonly webContents = { send: (...args: unknown[]) => this.record.sent.push(args) };
    constructor(options: Record<string, unknown>) {
      this.record = { options, url: null, sent: [] };
      windows.push(this.record);
      log.push('window');
    }
    once() {}
    on() {}
    isDestroyed() {
      return false;
    }
    async loadURL(url: string) {
      this.record.url = url;
      log.push(`loadURL ${url}`);
    }
    static fromWebContents() {
      return null;
    }
  }
  const electron = {
    app: {
      isPackaged: false,
      setPath: (name: string, value: string) => {
        log.push(`setPath ${name}`);
        if (name === 'userData') state.userData = value;
      },
      getPath: () => state.userData,
      getAppPath: () => state.appPath,
      enableSandbox: () => log.push('enableSandbox'),
      requestSingleInstanceLock: () => (log.push('singleInstanceLock'), true),
      quit: () => log.push('quit'),
      on: (event: string, listener: (...args: unknown[]) => void) => appEvents.set(event, listener),
      whenReady: () => ready,
    },
    protocol: {
      registerSchemesAsPrivileged: (schemes: unknown) =>
        log.push(`registerSchemes ${JSON.stringify(schemes)}`),
      handle: (scheme: string, handler: (r: Request) => Promise<Response>) => {
        log.push(`protocol.handle ${scheme}`);
        state.protocolHandler = handler;
      },
    },
    session: { defaultSession: session },
    ipcMain: {
      handle: (channel: string, h: (...args: unknown[]) => unknown) => ipcHandlers.set(channel, h),
      removeHandler: (channel: string) => ipcHandlers.delete(channel),
    },
    dialog: { showOpenDialog: async () => ({ canceled: false, filePaths: ['/picked'] }) },
    BrowserWindow,
  };
  return { electron, log, appEvents, ipcHandlers, windows, resolveReady, state };
});

vi.mock('electron', () => fake.electron);

describe('Electron main', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'medprep-main-'));
  afterAll(() => {
    vi.unstubAllEnvs();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('registers the app scheme and the sandbox before ready, then hardens, serves and opens app://', async () => {
    fake.state.appPath = path.join(tmp, 'app');
    fs.mkdirSync(path.join(fake.state.appPath, 'dist', 'renderer'), { recursive: true });
    fs.writeFileSync(
      path.join(fake.state.appPath, 'dist', 'renderer', 'index.html'),
      '<title>MedPrep</title>',
    );
    vi.stubEnv('MEDPREP_USER_DATA_DIR', path.join(tmp, 'user-data'));
    await import('./main.ts');
    expect(fake.log.slice(0, 4)).toEqual([
      'setPath userData',
      'registerSchemes [{"scheme":"app","privileges":{"standard":true,"secure":true,"supportFetchAPI":true}}]',
      'enableSandbox',
      'singleInstanceLock',
    ]);
    expect(fake.log).not.toContain('window');
    fake.resolveReady();
    await vi.waitFor(() => expect(fake.windows[0]?.url).toBe('app://medprep/index.html'));
    const afterReady = fake.log.slice(4);
    expect(afterReady.indexOf('session.onBeforeRequest')).toBeLessThan(afterReady.indexOf('window'));
    expect(afterReady).toContain('session.permissionRequest');
    expect(afterReady).toContain('protocol.handle app');
    expect(fake.appEvents.has('web-contents-created')).toBe(true);
    expect(fake.windows[0]!.options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webviewTag: false,
      preload: expect.stringMatching(/preload[/\\]preload\.cjs$/),
    });
    const page = await fake.state.protocolHandler!(new Request('app://medprep/index.html'));
    expect(await page.text()).toBe('<title>MedPrep</title>');
  });

  it('answers IPC through the engine and pushes its events to the window', async () => {
    const event = { senderFrame: { url: 'app://medprep/index.html' }, sender: {} };
    const info = await fake.ipcHandlers.get('app.info')!(event, {});
    expect(info).toMatchObject({ ok: true, result: { name: 'MedPrep' } });
    expect(await fake.ipcHandlers.get('dialog.pickFolder')!(event)).toEqual({ ok: true, result: '/picked' });
    const dir = path.join(tmp, 'project');
    expect(await fake.ipcHandlers.get('project.create')!(event, { dir })).toMatchObject({ ok: true });
    expect(fake.windows[0]!.sent).toContainEqual([
      'medprep:event',
      'project.changed',
      expect.objectContaining({ dir }),
    ]);
  });

  it('closes the engine before quitting', async () => {
    let prevented = false;
    fake.appEvents.get('will-quit')!({ preventDefault: () => (prevented = true) });
    expect(prevented).toBe(true);
    await vi.waitFor(() => expect(fake.log.at(-1)).toBe('quit'));
    fake.appEvents.get('will-quit')!({ preventDefault: () => expect.fail('quit twice') });
  });
});
