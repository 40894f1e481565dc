// The built Electron app, end to end: it loads its own page over app://, exposes the bridge and nothing of Node,
// and cannot open windows, navigate away or reach the network. Skipped where the Electron binary is missing.
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
