import { build } from 'vite';

// `medprep serve` serves dist/renderer; build it from the sources under test so the run never sees a stale UI.
export default async function buildRenderer(): Promise<void> {
  await build({ configFile: 'vite.config.ts', logLevel: 'warn' });
}
