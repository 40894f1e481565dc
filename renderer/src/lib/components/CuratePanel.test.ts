import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import CuratePanel from './CuratePanel.svelte';
import WithSession from '../../../../test/support/WithSession.svelte';
import { startEngine, type EngineHarness } from '../../../../test/support/engine-bridge.ts';
import { makeCurateTree } from '../../../../test/support/curate-tree.ts';

let h: EngineHarness;
const savedModelsDir = process.env.MEDPREP_MODELS_DIR;

beforeEach(async () => {
  h = startEngine();
  process.env.MEDPREP_MODELS_DIR = h.at('no-models');
  const tree = await makeCurateTree(h.at('src'));
  await h.engine.invoke('project.create', { dir: h.at('project') });
  const job = await h.engine.invoke('import.start', { source: tree.manifest, format: 'manifest' });
  await h.engine.waitForJob(job.id);
});

afterEach(async () => {
  cleanup();
  await h.dispose();
  if (savedModelsDir === undefined) delete process.env.MEDPREP_MODELS_DIR;
  else process.env.MEDPREP_MODELS_DIR = savedModelsDir;
});

describe('the Curate view', () => {
  it('applies the recipe, shows the funnel, a live preview, clusters with a one-click representative and a trace', async () => {
    render(WithSession, { props: { bridge: h.bridge, view: CuratePanel } });
    await fireEvent.click(await screen.findByRole('button', { name: 'Apply recipe' }));
    await waitFor(() => expect(screen.getByTestId('funnel-kept')).toHaveTextContent('9'), {
      timeout: 10_000,
    });
    expect(screen.getByTestId('curate-funnel')).toHaveTextContent('image.min_size');

    // The histogram of the first operator (shorter side) and a live count for a proposed threshold.
    await waitFor(() => expect(screen.getByTestId('curate-histogram').children).toHaveLength(20));
    await fireEvent.input(screen.getByLabelText(/Threshold/), { target: { value: '300' } });
    await waitFor(() => expect(screen.getByTestId('curate-preview')).toHaveTextContent('remove 2'));

    // Identical pixels: the review cluster of one image under two patients, representative marked.
    await fireEvent.change(screen.getByLabelText('Kind'), { target: { value: 'exact-pixels' } });
    const review = await waitFor(() => {
      const c = screen.getAllByTestId('curate-cluster').find((x) => x.textContent?.includes('review'));
      expect(c).toBeDefined();
      return c!;
    });
    expect(within(review).getByText('Representative')).toBeInTheDocument();
    const make = within(review).getByRole('button', { name: /Make representative of #/ });
    const chosen = Number(/#(\d+)/.exec(make.textContent!)![1]);
    await fireEvent.click(make);
    await waitFor(() => {
      const c = screen.getAllByTestId('curate-cluster').find((x) => x.textContent?.includes('merged'))!;
      expect(c).toHaveTextContent('chosen in review');
    });
    expect((await h.engine.invoke('curate.trace', { imageId: chosen })).kept).toBe(true);

    // The trace of a removed sample.
    const tiny = (await h.engine.invoke('images.list', { offset: 0, limit: 100 })).items.find(
      (i) => i.path === 'tiny.png',
    )!;
    await fireEvent.input(screen.getByLabelText('Image number'), { target: { value: String(tiny.id) } });
    await fireEvent.click(screen.getByRole('button', { name: 'Show trace' }));
    const trace = await screen.findByTestId('curate-trace');
    expect(trace).toHaveTextContent('removed');
    expect(trace).toHaveTextContent('image.min_size');
    expect(trace).toHaveTextContent('≥ 128');
  });
});
