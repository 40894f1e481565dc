import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import SessionHost from '../../test-host/SessionHost.svelte';
import { startEngine, type EngineHarness } from '../../../test/support/engine-bridge.ts';
import { sampleData } from '../../../test/support/sample-project.ts';
import { jobEvent } from '../../../test/support/job-event.ts';
import type { JobInfo } from './api.ts';
import ExportPanel from './components/ExportPanel.svelte';
import JobHistory from './components/JobHistory.svelte';
import SftPanel from './components/SftPanel.svelte';
import { JobStore } from './job-store.svelte.ts';
import { Session } from './session.svelte.ts';

// A job of this store's tests: an export, queued, with ids and start times set by each test.
const job = (over: Partial<JobInfo>): JobInfo =>
  jobEvent({ id: 'a', kind: 'export', state: 'queued', message: '', ...over });

describe('the job store', () => {
  it('keeps the newest state of each job: a late start answer does not undo its end', () => {
    const store = new JobStore();
    store.update(job({ state: 'running', done: 3 }));
    store.update(job({ state: 'done', done: 5 }));
    store.update(job({ state: 'queued' }));
    expect(store.latest('export')).toMatchObject({ state: 'done', done: 5 });
  });

  it('answers the newest job of a kind and the active ones, oldest first', () => {
    const store = new JobStore();
    store.update(job({ id: 'old', kind: 'sft', state: 'done', startedAt: '2026-01-01T00:00:01Z' }));
    store.update(job({ id: 'new', kind: 'sft', state: 'running', startedAt: '2026-01-01T00:00:03Z' }));
    store.update(job({ id: 'exp', kind: 'export', state: 'queued', startedAt: '2026-01-01T00:00:04Z' }));
    expect(store.latest('sft')?.id).toBe('new');
    expect(store.latest('deid')).toBeNull();
    expect(store.active.map((j) => j.id)).toEqual(['new', 'exp']);
    store.load([job({ id: 'exp', state: 'done' })]);
    expect(store.all.map((j) => `${j.id}:${j.state}`)).toEqual(['exp:done']);
  });
});

describe('jobs across views (real engine)', () => {
  let h: EngineHarness;
  beforeAll(() => {
    h = startEngine();
  });
  afterEach(() => cleanup());
  afterAll(() => h.dispose());

  it('SFT and Export find their job and its result again after the view is left; History lists them', async () => {
    await h.engine.invoke('project.create', { dir: h.at('project') });
    await h.engine.waitForJob(
      (await h.engine.invoke('import.start', { source: `${sampleData}/mimic-cxr`, format: 'mimic-cxr' })).id,
    );
    await h.engine.waitForJob((await h.engine.invoke('deid.start', {})).id);
    const session = new Session(h.bridge);
    await session.start();
    try {
      // SFT: started, then the view is left at once (the job runs on without it) and entered again.
      render(SessionHost, { props: { session, panel: SftPanel } });
      await fireEvent.click(await screen.findByRole('button', { name: 'Generate samples' }));
      cleanup();
      render(SessionHost, { props: { session, panel: SftPanel } });
      const sftCard = await screen.findByTestId('job-progress');
      await expect.poll(() => sftCard.getAttribute('data-state'), { timeout: 20_000 }).toBe('done');
      cleanup();

      render(SessionHost, { props: { session, panel: ExportPanel } });
      await fireEvent.input(await screen.findByLabelText('Bundle path'), {
        target: { value: h.at('bundle') },
      });
      await fireEvent.click(screen.getByRole('button', { name: 'Write bundle' }));
      cleanup();
      render(SessionHost, { props: { session, panel: ExportPanel } });
      expect(await screen.findByTestId('export-out', {}, { timeout: 20_000 })).toHaveTextContent(
        h.at('bundle'),
      );
      expect(screen.getByTestId('job-progress')).toHaveAttribute('data-state', 'done');
      cleanup();

      render(SessionHost, { props: { session, panel: JobHistory } });
      await expect
        .poll(() => screen.queryAllByTestId('history-row').map((r) => r.dataset.kind), { timeout: 10_000 })
        .toEqual(['export', 'sft', 'deid', 'import']);
      const exportRow = screen.getAllByTestId('history-row')[0]!;
      expect(exportRow).toHaveAttribute('data-state', 'done');
      expect(exportRow).toHaveTextContent(`out: ${h.at('bundle')}`);
      expect(exportRow).toHaveTextContent('format: llava');
    } finally {
      session.dispose();
    }
  }, 60_000);
});
