// The built Electron app, end to end: it loads its own page over app://, exposes the bridge and nothing of Node,
// and cannot open windows, navigate away or reach the network; its engine runs in a utility process through the
// whole journey. Skipped where the Electron binary is missing.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { _electron as electron, expect, test, type ElectronApplication, type Page } from '@playwright/test';
import type { MedprepBridge } from '../../electron/api/contract.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const MAIN = path.join(ROOT, 'dist', 'electron', 'main', 'main.js');
const PRELOAD = path.join(ROOT, 'dist', 'electron', 'preload', 'preload.cjs');

/**
 * The Electron executable, or null. Found the way the `electron` package finds it (path.txt, dist/, the
 * ELECTRON_OVERRIDE_DIST_PATH override) but without require('electron'): that tries to download the binary
 * when it is missing.
 */
function electronBinary(): string | null {
  const pkgDir = path.dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  const pathFile = path.join(pkgDir, 'path.txt');
  if (!fs.existsSync(pathFile)) return null;
  const executable = fs.readFileSync(pathFile, 'utf8').trim();
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const full = override ? path.join(override, executable) : path.join(pkgDir, 'dist', executable);
  return fs.existsSync(full) ? full : null;
}

const binary = electronBinary();
test.skip(binary === null, 'Electron binary not installed (cannot be downloaded here)');
test.describe.configure({ mode: 'serial' });

type AppWindow = Window & { medprep: MedprepBridge };

let app: ElectronApplication;
let page: Page;
let userData: string;

test.beforeAll(async () => {
  expect(fs.existsSync(MAIN) && fs.existsSync(PRELOAD), 'the app is built (npm run build)').toBe(true);
  userData = fs.mkdtempSync(path.join(os.tmpdir(), 'medprep-electron-'));
  app = await electron.launch({
    executablePath: binary!,
    args: [ROOT],
    cwd: ROOT,
    env: { ...process.env, MEDPREP_USER_DATA_DIR: userData },
  });
  page = await app.firstWindow();
  await page.waitForLoadState('domcontentloaded');
});

test.afterAll(async () => {
  await app?.close();
  if (userData) fs.rmSync(userData, { recursive: true, force: true });
});

test('loads its own page over app:// with the strict CSP', async () => {
  expect(page.url()).toBe('app://medprep/index.html');
  const csp = await page.evaluate(() =>
    fetch('/index.html').then((r) => r.headers.get('content-security-policy') ?? ''),
  );
  expect(csp).toContain("default-src 'self'");
  expect(csp).toContain("connect-src 'self';");
});

test('exposes window.medprep as the Electron front, and the bridge reaches the engine', async () => {
  expect(await page.evaluate(() => (window as unknown as AppWindow).medprep.front)).toBe('electron');
  const info = await page.evaluate(() => (window as unknown as AppWindow).medprep.invoke('app.info', {}));
  expect(info.name).toBe('MedPrep');
  const error = await page.evaluate(() =>
    (window as unknown as AppWindow).medprep.invoke('project.stats', {}).then(
      () => 'resolved',
      (e: Error) => e.message,
    ),
  );
  expect(error).toContain('No project is open.');
});

test('gives the page nothing of Node', async () => {
  const types = await page.evaluate(() => [typeof require, typeof process, typeof module, typeof Buffer]);
  expect(types).toEqual(['undefined', 'undefined', 'undefined', 'undefined']);
});

test('opens no new window', async () => {
  const opened = await page.evaluate(() => window.open('https://example.com') === null);
  expect(opened).toBe(true);
  await page.waitForTimeout(500);
  expect(app.windows()).toHaveLength(1);
});

test('cannot navigate away from the app page', async () => {
  await page.evaluate(() => {
    window.location.href = 'https://example.com/';
  });
  await page.waitForTimeout(1000);
  expect(page.url()).toBe('app://medprep/index.html');
  await page
    .evaluate(() => {
      window.location.href = 'file:///etc/passwd';
    })
    .catch(() => undefined);
  await page.waitForTimeout(500);
  expect(page.url()).toBe('app://medprep/index.html');
});

test('cannot reach the network', async () => {
  const outcome = await page.evaluate(() =>
    fetch('https://example.com/').then(
      () => 'reached',
      () => 'blocked',
    ),
  );
  expect(outcome).toBe('blocked');
});

test('runs the engine in a utility process of its own, not in the main process', async () => {
  const engines = await app.evaluate(({ app: electronApp }) =>
    electronApp.getAppMetrics().filter((m) => m.type === 'Utility' && m.name === 'MedPrep engine'),
  );
  expect(engines).toHaveLength(1);
  expect(engines[0]!.pid).not.toBe(await app.evaluate(() => process.pid));
});

test('runs import → de-identify → curate → SFT → export through the bridge and the engine process', async () => {
  test.setTimeout(300_000);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'medprep-electron-journey-'));
  try {
    const outcome = await page.evaluate(
      async ({ source, work }) => {
        const m = (window as unknown as AppWindow).medprep;
        const ended = (id: string) =>
          new Promise<{ state: string; message: string }>((resolve) => {
            const poll = async () => {
              const job = (await m.invoke('jobs.list', {})).find((j) => j.id === id);
              if (job && !['queued', 'running'].includes(job.state)) resolve(job);
              else setTimeout(() => void poll(), 200);
            };
            void poll();
          });
        const states: string[] = [];
        const run = async (started: Promise<{ id: string }>) => {
          const job = await ended((await started).id);
          states.push(job.state);
          return (await started).id;
        };
        await m.invoke('project.create', { dir: `${work}/project` });
        await run(m.invoke('import.start', { source, format: 'mimic-cxr' }));
        await run(m.invoke('deid.start', {}));
        await run(m.invoke('curate.run', {}));
        await run(m.invoke('sft.run', {}));
        const exported = await run(
          m.invoke('export.run', { format: 'llava', out: `${work}/bundle`, maxSide: 128 }),
        );
        const result = await m.invoke('export.result', { jobId: exported });
        const verify = await m.invoke('export.verify', { bundle: `${work}/bundle` });
        return { states, ok: result.ok, samples: result.samples, verified: verify.ok };
      },
      { source: path.join(ROOT, 'resources', 'sample-data', 'mimic-cxr'), work },
    );
    expect(outcome.states).toEqual(['done', 'done', 'done', 'done', 'done']);
    expect(outcome.ok).toBe(true);
    expect(outcome.samples).toBeGreaterThan(0);
    expect(outcome.verified).toBe(true);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
});
