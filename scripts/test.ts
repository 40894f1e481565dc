// `npm test`: unit and component tests (Vitest), browser-mode end-to-end tests (Playwright + Chromium) and the
// Electron test (skipped where no Electron binary exists), then one closing line: `N passed, N failed, N skipped`.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

interface Tally {
  passed: number;
  failed: number;
  skipped: number;
}

const root = path.resolve(import.meta.dirname, '..');
const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'medprep-test-'));
const bin = (name: string) => path.join(root, 'node_modules', '.bin', name);
const only = process.argv[2]; // optional: unit | e2e | electron

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): number {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  return r.status ?? 1;
}

function vitest(): Tally {
  const file = path.join(outDir, 'vitest.json');
  const code = run(bin('vitest'), [
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${file}`,
  ]);
  if (!fs.existsSync(file)) return { passed: 0, failed: Math.max(1, code), skipped: 0 };
  const r = JSON.parse(fs.readFileSync(file, 'utf8')) as {
    numPassedTests: number;
    numFailedTests: number;
    numPendingTests: number;
    numTodoTests: number;
    numFailedTestSuites: number;
  };
  // A suite that fails to load has no failed tests but must still fail the run.
  return {
    passed: r.numPassedTests,
    failed:
      r.numFailedTests +
      (r.numFailedTests === 0 ? r.numFailedTestSuites : 0) +
      (code !== 0 && r.numFailedTests === 0 && r.numFailedTestSuites === 0 ? 1 : 0),
    skipped: r.numPendingTests + r.numTodoTests,
  };
}

function playwright(config: string, name: string): Tally {
  const file = path.join(outDir, `${name}.json`);
  const code = run(bin('playwright'), ['test', '-c', config, '--reporter=list,json'], {
    PLAYWRIGHT_JSON_OUTPUT_NAME: file,
  });
  if (!fs.existsSync(file)) return { passed: 0, failed: 1, skipped: 0 };
  const r = JSON.parse(fs.readFileSync(file, 'utf8')) as {
    stats: { expected: number; unexpected: number; skipped: number; flaky: number };
    errors?: unknown[];
  };
  const loadErrors = r.errors?.length ?? 0;
  return {
    passed: r.stats.expected + r.stats.flaky,
    failed:
      r.stats.unexpected + loadErrors + (code !== 0 && r.stats.unexpected === 0 && loadErrors === 0 ? 1 : 0),
    skipped: r.stats.skipped,
  };
}

const tallies: Tally[] = [];
if (!only || only === 'unit') tallies.push(vitest());
if (!only || only === 'e2e') tallies.push(playwright('playwright.config.ts', 'e2e'));
if (!only || only === 'electron') tallies.push(playwright('test/electron/playwright.config.ts', 'electron'));

const total = tallies.reduce(
  (a, t) => ({ passed: a.passed + t.passed, failed: a.failed + t.failed, skipped: a.skipped + t.skipped }),
  {
    passed: 0,
    failed: 0,
    skipped: 0,
  },
);
fs.rmSync(outDir, { recursive: true, force: true });
console.log(`${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
process.exit(total.failed > 0 ? 1 : 0);
