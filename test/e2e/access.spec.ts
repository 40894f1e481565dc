import fs from 'node:fs';
import path from 'node:path';
import { collectPageErrors, expect, repoRoot, screenshotDir, test } from './support/medprep.ts';

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

test('the built renderer fetches nothing from elsewhere: relative assets, a bundled font', async ({
  page,
  medprep,
}) => {
  const dist = path.join(repoRoot, 'dist', 'renderer');
  const files = fs.readdirSync(dist, { recursive: true, encoding: 'utf8' });
  const html = fs.readFileSync(path.join(dist, 'index.html'), 'utf8');
  for (const [, ref] of html.matchAll(/(?:src|href)="([^"]+)"/g)) expect(ref).toMatch(/^\.?\//);
  const css = files.filter((f) => f.endsWith('.css')).map((f) => fs.readFileSync(path.join(dist, f), 'utf8'));
  const urls = css.flatMap((c) => [...c.matchAll(/url\(\s*["']?([^"')]+)/g)].map((m) => m[1]!));
  expect(urls.filter((u) => u.endsWith('.woff2')).length).toBeGreaterThan(0);
  for (const u of urls) {
    expect(u).toMatch(/^(\.\/|\/|data:)/);
    if (!u.startsWith('data:')) expect(fs.existsSync(path.join(dist, 'assets', path.basename(u)))).toBe(true);
  }
  // Script text may name URLs only as XML namespaces and in Svelte's error messages, never to load them.
  const js = files.filter((f) => f.endsWith('.js')).map((f) => fs.readFileSync(path.join(dist, f), 'utf8'));
  const named = js.flatMap((c) => [...c.matchAll(/(?:https?|wss?):\/\/[^"'`\s)]*/g)].map((m) => m[0]));
  for (const u of named) expect(u).toMatch(/^(http:\/\/www\.w3\.org\/|https:\/\/svelte\.dev\/e\/)/);

  // And the page, loaded: every request stays on the loopback origin, and Inter is what it draws with.
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(medprep.url);
  await expect(page.getByRole('heading', { name: 'Start with a project' })).toBeVisible();
  expect(
    await page.evaluate(
      async () => (await document.fonts.ready, document.fonts.check('16px "Inter Variable"')),
    ),
  ).toBe(true);
  expect(requests.some((r) => r.endsWith('.woff2'))).toBe(true);
  for (const r of requests) expect(r.startsWith(medprep.origin) || r.startsWith('data:')).toBe(true);
});

test('with a project open: focus order follows the pipeline, focus is visible, and no view logs an error', async ({
  page,
  medprep,
}) => {
  test.setTimeout(120_000);
  const errors = collectPageErrors(page);
  await page.goto(medprep.url);
  await page.getByRole('button', { name: 'Open sample project' }).click();
  await expect(page.getByTestId('project-header')).toBeVisible();
  await expect(page.getByTestId('job-progress')).toHaveCount(0, { timeout: 60_000 }); // the sample's import ends

  await page.locator('body').click({ position: { x: 5, y: 5 } });
  const order: string[] = [];
  for (let i = 0; i < 12; i++) {
    await page.keyboard.press('Tab');
    const focused = page.locator(':focus');
    order.push((await focused.innerText()).replace(/\s+\d+$/, '').trim());
    expect(await focused.evaluate((el) => getComputedStyle(el).outlineStyle)).toBe('solid');
  }
  expect(order).toEqual([
    'Projects',
    'Dashboard',
    'Import',
    'Browse',
    'De-identify',
    'Curate',
    'SFT',
    'Export',
    'History',
    'Models',
    'Settings',
    'Close project',
  ]);

  const navButton = (name: string) =>
    page.getByRole('navigation', { name: 'Project' }).getByRole('button', { name: new RegExp(`^${name}`) });
  for (const view of [
    'Import',
    'Browse',
    'De-identify',
    'Curate',
    'SFT',
    'Export',
    'History',
    'Models',
    'Settings',
    'Dashboard',
  ]) {
    await navButton(view).click();
    await expect(navButton(view)).toHaveAttribute('aria-current', 'page');
    await expect(page.getByRole('alert')).toHaveCount(0);
  }
  await navButton('Browse').click();
  await page.getByTestId('browse-card').first().click();
  await expect(page.getByTestId('viewer-canvas')).toBeVisible();
  for (const tab of ['Report', 'Header', 'Curation', 'Neighbours', 'Info'])
    await page.getByRole('tab', { name: tab }).click();
  await page.keyboard.press('Escape');

  // Projects leaves the project for the project screen.
  await navButton('Projects').click();
  await expect(page.getByRole('heading', { name: 'Start with a project' })).toBeVisible();
  expect(errors).toEqual([]);
});
