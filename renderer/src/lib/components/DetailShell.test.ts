// The detail view, the dashboard and Settings on a real engine with the sample MIMIC-CXR data.
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startEngine, type EngineHarness } from '../../../../test/support/engine-bridge.ts';
import { sampleMimic } from '../../../../test/support/dicom-tree.ts';
import { theme } from '../theme.svelte.ts';
import Host from './DetailHost.test-host.svelte';

let h: EngineHarness;
let ids: number[];

async function run(started: Promise<{ id: string }>) {
  const job = await h.engine.waitForJob((await started).id);
  expect(job.state).toBe('done');
}

beforeAll(async () => {
  h = startEngine();
  await h.engine.invoke('project.create', { dir: h.at('project') });
  await run(h.engine.invoke('import.start', { source: sampleMimic, format: 'mimic-cxr' }));
  ids = (await h.engine.invoke('images.list', { offset: 0, limit: 100 })).items.map((i) => i.id);
}, 60_000);

afterEach(() => cleanup());
afterAll(() => h.dispose());

describe('the detail view', () => {
  it('before de-identification: real values with window/level and zoom, labels, and clear empty states', async () => {
    render(Host, { props: { bridge: h.bridge, view: 'detail', ids } });
    const detail = await screen.findByTestId('image-detail');
    const readout = await within(detail).findByTestId('viewer-readout');
    const px = await h.engine.invoke('detail.pixels', { imageId: ids[0]! });
    const w0 = px.windows[0]!;
    expect(readout).toHaveTextContent(`W ${w0.width} · L ${w0.center}`);
    // The presets: the header's window(s), then the full range of the real (12-bit) values.
    const preset = within(detail).getByLabelText('Window preset');
    const options = within(preset)
      .getAllByRole('option')
      .map((o) => o.textContent);
    expect(options.at(-1)).toMatch(new RegExp(`^Full range \\(\\d+(\\.\\d+)? / ${px.max - px.min}\\)$`));
    await fireEvent.change(preset, { target: { value: String(px.windows.length - 1) } });
    expect(readout).toHaveTextContent(`W ${px.max - px.min}`);

    // Keyboard: arrows move the window, + zooms, i inverts, 0 resets.
    const stage = within(detail).getByRole('application');
    await fireEvent.keyDown(stage, { key: 'ArrowRight' });
    expect(preset).toHaveValue('-1');
    await fireEvent.keyDown(stage, { key: '+' });
    expect(within(detail).getByTestId('viewer-zoom')).toHaveTextContent('125 %');
    await fireEvent.keyDown(stage, { key: 'i' });
    expect(readout).toHaveTextContent('inverted');
    await fireEvent.keyDown(stage, { key: '0' });
    expect(readout).toHaveTextContent(`W ${w0.width} · L ${w0.center}`);
    expect(within(detail).getByTestId('viewer-zoom')).toHaveTextContent('100 %');
    // Typed values are taken as they are.
    await fireEvent.change(within(detail).getByLabelText('Window width'), { target: { value: '300' } });
    expect(readout).toHaveTextContent('W 300');

    // Labels keep four states.
    const labels = within(detail).getByTestId('labels');
    for (const state of ['positive', 'negative', 'not mentioned']) expect(labels).toHaveTextContent(state);

    await fireEvent.click(within(detail).getByRole('tab', { name: 'Report' }));
    expect(within(detail).getByTestId('report-not-deid')).toHaveTextContent('run De-identify');
    await fireEvent.click(within(detail).getByRole('tab', { name: 'Header' }));
    expect(within(detail).getByTestId('header-not-deid')).toHaveTextContent('Not de-identified yet');
    await fireEvent.click(within(detail).getByRole('tab', { name: 'Curation' }));
    expect(within(detail).getByTestId('trace-empty')).toHaveTextContent('No curation run yet');

    // Next pages on; Escape closes.
    await fireEvent.click(within(detail).getByRole('button', { name: 'Next ›' }));
    await waitFor(() =>
      expect(within(detail).getByRole('heading', { level: 2 })).toHaveTextContent(`Image ${ids[1]}`),
    );
    expect(within(detail).getByRole('button', { name: '‹ Previous' })).toBeEnabled();
    await fireEvent.keyDown(window, { key: 'Escape' });
    expect(await screen.findByTestId('closed')).toBeInTheDocument();
  });

  it('after de-identification and curation: spans highlighted, header before/after, trace, neighbours', async () => {
    await run(h.engine.invoke('deid.start', {}));
    await run(h.engine.invoke('curate.run', {}));
    render(Host, { props: { bridge: h.bridge, view: 'detail', ids } });
    const detail = await screen.findByTestId('image-detail');
    await within(detail).findByTestId('labels');

    await fireEvent.click(within(detail).getByRole('tab', { name: 'Report' }));
    const marks = within(detail).getByTestId('detail-report').querySelectorAll('mark');
    expect(marks.length).toBeGreaterThan(0);
    expect(within(detail).getByTestId('detail-report-deid').textContent).toMatch(/\[(NAME|DATE|ID)\]/);

    await fireEvent.click(within(detail).getByRole('tab', { name: 'Header' }));
    const table = await within(detail).findByRole('table', { name: /Header before and after/ });
    const name = within(table).getByText('PatientName').closest('tr')!;
    expect(name).toHaveTextContent('DOE^JANE');
    // Changed only by default; unticking shows kept attributes too.
    expect(within(table).queryByText('Modality')).toBeNull();
    await fireEvent.click(within(detail).getByLabelText('Changed only'));
    expect(within(table).getByText('Modality')).toBeInTheDocument();

    await fireEvent.click(within(detail).getByRole('tab', { name: 'Curation' }));
    const trace = (await h.engine.invoke('curate.trace', { imageId: ids[0]! })).kept ? 'kept' : 'removed';
    expect(within(detail).getByTestId('trace-verdict')).toHaveTextContent(trace);

    await fireEvent.click(within(detail).getByRole('tab', { name: 'Neighbours' }));
    const expected = await h.engine.invoke('detail.neighbours', { imageId: ids[0]!, limit: 12 });
    if (expected.length === 0)
      expect(await within(detail).findByTestId('neighbours-empty')).toBeInTheDocument();
    else {
      const list = await within(detail).findByTestId('neighbours');
      const first = within(list).getAllByRole('button')[0]!;
      expect(first).toHaveAccessibleName(new RegExp(`^Open image ${expected[0]!.imageId} `));
      await fireEvent.click(first);
      await waitFor(() =>
        expect(within(detail).getByRole('heading', { level: 2 })).toHaveTextContent(
          `Image ${expected[0]!.imageId}`,
        ),
      );
    }
  }, 60_000);
});

