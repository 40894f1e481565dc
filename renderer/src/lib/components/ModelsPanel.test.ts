import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, startEngine, type EngineHarness } from '../../../../test/support/engine-bridge.ts';
import Host from './ModelsPanelHost.test-host.svelte';

let h: EngineHarness;
const savedModelsDir = process.env.MEDPREP_MODELS_DIR;
// The committed tiny models (native-models/test-models) stand in for the user's model folder.
const TEST_MODELS_DIR = `${repoRoot}/native-models/test-models`;

beforeAll(async () => {
  process.env.MEDPREP_MODELS_DIR = TEST_MODELS_DIR;
  h = startEngine();
  await h.engine.invoke('project.create', { dir: h.at('project') });
});

afterEach(() => cleanup());

afterAll(async () => {
  await h.dispose();
  if (savedModelsDir === undefined) delete process.env.MEDPREP_MODELS_DIR;
  else process.env.MEDPREP_MODELS_DIR = savedModelsDir;
});

function row(id: string): HTMLElement {
  const el = screen.getAllByTestId('model-row').find((r) => r.dataset.model === id);
  if (!el) throw new Error(`no row for ${id}`);
  return el;
}

describe('the models panel', () => {
  it('shows each model with its status and where to put a missing one', async () => {
    render(Host, { props: { bridge: h.bridge } });
    await screen.findByRole('table', { name: 'Models' });
    expect(within(row('test-ner')).getByTestId('model-status')).toHaveTextContent('Found');
    expect(within(row('stanford-deidentifier-base')).getByTestId('model-status')).toHaveTextContent(
      'Not installed',
    );
    const install = screen
      .getAllByTestId('model-install')
      .find((r) => r.dataset.model === 'stanford-deidentifier-base')!;
    expect(install).toHaveTextContent(h.at('project', 'models', 'stanford-deidentifier-base'));
    expect(install).toHaveTextContent('To get it (on a connected machine):');
    expect(screen.getByTestId('device-setting')).toHaveTextContent('In use: auto (default)');
  });

  it('checks the models on the chosen device, shows them verified and loaded there, and saves the device for the project', async () => {
    render(Host, { props: { bridge: h.bridge } });
    await screen.findByRole('table', { name: 'Models' });
    await fireEvent.change(screen.getByLabelText('Device'), { target: { value: 'cpu' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save for this project' }));
    await waitFor(() =>
      expect(screen.getByTestId('device-setting')).toHaveTextContent('In use: cpu (project setting)'),
    );
    await fireEvent.click(screen.getByRole('button', { name: 'Check models' }));
    await waitFor(
      () => expect(within(row('test-ner')).getByTestId('model-status')).toHaveTextContent('Verified'),
      { timeout: 30_000 },
    );
    expect(within(row('test-ner')).getByTestId('model-device')).toHaveTextContent(/^cpu \(\d+ ms\)/);
    // The five test models and the OCR model that ships with MedPrep (verified against its pinned hashes).
    expect(within(row('paddleocr-ppocrv4')).getByTestId('model-status')).toHaveTextContent('Verified');
    expect(screen.getByTestId('models-job')).toHaveTextContent(
      /Check: done — 6 loaded, 5 not installed, 0 failed/,
    );
  });

  it('benchmarks one model and shows its rates', async () => {
    render(Host, { props: { bridge: h.bridge } });
    await screen.findByRole('table', { name: 'Models' });
    await fireEvent.click(screen.getByRole('button', { name: 'Benchmark test-ner' }));
    const table = await screen.findByRole('table', { name: 'Benchmark' }, { timeout: 30_000 });
    const rows = within(table).getAllByTestId('bench-row');
    expect(rows.length).toBeGreaterThan(0);
    expect(rows[0]).toHaveTextContent('test-ner');
  });
});
