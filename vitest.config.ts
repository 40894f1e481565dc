import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// Two projects: the engine and fronts run in Node, Svelte components in jsdom.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          environment: 'node',
          include: [
            'electron/**/*.test.ts',
            'test/unit/**/*.test.ts',
            'native-models/**/*.test.ts',
            'scripts/**/*.test.ts',
            'test/reliability/**/*.test.ts',
          ],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        plugins: [svelte()],
        resolve: { conditions: ['browser'] },
        test: {
          name: 'dom',
          environment: 'jsdom',
          include: ['renderer/**/*.test.ts'],
          setupFiles: ['renderer/test-setup.ts'],
        },
      },
    ],
  },
});
