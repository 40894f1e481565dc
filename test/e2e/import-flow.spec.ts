import fs from 'node:fs';
import path from 'node:path';
import { collectPageErrors, dicomFixtures, expect, screenshotDir, test } from './support/medprep.ts';

test('a researcher creates a project, imports a DICOM folder and reviews an image', async ({
  page,
  medprep,
}) => {
  const errors = collectPageErrors(page);
  const files = (
    fs.readdirSync(dicomFixtures, { recursive: true, withFileTypes: true }) as fs.Dirent[]
  ).filter((d) => d.isFile()).length;

  await page.goto(medprep.url);
  // The server trades the one-time token for a cookie and sends the page to a clean address.
  await expect(page).toHaveURL(`${medprep.origin}/`);
  await expect(page.getByRole('heading', { name: 'Start with a project' })).toBeVisible();

  await page.getByLabel('New project folder').fill(path.join(medprep.home, 'chest-xr'));
  await page.getByLabel('Name (optional)').fill('Chest radiographs');
  await page.getByRole('button', { name: 'Create project' }).click();
  await expect(page.getByTestId('project-name')).toHaveText('Chest radiographs');
  await expect(page.getByTestId('project-empty')).toBeVisible();

  await page.getByRole('navigation', { name: 'Project' }).getByRole('button', { name: 'Import' }).click();
  await page.getByLabel('Source folder').fill(dicomFixtures);
  await page.getByRole('button', { name: 'Detect layout' }).click();
  await expect(page.getByTestId('detect-result')).toContainText('DICOM folder');
  await page.getByRole('button', { name: 'Start import' }).click();

  const progress = page.getByTestId('job-progress');
  await expect(progress).toHaveAttribute('data-state', 'done', { timeout: 60_000 });
  await expect(progress.getByTestId('job-count')).toHaveText(`${files} / ${files}`);
  await expect(progress.getByRole('progressbar')).toHaveAttribute('aria-valuenow', String(files));

  const problems = page.getByTestId('problems-table');
  await expect(problems.getByRole('row', { name: /truncated\.dcm/ })).toContainText('Error');
  await expect(problems.getByRole('row', { name: /not_dicom\.txt/ })).toContainText('not a DICOM file');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Export CSV' }).click(),
  ]);
  expect(download.suggestedFilename()).toBe('chest-xr-import-problems.csv');
  const csv = fs.readFileSync(await download.path(), 'utf8');
  expect(csv.split('\r\n')[0]).toBe('path,status,reason');
  expect(csv).toMatch(/\r\ntruncated\.dcm,error,"truncated: /);
  fs.mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: path.join(screenshotDir, 'import-done.png'), fullPage: true });

  await page
    .getByRole('navigation', { name: 'Project' })
    .getByRole('button', { name: /^Browse/ })
    .click();
  const count = page.getByTestId('browse-count');
  await expect(count).toHaveText(/^\d+ images$/);
  const shown = Number(/^(\d+)/.exec((await count.textContent()) ?? '')?.[1]);
  expect(shown).toBeGreaterThan(10);

  // The grid is virtualised: the first screen is there, and after End the last one; every thumbnail rendered
  // on either has decoded pixels.
  const grid = page.getByRole('grid', { name: 'Images' });
  const decoded = () =>
    grid
      .locator('[data-testid=browse-card] img')
      .evaluateAll((imgs) => imgs.every((i) => (i as HTMLImageElement).naturalWidth > 0) && imgs.length > 0);
  await expect.poll(decoded).toBe(true);
  await grid.getByRole('gridcell').first().focus();
  await page.keyboard.press('End');
  await expect(grid.locator(`[data-index="${shown - 1}"]`)).toBeFocused();
  await expect.poll(decoded).toBe(true);
  await page.keyboard.press('Home');

  // The PA films only: the one looked for is on the first screen.
  await page.getByTestId('facet-view').getByRole('checkbox', { name: /^PA/ }).check();
  await expect(count).toHaveText(new RegExp(`^\\d+ of ${shown} images$`));
  const card = page.getByRole('gridcell', { name: 'Image cr_12bit.dcm' });
  await expect(card).toContainText('PA');
  await card.click();
  const detail = page.getByTestId('image-detail');
  await expect(detail.getByTestId('detail-path')).toHaveText('cr_12bit.dcm');
  await expect(detail.getByTestId('viewer-readout')).toContainText('W 4000 · L 2000');
  await expect(detail.getByTestId('detail-transfer-syntax')).toContainText('Explicit VR Little Endian');
  await detail.getByRole('tab', { name: 'Header' }).click();
  const header = detail.getByTestId('header-table');
  await expect(header.getByRole('row', { name: /^Modality/ })).toContainText('CR');
  await detail.getByRole('searchbox', { name: 'Filter header' }).fill('view');
  await expect(header.getByRole('row', { name: /^ViewPosition/ })).toContainText('PA');

  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(screenshotDir, 'import-flow.png'), fullPage: true });

  await page.keyboard.press('Escape');
  await expect(detail).toBeHidden();
  await expect(card).toBeFocused();
  expect(errors).toEqual([]);
});

test('the sample project opens and imports its bundled data', async ({ page, medprep }) => {
  const errors = collectPageErrors(page);
  await page.goto(medprep.url);
  await page.getByRole('button', { name: 'Open sample project' }).click();
  await expect(page.getByTestId('project-name')).toHaveText('Sample project');
  await expect(page.getByTestId('project-path')).toHaveText(
    path.join(medprep.home, 'MedPrep', 'sample-project'),
  );
  await expect(page.getByTestId('stat-images')).not.toHaveText('0', { timeout: 60_000 });

  await page.getByRole('navigation', { name: 'Project' }).getByRole('button', { name: 'Import' }).click();
  await expect(page.getByTestId('job-progress')).toHaveAttribute('data-state', 'done', { timeout: 60_000 });
  await page
    .getByRole('navigation', { name: 'Project' })
    .getByRole('button', { name: /^Browse/ })
    .click();
  await expect(page.getByTestId('browse-card').first()).toBeVisible();
  await page.getByTestId('browse-card').first().click();
  await expect(page.getByTestId('detail-path')).toBeVisible();
  await page.screenshot({ path: path.join(screenshotDir, 'sample-project.png'), fullPage: true });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: path.join(screenshotDir, 'sample-project-dark.png'), fullPage: true });
  expect(errors).toEqual([]);
});
