// Jobs in the browser mode with the real engine: a stage's job (running or ended) is still shown when its view
// is left and entered again, a cancel ends 'cancelled', and the History view lists what ran with its options,
// duration and outcome: the rows `medprep jobs` prints.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { makeDicomTree } from '../support/dicom-tree.ts';
import { collectPageErrors, expect, repoRoot, test } from './support/medprep.ts';

const sampleData = path.join(repoRoot, 'resources', 'sample-data');
const nav = (page: Page, name: string) =>
  page.getByRole('navigation', { name: 'Project' }).getByRole('button', { name: new RegExp(`^${name}`) });

function medprep(...args: string[]): void {
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'electron', 'cli', 'bin.js'), ...args], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`medprep ${args[0]} exited ${r.status}: ${r.stderr}`);
}

test('jobs survive navigation, cancel ends cancelled, and the history lists them', async ({
  page,
  medprep: served,
}) => {
  test.setTimeout(180_000);
  const errors = collectPageErrors(page);
  // A de-identified project, made with the CLI; the page opens it.
  const project = path.join(served.home, 'jobs-study');
  medprep('init', project);
  medprep('import', project, path.join(sampleData, 'mimic-cxr'), '--format', 'mimic-cxr');
  medprep('deid', project);
  const big = path.join(served.home, 'big-source');
  makeDicomTree(big, { images: 2500, template: 'small' });

  await page.goto(served.url);
  await page.getByLabel('Project folder', { exact: true }).fill(project);
  await page.getByRole('button', { name: 'Open project' }).click();
  await expect(page.getByTestId('project-name')).toBeVisible();

  // SFT: start, leave at once, come back: the same job is there, and it ends done with its summary.
  await nav(page, 'SFT').click();
  await page.getByRole('button', { name: 'Generate samples' }).click();
  const card = page.getByTestId('job-progress');
  await expect(card).toBeVisible();
  const sftJob = await card.getAttribute('data-job-id');
  await nav(page, 'Dashboard').click();
  await nav(page, 'SFT').click();
  await expect(card).toHaveAttribute('data-job-id', sftJob!);
  await expect(card).toHaveAttribute('data-state', 'done', { timeout: 60_000 });
  await expect(page.getByTestId('sft-summary')).toBeVisible();

  // Export: the same, with its result (the bundle written) shown after coming back.
  await nav(page, 'Export').click();
  const bundle = path.join(served.home, 'bundles', 'jobs-study');
  await page.getByLabel('Bundle path').fill(bundle);
  await page.getByRole('button', { name: 'Write bundle' }).click();
  await expect(card).toBeVisible();
  const exportJob = await card.getAttribute('data-job-id');
  await nav(page, 'Curate').click();
  await nav(page, 'Export').click();
  await expect(card).toHaveAttribute('data-job-id', exportJob!);
  await expect(page.getByTestId('export-out')).toHaveText(bundle, { timeout: 60_000 });
  await expect(card).toHaveAttribute('data-state', 'done');

  // A long import: still running on the dashboard and back in its view; its Cancel ends it 'cancelled'.
  await nav(page, 'Import').click();
  await page.getByLabel('Source folder').fill(big);
  await page.getByRole('button', { name: 'Start import' }).click();
  await expect(card).toHaveAttribute('data-state', 'running', { timeout: 30_000 });
  const importJob = await card.getAttribute('data-job-id');
  await nav(page, 'Dashboard').click();
  await expect(page.locator(`[data-testid="job-progress"][data-job-id="${importJob}"]`)).toBeVisible();
  await nav(page, 'Import').click();
  await expect(card).toHaveAttribute('data-job-id', importJob!);
  await card.getByRole('button', { name: /^Cancel/ }).click();
  await expect(card).toHaveAttribute('data-state', 'cancelled', { timeout: 30_000 });

  // History: every job, newest first, with its options, duration and outcome.
  await nav(page, 'History').click();
  const rows = page.getByTestId('history-row');
  await expect(rows).toHaveCount(5);
  await expect
    .poll(() => rows.evaluateAll((els) => els.map((e) => `${e.dataset.kind}:${e.dataset.state}`)))
    .toEqual(['import:cancelled', 'export:done', 'sft:done', 'deid:done', 'import:done']);
  await expect(rows.nth(0)).toContainText(`source: ${big}`);
  await expect(rows.nth(1)).toContainText(`out: ${bundle}`);
  await expect(rows.nth(1)).toContainText('format: llava');
  await expect(rows.nth(1)).not.toContainText('running');
  expect(errors).toEqual([]);
});
