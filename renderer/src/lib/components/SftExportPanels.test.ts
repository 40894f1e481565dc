import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import SessionHost from '../../../test-host/SessionHost.svelte';
import { Session } from '../session.svelte.ts';
import { startEngine, type EngineHarness } from '../../../../test/support/engine-bridge.ts';
import { sampleData } from '../../../../test/support/sample-project.ts';
import { callPatientWhite, plantSample } from '../../../../test/support/leak-review.ts';
import ExportPanel from './ExportPanel.svelte';
import SftPanel from './SftPanel.svelte';

let h: EngineHarness;
let session: Session;

beforeEach(async () => {
  h = startEngine();
  await h.engine.invoke('project.create', { dir: h.at('project') });
  const job = await h.engine.invoke('import.start', {
    source: `${sampleData}/mimic-cxr`,
    format: 'mimic-cxr',
  });
  await h.engine.waitForJob(job.id);
  await h.engine.waitForJob((await h.engine.invoke('deid.start', {})).id);
  session = new Session(h.bridge);
  await session.start();
});

afterEach(async () => {
  cleanup();
  session.dispose();
  await h.dispose();
});

describe('SFT and export panels (real engine)', () => {
  it('shows tasks and paraphrases, previews samples of a task, and generates', async () => {
    render(SessionHost, { props: { session, panel: SftPanel } });
    expect(await screen.findByLabelText('Weight of closed_vqa')).toBeInTheDocument();
    expect((screen.getByLabelText('Paraphrases, one per line') as HTMLTextAreaElement).value).toContain(
      'Describe the findings of this chest X-ray.',
    );
    await fireEvent.change(screen.getByLabelText('Preview task'), { target: { value: 'view' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Preview' }));
    const preview = await screen.findByTestId('sft-preview');
    expect(preview).toHaveTextContent('view · view#');
    await fireEvent.click(screen.getByRole('button', { name: 'Generate samples' }));
    await waitFor(
      () => expect(screen.getByTestId('sft-summary')).toHaveTextContent(/Latest run: \d+ samples/),
      {
        timeout: 20_000,
      },
    );
  });

  it('shows the gate counts of the latest run and opens a dropped sample with its reason', async () => {
    await h.engine.waitForJob((await h.engine.invoke('sft.run', {})).id);
    const { counts } = (await h.engine.invoke('sft.summary', {}))!;
    const { total, samples } = await h.engine.invoke('sft.dropped', {});
    render(SessionHost, { props: { session, panel: SftPanel } });
    const gate = await screen.findByTestId('sft-gate');
    expect(gate).toHaveTextContent(`${counts.gate!.passed} of ${counts.gate!.checked} candidates passed`);
    expect(screen.getByTestId('gate-contradiction')).toHaveTextContent(
      String(counts.gate!.failed.contradiction),
    );
    await fireEvent.click(screen.getByRole('button', { name: 'Show dropped samples' }));
    const list = await screen.findByTestId('sft-dropped');
    expect(list).toHaveTextContent(`${total} dropped`);
    expect(total).toBeGreaterThan(0);
    const first = samples[0]!;
    const item = screen.getByText(`${first.task} · ${first.reason}`);
    await fireEvent.click(item);
    expect(item.closest('details')).toHaveTextContent(first.response ?? first.source ?? '');
    // Filtered by one reason, the engine sends only that reason's samples.
    const key = `${first.task}:${first.reason}`;
    await fireEvent.change(screen.getByLabelText('Dropped for'), { target: { value: key } });
    await waitFor(() =>
      expect(screen.getByTestId('sft-dropped')).toHaveTextContent(`${counts.dropped[key]} dropped`),
    );
  });

  it('checks the leak gate and the card before writing, then writes and verifies the bundle', async () => {
    await h.engine.waitForJob((await h.engine.invoke('sft.run', {})).id);
    render(SessionHost, { props: { session, panel: ExportPanel } });
    await fireEvent.click(await screen.findByRole('button', { name: 'Check leak gate and card' }));
    expect(await screen.findByTestId('export-plan')).toHaveTextContent(
      /Leak gate: \d+ texts scanned, no hits/,
    );
    expect(screen.getByTestId('export-card')).toHaveTextContent('MedPrep SFT bundle');
    await fireEvent.input(screen.getByLabelText('Bundle path'), { target: { value: h.at('bundle') } });
    await fireEvent.click(screen.getByRole('button', { name: 'Write bundle' }));
    expect(await screen.findByTestId('export-out', {}, { timeout: 20_000 })).toHaveTextContent(
      h.at('bundle'),
    );
    await fireEvent.click(screen.getByRole('button', { name: 'Verify bundle' }));
    expect(await screen.findByTestId('verify-summary', {}, { timeout: 20_000 })).toHaveTextContent(
      'bundle OK',
    );
  });

  it('shows a leak-gate hit to review with its sentence, takes a decision with a reason, then writes', async () => {
    await h.engine.waitForJob((await h.engine.invoke('sft.run', {})).id);
    callPatientWhite(h.at('project'));
    plantSample(h.at('project'), 'Seen by the team; White reported no pain.');
    render(SessionHost, { props: { session, panel: ExportPanel } });
    await fireEvent.click(await screen.findByRole('button', { name: 'Check leak gate and card' }));
    expect(await screen.findByTestId('export-plan')).toHaveTextContent(/NAME \(to review\)/);
    const hit = await screen.findByTestId('leak-hit');
    expect(hit).toHaveTextContent('Seen by the team; White reported no pain.');
    expect(hit.querySelector('mark')).toHaveTextContent('White');
    await fireEvent.click(screen.getByRole('button', { name: 'Accept' }));
    expect(await screen.findByText('Say why this hit is no identifier.')).toBeInTheDocument();
    await fireEvent.input(screen.getByLabelText(/^Reason for hit \d+$/), {
      target: { value: 'a team member, not the patient' },
    });
    await fireEvent.click(screen.getByRole('button', { name: 'Accept' }));
    await waitFor(() => expect(screen.getByTestId('leak-review')).toHaveTextContent('No open hits.'));
    expect(screen.getByTestId('leak-review')).toHaveTextContent('Accepted so far: 1');
    await fireEvent.input(screen.getByLabelText('Bundle path'), { target: { value: h.at('bundle') } });
    await fireEvent.click(screen.getByRole('button', { name: 'Write bundle' }));
    expect(await screen.findByTestId('export-out', {}, { timeout: 20_000 })).toHaveTextContent(
      h.at('bundle'),
    );
  });
});
