import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEngine, type EngineHarness } from '../../../../test/support/engine-bridge.ts';
import { sampleMimic } from '../../../../test/support/dicom-tree.ts';
import Host from './DeidPanelHost.test-host.svelte';

let h: EngineHarness;

beforeAll(async () => {
  h = startEngine();
  await h.engine.invoke('project.create', { dir: h.at('project') });
  const job = await h.engine.invoke('import.start', { source: sampleMimic, format: 'mimic-cxr' });
  await h.engine.waitForJob(job.id);
});

afterEach(() => cleanup());

afterAll(async () => {
  await h.dispose();
});

describe('the de-identification panel', () => {
  it('explains the settings, runs de-identification, shows a header before and after, and reviews report spans', async () => {
    render(Host, { props: { bridge: h.bridge } });
    expect(await screen.findByRole('group', { name: 'Dates' })).toBeInTheDocument();
    expect(screen.getByLabelText(/Shift per patient/)).toBeChecked();
    expect(screen.getByLabelText(/Clean descriptions/)).toBeChecked();

    await fireEvent.click(screen.getByRole('button', { name: 'Run de-identification' }));
    // De-identification reads every image with the OCR model too: allow for a busy CPU.
    expect(
      await screen.findByText(/De-identification finished/, {}, { timeout: 150_000 }),
    ).toBeInTheDocument();
    await waitFor(() => expect(screen.getByTestId('deid-overview')).toHaveTextContent('20 of 20 images'));

    await fireEvent.click(screen.getByRole('tab', { name: 'Header before and after' }));
    await fireEvent.input(screen.getByLabelText('Image number'), { target: { value: '1' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Show header' }));
    const table = await screen.findByRole('table', { name: /Header before and after/ });
    const nameRow = within(table).getByText('PatientName').closest('tr')!;
    expect(nameRow).toHaveTextContent('DOE^JANE');

    await fireEvent.click(screen.getByRole('tab', { name: 'Report review' }));
    const list = await h.engine.invoke('deid.reports.list', { offset: 0, limit: 50 });
    let janeDoe = 0;
    for (const r of list.items)
      if ((await h.engine.invoke('deid.report', { reportId: r.id })).rawText.includes('Jane Doe (MRN'))
        janeDoe = r.id;
    await fireEvent.click(await screen.findByRole('button', { name: new RegExp(`^Report ${janeDoe} —`) }));
    const spans = await screen.findAllByTestId('span-row');
    expect(spans.length).toBeGreaterThan(0);
    const deid = screen.getByTestId('report-deid-text');
    expect(deid).not.toHaveTextContent('Jane Doe');
    expect(deid).toHaveTextContent('[NAME]');

    const first = spans[0]!;
    await fireEvent.click(within(first).getByRole('button', { name: /^Reject span/ }));
    await waitFor(() =>
      expect(
        within(screen.getAllByTestId('span-row')[0]!).getByRole('button', { name: /^Reject span/ }),
      ).toHaveAttribute('aria-pressed', 'true'),
    );

    // Add a span over "cough" by typing the range (the keyboard path of selecting text).
    const raw = screen.getByTestId('report-text').textContent!;
    const at = raw.indexOf('cough');
    await fireEvent.input(screen.getByLabelText('From character'), { target: { value: String(at) } });
    await fireEvent.input(screen.getByLabelText('to'), { target: { value: String(at + 5) } });
    await fireEvent.change(screen.getByLabelText('Category'), { target: { value: 'LOCATION' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Add span' }));
    await waitFor(() => expect(screen.getByTestId('report-deid-text')).not.toHaveTextContent('cough'));
  }, 200_000);

  it('lists the quarantine and saves drawn masks', async () => {
    const db = (await import('better-sqlite3')).default;
    const conn = new db(h.at('project', 'project.db'));
    conn
      .prepare(
        "INSERT INTO quarantine (image_id, reason, source) VALUES (3, 'Burned In Annotation is YES', 'header')",
      )
      .run();
    // A line the OCR model read and could not decide: the reviewer sees what was read.
    conn
      .prepare(
        `INSERT INTO pixel_text (image_id, run_id, view, x, y, width, height, category, reason, text, score, rotation, source)
         SELECT 3, max(id), 'rendered', 4, 4, 80, 20, 'unsure', 'text that is neither a known identifier nor a marker',
           'ST ELSEWHERE WARD 4', 0.93, 0, 'ocr:paddleocr-ppocrv4' FROM deid_runs`,
      )
      .run();
    conn.close();
    render(Host, { props: { bridge: h.bridge } });
    await fireEvent.click(await screen.findByRole('tab', { name: 'Quarantine' }));
    await fireEvent.click(await screen.findByRole('button', { name: 'Masks for image 3' }));
    expect(screen.getByRole('list', { name: 'Text read in the image' })).toHaveTextContent(
      '“ST ELSEWHERE WARD 4” (frame 1): not decided',
    );
    await fireEvent.input(screen.getByLabelText('width'), { target: { value: '30' } });
    await fireEvent.input(screen.getByLabelText('height'), { target: { value: '12' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Add rectangle' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Save masks' }));
    expect(await screen.findByText('Saved 1 mask for image 3.')).toBeInTheDocument();
    await fireEvent.click(screen.getByRole('button', { name: 'Release image 3' }));
    await waitFor(() => expect(screen.getByTestId('quarantine-row')).toHaveTextContent('release'));
    const items = await h.engine.invoke('deid.quarantine.list', {});
    expect(items[0]).toMatchObject({
      imageId: 3,
      decision: 'release',
      masks: [{ x: 0, y: 0, width: 30, height: 12 }],
    });
  });
});
