import path from 'node:path';
import { collectPageErrors, expect, screenshotDir, test } from './support/medprep.ts';

test('a page opened without the token gets “unauthorised”', async ({ page, medprep }) => {
  const response = await page.goto(`${medprep.origin}/`);
  expect(response?.status()).toBe(401);
  await expect(page.locator('body')).toHaveText('unauthorised');

  const wrong = await page.goto(`${medprep.origin}/?token=not-the-token`);
  expect(wrong?.status()).toBe(401);
});

test('the API socket refuses a page without the session cookie', async ({ page, medprep }) => {
  await page.goto(medprep.url);
  await expect(page.getByRole('heading', { name: 'Start with a project' })).toBeVisible();
  await page.context().clearCookies();
  const outcome = await page.evaluate(
    (url) =>
      new Promise<string>((resolve) => {
        const ws = new WebSocket(url);
        ws.onopen = () => resolve('open');
        ws.onclose = () => resolve('closed');
      }),
    `${medprep.origin.replace('http', 'ws')}/api`,
  );
  expect(outcome).toBe('closed');
});

test('the app loads with no console errors and works from the keyboard', async ({ page, medprep }) => {
  const errors = collectPageErrors(page);
  await page.goto(medprep.url);
  await expect(page.getByRole('heading', { name: 'Start with a project' })).toBeVisible();

  // Tab reaches the first field; Enter submits its form and the engine's answer shows as an alert.
  await page.keyboard.press('Tab');
  await expect(page.getByLabel('New project folder')).toBeFocused();
  await page.keyboard.type('/');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('alert')).toContainText('not empty');
  await page.screenshot({ path: path.join(screenshotDir, 'project-screen.png'), fullPage: true });
  expect(errors).toEqual([]);
});
