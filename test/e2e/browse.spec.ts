import fs from 'node:fs';
import path from 'node:path';
import type { Page, TestInfo } from '@playwright/test';
import { collectPageErrors, expect, screenshotDir, test } from './support/medprep.ts';

const shots = path.join(screenshotDir, 'screenshots');

/** Saves a screenshot as a test artefact and under test-results/screenshots/browse-NAME.png. */
async function shot(page: Page, testInfo: TestInfo, name: string) {
  fs.mkdirSync(shots, { recursive: true });
  const file = path.join(shots, `browse-${name}.png`);
  await page.screenshot({ path: file });
  await testInfo.attach(`browse-${name}`, { path: file, contentType: 'image/png' });
}

const number = (text: string | null) => Number(/([\d,]+)/.exec(text ?? '')?.[1]?.replace(/,/g, ''));

test('a researcher filters the sample project, selects, tags and excludes from the grid and the keyboard', async ({
  page,
  medprep,
}, testInfo) => {
  const errors = collectPageErrors(page);
  await page.goto(medprep.url);
  await page.getByRole('button', { name: 'Open sample project' }).click();
  await expect(page.getByTestId('project-name')).toHaveText('Sample project');
  await page.getByRole('navigation', { name: 'Project' }).getByRole('button', { name: 'Import' }).click();
  await expect(page.getByTestId('job-progress')).toHaveAttribute('data-state', 'done', { timeout: 60_000 });
  await page
    .getByRole('navigation', { name: 'Project' })
    .getByRole('button', { name: /^(Images|Browse)/ })
    .click();

  const count = page.getByTestId('browse-count');
  await expect(count).toHaveText(/^\d+ images$/);
  const all = number(await count.textContent());
  expect(all).toBeGreaterThan(5);
  const grid = page.getByRole('grid', { name: 'Images' });
  await expect(grid.getByTestId('browse-card').first()).toBeVisible();
  await expect
    .poll(() =>
      grid
        .locator('img')
        .evaluateAll((imgs) => imgs.filter((i) => (i as HTMLImageElement).naturalWidth > 0).length),
    )
    .toBeGreaterThan(0);
  await shot(page, testInfo, 'grid');

  // Filter by view: the count follows the facet's own count.
  const viewFacet = page.getByTestId('facet-view');
  const firstView = viewFacet.getByRole('listitem').first();
  const viewName = (await firstView.locator('.name').textContent())!.trim();
  const viewCount = number(await firstView.locator('.count').textContent());
  await firstView.getByRole('checkbox').check();
  await expect(count).toHaveText(`${viewCount} of ${all} images`);
  const cells = grid.getByRole('gridcell');
  await expect(cells).toHaveCount(Math.min(viewCount, await cells.count()));
  for (const badge of await grid.locator('.badge-accent').allTextContents()) expect(badge).toBe(viewName);
  await shot(page, testInfo, 'filtered');

  // Keyboard: arrows move focus, Space selects, Shift+Arrow extends, Enter opens the detail, Escape closes.
  await cells.first().focus();
  await page.keyboard.press('Space');
  await expect(cells.first()).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('Shift+ArrowRight');
  await expect(cells.nth(1)).toBeFocused();
  await expect(page.getByTestId('selection-count')).toHaveText('2 selected');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('image-detail')).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('image-detail')).toBeHidden();
  await expect(cells.nth(1)).toBeFocused();

  // Bulk tag the two selected images, with the tag then offered as a filter.
  await page.getByRole('button', { name: 'Tag…' }).click();
  await page.getByLabel('Tag 2 images').fill('teaching');
  await page.getByRole('button', { name: 'Add tag' }).click();
  await expect(page.getByTestId('browse-notice')).toHaveText(/Tagged 2 images “teaching”/);
  const tagFilter = page.getByTestId('facet-tags').getByRole('checkbox', { name: /^teaching/ });
  await expect(
    page.getByTestId('facet-tags').getByRole('listitem').filter({ hasText: 'teaching' }),
  ).toContainText('2');
  await expect(cells.first()).toContainText('teaching');

  // Exclude one with a reason: the card says so and the status facet counts it.
  await page.getByRole('button', { name: 'Clear', exact: true }).click();
  await cells.nth(1).click({ modifiers: ['ControlOrMeta'] });
  await expect(page.getByTestId('selection-count')).toHaveText('1 selected');
  await page.getByRole('button', { name: 'Exclude…' }).click();
  await page.getByPlaceholder(/Reason/).fill('rotated film');
  await shot(page, testInfo, 'exclude');
  await page.getByRole('button', { name: 'Exclude', exact: true }).click();
  await expect(page.getByTestId('browse-notice')).toContainText('Excluded 1 image');
  await expect(cells.nth(1)).toHaveAccessibleName(/, excluded$/);
  await expect(cells.nth(1).getByText('Excluded')).toBeVisible();
  await expect(
    page.getByTestId('facet-status').getByRole('listitem').filter({ hasText: 'Excluded by user' }),
  ).toContainText('1');

  // Only the tagged images, then a filter nothing matches, then clear everything.
  await tagFilter.check();
  await expect(count).toHaveText(`2 of ${all} images`);
  await shot(page, testInfo, 'tagged');
  await page
    .getByTestId('facet-status')
    .getByRole('checkbox', { name: /^Quarantined/ })
    .check();
  await expect(page.getByTestId('browse-empty')).toContainText('No images match these filters');
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await expect(count).toHaveText(`${all} images`);

  await page.emulateMedia({ colorScheme: 'dark' });
  await shot(page, testInfo, 'dark');
  expect(errors).toEqual([]);
});