describe('the dashboard', () => {
  it('counts every stage and links each to its view', async () => {
    const onnav = vi.fn();
    render(Host, { props: { bridge: h.bridge, view: 'dashboard', onnav } });
    const counts = await h.engine.invoke('detail.dashboard', {});
    await waitFor(() =>
      expect(screen.getByTestId('funnel-images-value')).toHaveTextContent(String(counts.images)),
    );
    expect(screen.getByTestId('funnel-files-value')).toHaveTextContent(String(counts.filesSeen));
    expect(screen.getByTestId('funnel-deid-value')).toHaveTextContent(String(counts.deidentified));
    expect(screen.getByTestId('funnel-curate-value')).toHaveTextContent(String(counts.kept));
    expect(screen.getByTestId('funnel-sft-value')).toHaveTextContent('—');
    expect(screen.getByTestId('funnel-sft')).toHaveTextContent('Not generated yet');
    await fireEvent.click(
      within(screen.getByTestId('funnel-curate')).getByRole('button', { name: /Curate/ }),
    );
    expect(onnav).toHaveBeenCalledWith('curate');
    const problems = screen.getByTestId('dashboard-problems');
    expect(counts.spansToReview).toBeGreaterThan(0); // the sample reports plant names, dates and ids
    expect(problems).toHaveTextContent(`${counts.spansToReview} report spans waiting for review`);
  });
});

describe('Settings', () => {
  it('edits the curation recipe with validation, resets it, and switches the theme', async () => {
    render(Host, { props: { bridge: h.bridge, view: 'settings' } });
    const yaml = (await screen.findByLabelText('Curation recipe (YAML)')) as HTMLTextAreaElement;
    await waitFor(() => expect(yaml.value).toContain('image.min_size'));
    expect(screen.getByTestId('curate-recipe-source')).toHaveTextContent('Default recipe');
    const form = yaml.closest('form')!;

    await fireEvent.input(yaml, { target: { value: 'filters: [' } });
    await fireEvent.click(within(form).getByRole('button', { name: 'Save recipe' }));
    expect(await within(form).findByRole('alert')).toHaveTextContent(/YAML/);
    expect((await h.engine.invoke('curate.recipe', {})).source).toBe('default');

    await fireEvent.input(yaml, {
      target: { value: 'version: 1\nfilters:\n  image.min_size:\n    min: 64\n' },
    });
    await fireEvent.click(within(form).getByRole('button', { name: 'Save recipe' }));
    await waitFor(() =>
      expect(screen.getByTestId('curate-recipe-source')).toHaveTextContent('Project recipe'),
    );
    expect((await h.engine.invoke('curate.recipe', {})).yaml).toContain('min: 64');
    await fireEvent.click(within(form).getByRole('button', { name: 'Reset to default' }));
    await waitFor(() =>
      expect(screen.getByTestId('curate-recipe-source')).toHaveTextContent('Default recipe'),
    );

    await fireEvent.click(screen.getByRole('radio', { name: 'Dark' }));
    expect(theme.resolved).toBe('dark');
    expect(localStorage.getItem('medprep.theme')).toBe('dark');
    await fireEvent.click(screen.getByRole('radio', { name: 'Follow the system' }));
    expect(localStorage.getItem('medprep.theme')).toBeNull();

    expect(screen.getByTestId('settings-project-dir')).toHaveTextContent(h.at('project'));
    expect(await screen.findByTestId('settings-device')).toHaveTextContent('In use: auto');
  });
});
