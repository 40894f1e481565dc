// The one progress card every stage shows: Cancel stops the real engine's job, which ends as cancelled.
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { makeDicomTree } from '../../../../test/support/dicom-tree.ts';
import { startEngine, type EngineHarness } from '../../../../test/support/engine-bridge.ts';
import Host from './JobCardHost.test-host.svelte';

let h: EngineHarness;
beforeEach(() => (h = startEngine()));
afterEach(async () => {
  cleanup();
  await h.dispose();
});

it('cancels a running import from its card; what was imported stays', async () => {
  makeDicomTree(h.at('src'), { images: 1500, template: 'small' });
  await h.engine.invoke('project.create', { dir: h.at('project') });
  const job = await h.engine.invoke('import.start', { source: h.at('src'), format: 'dicom' });
  render(Host, { props: { bridge: h.bridge, job } });
  await fireEvent.click(await screen.findByRole('button', { name: 'Cancel import' }));
  const card = screen.getByTestId('job-progress');
  await waitFor(() => expect(card).toHaveAttribute('data-state', 'cancelled'), { timeout: 20_000 });
  expect(screen.queryByRole('button', { name: 'Cancel import' })).toBeNull();
  const ended = await h.engine.waitForJob(job.id);
  expect(ended.state).toBe('cancelled');
  expect((await h.engine.invoke('project.stats', {})).images).toBeLessThan(1500);
}, 30_000);
