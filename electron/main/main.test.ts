// main.ts against a stand-in 'electron' module: the wiring (order, hardening, protocol, IPC, window) is checked
// here because the Electron binary cannot be installed everywhere the tests run.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { TEST_MODELS_DIR } from '../../native-models/test-helpers.ts';
import { sampleMimic } from '../../test/support/dicom-tree.ts';

const fake = vi.hoisted(() => {
  const log: string[] = [];
  const appEvents = new Map<string, (...args: unknown[]) => void>();
  const ipcHandlers = new Map<string, (...args: unknown[]) => unknown>();
  const windows: {
    options: Record<string, unknown>;
    url: string | null;
    sent: unknown[][];
    handlers: Map<string, (...args: unknown[]) => void>;
  }[] = [];
  const prompts: { message?: string; buttons?: string[] }[] = [];
  const engines: { kill(signal: 'SIGKILL'): unknown }[] = [];
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
      this.record = { options, url: null, sent: [], handlers: new Map() };
      windows.push(this.record);
      log.push('window');
    }
    once() {}
    on(event: string, listener: (...args: unknown[]) => void) {
      this.record.handlers.set(event, listener);
    }
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
    dialog: {
      showOpenDialog: async () => ({ canceled: false, filePaths: ['/picked'] }),
      // The user answers "Keep working" (button 0).
      showMessageBoxSync: (_w: unknown, options: { message?: string; buttons?: string[] }) => {
        prompts.push(options);
        return 0;
      },
      showErrorBox: (title: string) => log.push(`errorBox ${title}`),
    },
    BrowserWindow,
  };
  return { electron, log, appEvents, ipcHandlers, windows, prompts, engines, resolveReady, state };
});

// utilityProcess.fork stands in as child_process.fork of the same script: the engine runs in a real process.
vi.mock('electron', async () => {
  const { fork } = await import('node:child_process');
  const utilityProcess = {
    fork: (script: string, args: string[], options: { serviceName?: string }) => {
      fake.log.push(`utilityProcess ${options.serviceName ?? ''}`);
      const child = fork(script, args, { execArgv: [], serialization: 'advanced', stdio: 'inherit' });
      if (options.serviceName === 'MedPrep engine') fake.engines.push(child);
      return {
        get pid() {
          return child.pid;
        },
        postMessage: (m: unknown) => child.send(m as never),
        on: (event: string, listener: (...args: unknown[]) => void) => child.on(event, listener),
        kill: () => child.kill(),
        stderr: null,
      };
    },
  };
  return { ...fake.electron, utilityProcess };
});

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
    vi.stubEnv('MEDPREP_MODELS_DIR', TEST_MODELS_DIR);
    await import('./main.ts');
    expect(fake.log.slice(0, 4)).toEqual([
      'setPath userData',
      'registerSchemes [{"scheme":"app","privileges":{"standard":true,"secure":true,"supportFetchAPI":true}}]',
      'enableSandbox',
      'singleInstanceLock',
    ]);
    expect(fake.log).not.toContain('window');
    fake.resolveReady();
    // The window opens once the engine process has started and answered.
    await vi.waitFor(() => expect(fake.windows[0]?.url).toBe('app://medprep/index.html'), {
      timeout: 30_000,
    });
    const afterReady = fake.log.slice(4);
    expect(afterReady.indexOf('session.onBeforeRequest')).toBeLessThan(afterReady.indexOf('window'));
    expect(afterReady).toContain('session.permissionRequest');
    expect(afterReady).toContain('protocol.handle app');
    expect(afterReady[0]).toBe('utilityProcess MedPrep engine');
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

  it('answers IPC through the engine process and pushes its events to the window', async () => {
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

  it('starts the model hosts the engine asks for as utility processes too (fork is fused off when packaged)', async () => {
    const event = { senderFrame: { url: 'app://medprep/index.html' }, sender: {} };
    const invoke = async <T>(channel: string, args: unknown) =>
      ((await fake.ipcHandlers.get(channel)!(event, args)) as { result: T }).result;
    const job = await invoke<{ id: string }>('models.check', { ids: ['test-ner'], device: 'cpu' });
    await vi.waitFor(
      async () => {
        const jobs = await invoke<{ id: string; state: string }[]>('jobs.list', {});
        expect(jobs.find((j) => j.id === job.id)?.state).toBe('done');
      },
      { timeout: 60_000, interval: 200 },
    );
    expect(await invoke('models.result', { jobId: job.id })).toMatchObject({
      checks: [{ id: 'test-ner', status: 'verified' }],
    });
    expect(fake.log.filter((l) => l.startsWith('utilityProcess'))).toEqual([
      'utilityProcess MedPrep engine',
      'utilityProcess MedPrep models',
    ]);
  });

  it('asks before the window closes while a job runs, and closes at once when none does', async () => {
    const event = { senderFrame: { url: 'app://medprep/index.html' }, sender: {} };
    const close = fake.windows[0]!.handlers.get('close')!;
    let prevented = false;
    close({ preventDefault: () => (prevented = true) });
    expect(fake.prompts).toEqual([]);
    expect(prevented).toBe(false);

    // A real import of the sample data, still queued or running right after it starts.
    const started = (await fake.ipcHandlers.get('import.start')!(event, { source: sampleMimic })) as {
      ok: boolean;
      result: { id: string };
    };
    expect(started.ok).toBe(true);
    close({ preventDefault: () => (prevented = true) });
    expect(fake.prompts).toEqual([expect.objectContaining({ message: 'The import job is still running.' })]);
    expect(prevented).toBe(true); // "Keep working"
    const done = (await fake.ipcHandlers.get('jobs.list')!(event, {})) as { result: { id: string }[] };
    expect(done.result.map((j) => j.id)).toContain(started.result.id);
    await vi.waitFor(
      async () => {
        const jobs = (await fake.ipcHandlers.get('jobs.list')!(event, {})) as { result: { state: string }[] };
        expect(jobs.result.every((j) => j.state === 'done')).toBe(true);
      },
      { timeout: 60_000, interval: 200 },
    );
    prevented = false;
    close({ preventDefault: () => (prevented = true) });
    expect(prevented).toBe(false);
    expect(fake.prompts).toHaveLength(1);
  });

  it('says so and quits when the engine process dies', async () => {
    expect(fake.log).not.toContain('errorBox MedPrep stopped');
    fake.engines[0]!.kill('SIGKILL');
    await vi.waitFor(() => expect(fake.log.slice(-2)).toEqual(['errorBox MedPrep stopped', 'quit']), {
      timeout: 10_000,
    });
    const event = { senderFrame: { url: 'app://medprep/index.html' }, sender: {} };
    expect(await fake.ipcHandlers.get('app.info')!(event, {})).toMatchObject({
      ok: false,
      error: { code: 'unavailable' },
    });
  });

  it('closes the engine before quitting', async () => {
    let prevented = false;
    fake.appEvents.get('will-quit')!({ preventDefault: () => (prevented = true) });
    expect(prevented).toBe(true);
    await vi.waitFor(() => expect(fake.log.at(-1)).toBe('quit'));
    fake.appEvents.get('will-quit')!({ preventDefault: () => expect.fail('quit twice') });
  });
});
