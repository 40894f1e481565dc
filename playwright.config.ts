import { defineConfig } from '@playwright/test';
import { CHROMIUM_LAUNCH } from './test/e2e/support/chromium.ts';

// Browser-mode end-to-end tests: the real `medprep serve` with the real engine, in Debian's Chromium.
export default defineConfig({
  testDir: 'test/e2e',
  globalSetup: './test/e2e/support/build-renderer.ts',
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  timeout: 90_000,
  expect: { timeout: 15_000 },
  outputDir: 'test-results/playwright',
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    viewport: { width: 1440, height: 900 },
    screenshot: 'only-on-failure',
    launchOptions: CHROMIUM_LAUNCH,
  },
});
