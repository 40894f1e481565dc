// The Electron end-to-end suite, apart from the browser suite: it launches the built app itself (no web
// server) and skips when the Electron binary is not installed. Run: npx playwright test -c test/electron
import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  timeout: 60_000,
  workers: 1,
  retries: 0,
  forbidOnly: true,
  reporter: [['list']],
  outputDir: '../../test-results/electron',
});
