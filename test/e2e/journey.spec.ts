// The researcher's journey end to end, in the browser mode with the real engine: a new project, the sample
// MIMIC-CXR and PADCHEST data, browsing and the detail view, de-identification review, curation with a
// changed threshold, SFT, export and verify. One serial journey (each step needs the one before); every step
// leaves a screenshot as a test attachment and as test-results/screenshots/journey-NN-step.png.
import fs from 'node:fs';
import path from 'node:path';
import type { Page, TestInfo } from '@playwright/test';
import { makeDicomTree } from '../support/dicom-tree.ts';
import { collectPageErrors, expect, repoRoot, screenshotDir, test } from './support/medprep.ts';

const sampleData = path.join(repoRoot, 'resources', 'sample-data');
const shotsDir = path.join(screenshotDir, 'screenshots');

async function shot(page: Page, info: TestInfo, name: string, fullPage = true): Promise<void> {
  fs.mkdirSync(shotsDir, { recursive: true });
  const file = path.join(shotsDir, `journey-${name}.png`);
  // Let fonts and the detail canvas settle; the screenshot is what a person would see.
  await page.evaluate(async () => {
    window.scrollTo(0, 0); // a full-page capture of a scrolled page draws the sticky sidebar mid-way
    await document.fonts.ready;
  });
  await page.screenshot({ path: file, fullPage, animations: 'disabled' });
  await info.attach(`journey-${name}`, { path: file, contentType: 'image/png' });
}

const nav = (page: Page, name: string) =>
  page.getByRole('navigation', { name: 'Project' }).getByRole('button', { name: new RegExp(`^${name}`) });

async function importSample(page: Page, sub: string) {
  await page.getByLabel('Source folder').fill(path.join(sampleData, sub));
  await page.getByRole('button', { name: 'Detect layout' }).click();
  await expect(page.getByTestId('detect-result')).toBeVisible();
  const progress = page.getByTestId('job-progress');
  // The card may still show the previous import: wait for this one's id, then for it to end.
  const previous = (await progress.count()) > 0 ? await progress.getAttribute('data-job-id') : null;
  await page.getByRole('button', { name: 'Start import' }).click();
  await expect(progress).not.toHaveAttribute('data-job-id', previous ?? '');
  await expect(progress).toHaveAttribute('data-state', 'done', { timeout: 60_000 });
}

