import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { test as base, type Page } from '@playwright/test';

export const repoRoot = path.resolve(import.meta.dirname, '..', '..', '..');
export const dicomFixtures = path.join(repoRoot, 'test', 'fixtures', 'dicom');
export const screenshotDir = path.join(repoRoot, 'test-results');

export interface Served {
  /** The one-time URL with the session token, as `medprep serve --json` prints it. */
  url: string;
  origin: string;
  /** A temp folder: HOME for the server (so the sample project lands here) and room for test projects. */
  home: string;
}

/** Starts `medprep serve --port 0 --json` with its own HOME and reads the one JSON line it prints. */
async function serve(home: string): Promise<{ child: ChildProcess; url: string; port: number }> {
  const child = spawn(process.execPath, ['electron/cli/bin.js', 'serve', '--port', '0', '--json'], {
    cwd: repoRoot,
    env: { ...process.env, HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const lines = readline.createInterface({ input: child.stdout! });
  const first = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`medprep serve printed nothing in 30 s\n${stderr}`)),
      30_000,
    );
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolve(line);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`medprep serve exited with ${code} before printing its URL\n${stderr}`));
    });
  });
  lines.close();
  const { url, port } = JSON.parse(first) as { url: string; port: number };
  return { child, url, port };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** Collects what the page reports as errors: console errors and uncaught exceptions. */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
  });
  page.on('pageerror', (err) => errors.push(err.message));
  return errors;
}

export const test = base.extend<{ medprep: Served }>({
  // eslint-disable-next-line no-empty-pattern -- Playwright reads a fixture's dependencies from this pattern
  medprep: async ({}, use) => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'medprep-e2e-'));
    const { child, url } = await serve(home);
    try {
      await use({ url, origin: new URL(url).origin, home });
    } finally {
      await stop(child);
      fs.rmSync(home, { recursive: true, force: true });
    }
  },
});

export { expect } from '@playwright/test';