test('new project → import → browse → de-identify → curate → SFT → export → verify', async ({
  page,
  medprep,
}, info) => {
  test.setTimeout(420_000);
  const errors = collectPageErrors(page);
  // Offline: every request the page makes goes to the loopback server it came from.
  const foreign: string[] = [];
  page.on('request', (r) => {
    if (!r.url().startsWith(medprep.origin) && !r.url().startsWith('data:')) foreign.push(r.url());
  });

  // 1. A new project.
  await page.goto(medprep.url);
  await expect(page.getByRole('heading', { name: 'Start with a project' })).toBeVisible();
  await page.getByLabel('New project folder').fill(path.join(medprep.home, 'chest-study'));
  await page.getByLabel('Name (optional)').fill('Chest study');
  await shot(page, info, '01-new-project');
  await page.getByRole('button', { name: 'Create project' }).click();
  await expect(page.getByTestId('project-name')).toHaveText('Chest study');
  await expect(page.getByTestId('project-empty')).toBeVisible();

  // 2. Import both samples.
  await nav(page, 'Import').click();
  await importSample(page, 'mimic-cxr');
  await expect(page.getByTestId('detect-result')).toContainText('MIMIC-CXR');
  await importSample(page, 'padchest');
  await shot(page, info, '02-import');

  await nav(page, 'Dashboard').click();
  const images = Number(await page.getByTestId('funnel-images-value').innerText());
  expect(images).toBeGreaterThan(20);
  await expect(page.getByTestId('funnel-deid-value')).toHaveText('—');
  await shot(page, info, '03-dashboard-imported');

  // 3. Browse, open an image: window/level on its real values, its labels, its header before de-identification.
  // Filter in the sidebar: the PA films only, counted against the whole project.
  await nav(page, 'Browse').click();
  const count = page.getByTestId('browse-count');
  await expect(count).toHaveText(`${images} images`);
  await page.getByTestId('facet-view').getByRole('checkbox', { name: /^PA/ }).check();
  // The count settles once the engine has answered for the new filter: fewer than all, more than none.
  const shown = async () => Number(/^(\d+) of /.exec(await count.innerText())?.[1] ?? images);
  await expect.poll(shown).toBeLessThan(images);
  const pa = await shown();
  expect(pa).toBeGreaterThan(0);
  await shot(page, info, '03b-browse-filtered');
  await page.getByTestId('browse-card').first().click();
  const detail = page.getByTestId('image-detail');
  await expect(detail.getByTestId('detail-path')).toBeVisible();
  if (pa > 1) {
    const first = await detail.getByTestId('detail-path').innerText();
    await detail.getByRole('button', { name: 'Next ›' }).click();
    await expect(detail.getByTestId('detail-path')).not.toHaveText(first);
    await detail.getByRole('button', { name: '‹ Previous' }).click();
    await expect(detail.getByTestId('detail-path')).toHaveText(first);
  }
  await expect(detail.getByTestId('viewer-canvas')).toBeVisible();
  const readout = detail.getByTestId('viewer-readout');
  const before = await readout.innerText();
  const stage = detail.getByRole('application');
  const box = (await stage.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 - 120, box.y + box.height / 2 + 40, { steps: 4 });
  await page.mouse.up();
  await expect(readout).not.toHaveText(before);
  await expect(detail.getByLabel('Window preset')).toHaveValue('-1'); // Custom after a drag
  await detail.getByRole('button', { name: 'Zoom in' }).click();
  await expect(detail.getByTestId('viewer-zoom')).toHaveText('125 %');
  await detail.getByRole('button', { name: 'Reset' }).click();
  await expect(readout).toHaveText(before);
  await expect(detail.getByTestId('labels')).toBeVisible();
  await shot(page, info, '04-detail-image', false);
  await detail.getByRole('tab', { name: 'Header' }).click();
  await expect(detail.getByTestId('header-not-deid')).toContainText('Not de-identified yet');
  await detail.getByRole('searchbox', { name: 'Filter header' }).fill('view');
  await expect(detail.getByTestId('header-table').getByRole('row', { name: /^ViewPosition/ })).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(detail).toBeHidden();
  await page.getByTestId('facet-view').getByRole('checkbox', { name: /^PA/ }).uncheck();
  await expect(count).toHaveText(`${images} images`);

  // 4. De-identify, then review: report spans, the header before and after.
  await nav(page, 'De-identify').click();
  await page.getByRole('button', { name: 'Run de-identification' }).click();
  // Every image is read by the OCR model too: allow for a busy CPU.
  await expect(page.getByTestId('job-progress')).toHaveAttribute('data-state', 'done', { timeout: 180_000 });
  await page.getByRole('tab', { name: 'Report review' }).click();
  await page
    .getByRole('button', { name: /^Report \d+ — [1-9]\d* spans/ })
    .first()
    .click();
  await expect(page.getByTestId('report-text').locator('mark').first()).toBeVisible();
  await shot(page, info, '05-deid-report-review');

  await nav(page, 'Browse').click();
  await page.getByTestId('browse-card').first().click();
  await detail.getByRole('tab', { name: 'Report' }).click();
  await expect(detail.getByTestId('detail-report').locator('mark').first()).toBeVisible();
  await expect(detail.getByTestId('detail-report-deid')).toContainText('[');
  await shot(page, info, '06-detail-report-spans', false);
  await detail.getByRole('tab', { name: 'Header' }).click();
  const diff = detail.getByRole('table', { name: 'Header before and after de-identification' });
  await expect(diff.getByRole('row', { name: /PatientName/ })).toContainText(/replaced|emptied/);
  await shot(page, info, '07-detail-header-diff', false);
  await page.keyboard.press('Escape');

  // 5. Curate with a changed threshold: the recipe's, then a stricter one written into the project recipe.
  await nav(page, 'Curate').click();
  await page.getByRole('button', { name: 'Apply recipe' }).click();
  await expect(page.getByTestId('job-progress')).toHaveAttribute('data-state', 'done', { timeout: 90_000 });
  const keptDefault = Number(await page.getByTestId('funnel-kept').innerText());
  await page.getByLabel('Operator', { exact: true }).selectOption('report.length');
  // The recipe's value (2 words) shows once the operator's histogram is in; then a stricter one.
  await expect(page.getByText('Threshold (keep at or above): 2', { exact: true })).toBeVisible();
  await page.getByLabel(/^Threshold/).fill('40');
  await expect(page.getByTestId('curate-preview')).toContainText('remove');
  await page.getByRole('button', { name: 'Use this threshold and apply' }).click();
  await expect(page.getByTestId('curate-recipe-note')).toContainText('report.length set to 40');
  await expect(page.getByTestId('job-progress')).toHaveAttribute('data-state', 'done', { timeout: 90_000 });
  await expect
    .poll(async () => Number(await page.getByTestId('funnel-kept').innerText()))
    .toBeLessThan(keptDefault);
  await shot(page, info, '08-curate-threshold');

  // 6. SFT.
  await nav(page, 'SFT').click();
  await page.getByRole('button', { name: 'Generate samples' }).click();
  await expect(page.getByTestId('job-progress')).toHaveAttribute('data-state', 'done', { timeout: 90_000 });
  await expect(page.getByTestId('sft-summary')).toBeVisible();
  await shot(page, info, '09-sft');

  // 7. Export and verify.
  await nav(page, 'Export').click();
  const bundle = path.join(medprep.home, 'bundles', 'chest-study');
  await page.getByLabel('Bundle path').fill(bundle);
  await page.getByRole('button', { name: 'Write bundle' }).click();
  await expect(page.getByTestId('export-out')).toHaveText(bundle, { timeout: 180_000 });
  await page.getByRole('button', { name: 'Verify bundle' }).click();
  await expect(page.getByTestId('verify-summary')).toContainText('bundle OK', { timeout: 60_000 });
  await shot(page, info, '10-export-verify');
  expect(fs.existsSync(path.join(bundle, 'manifest.json'))).toBe(true);

  // 8. The dashboard shows the whole funnel; the same in the dark theme.
  await nav(page, 'Dashboard').click();
  await expect(page.getByTestId('funnel-deid-value')).toHaveText(String(images));
  await expect(page.getByTestId('funnel-export-value')).toHaveText('1');
  await shot(page, info, '11-dashboard-done');
  await nav(page, 'Settings').click();
  await page.getByRole('radio', { name: 'Dark' }).check();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await shot(page, info, '12-settings-dark');
  await nav(page, 'Dashboard').click();
  await shot(page, info, '13-dashboard-dark');
  await nav(page, 'Browse').click();
  await page.getByTestId('browse-card').nth(3).click();
  await expect(detail.getByTestId('viewer-canvas')).toBeVisible();
  await detail.getByRole('tab', { name: 'Neighbours' }).click();
  await expect(detail.getByTestId('neighbours').or(detail.getByTestId('neighbours-empty'))).toBeVisible();
  await shot(page, info, '14-detail-dark', false);
  await page.keyboard.press('Escape');

  expect(foreign).toEqual([]);
  expect(errors).toEqual([]);
});

test('a long job keeps running when the page closes, and a new page shows it running and finishing', async ({
  page,
  medprep,
}, info) => {
  test.setTimeout(180_000);
  const errors = collectPageErrors(page);
  const source = path.join(medprep.home, 'export-2000');
  makeDicomTree(source, { images: 2000 });

  await page.goto(medprep.url);
  await page.getByLabel('New project folder').fill(path.join(medprep.home, 'long-job'));
  await page.getByRole('button', { name: 'Create project' }).click();
  await nav(page, 'Import').click();
  await page.getByLabel('Source folder').fill(source);
  await page.getByRole('button', { name: 'Start import' }).click();
  const progress = page.getByTestId('job-progress');
  await expect(progress).toHaveAttribute('data-state', 'running');
  await expect(progress.getByTestId('job-rate')).toContainText('files/s');

  // The window goes away: reload, and a second page opened afresh.
  await page.reload();
  const card = page.getByTestId('dashboard').getByTestId('job-progress');
  await expect(card).toHaveAttribute('data-state', 'running');
  await expect(card.getByTestId('job-eta')).not.toHaveText('');
  const second = await page.context().newPage();
  await second.goto(medprep.origin);
  await expect(second.getByTestId('job-progress')).toHaveAttribute('data-state', 'running');
  await shot(second, info, '15-job-after-reload');
  await second.close();

  // It finishes with every file, and the dashboard counts them.
  await nav(page, 'Import').click();
  await expect(progress).toHaveAttribute('data-state', 'done', { timeout: 150_000 });
  await expect(progress.getByTestId('job-count')).toHaveText('2,000 / 2,000');
  await nav(page, 'Dashboard').click();
  await expect(page.getByTestId('funnel-images-value')).toHaveText('2,000');
  expect(errors).toEqual([]);
});
