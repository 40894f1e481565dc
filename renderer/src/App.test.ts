import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import App from './App.svelte';
import { createSocketBridge } from './lib/bridge.ts';
import {
  dicomFixtureCount,
  dicomFixtures,
  startEngine,
  type EngineHarness,
} from '../../test/support/engine-bridge.ts';
import { LoopbackServer } from '../../test/support/loopback-socket.ts';

let h: EngineHarness;

beforeEach(() => {
  h = startEngine();
});

afterEach(async () => {
  cleanup();
  await h.dispose();
});

async function type(label: string | RegExp, value: string) {
  await fireEvent.input(await screen.findByLabelText(label), { target: { value } });
}

async function createProject(name = 'Chest XR') {
  render(App, { props: { bridge: h.bridge } });
  await type('New project folder', h.at('project'));
  await type(/Name/, name);
  await fireEvent.click(screen.getByRole('button', { name: 'Create project' }));
  await screen.findByTestId('project-header');
}

describe('MedPrep', () => {
  it('with no project open, offers to create, open or try the sample, without Browse… in a browser', async () => {
    render(App, { props: { bridge: h.bridge } });
    expect(await screen.findByRole('heading', { name: 'Start with a project' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Create project' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Open project' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Open sample project' })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: /Browse/ })).not.toBeInTheDocument();
  });

  it('creating a project shows its empty home', async () => {
    await createProject('Chest XR');
    expect(screen.getByTestId('project-name')).toHaveTextContent('Chest XR');
    expect(screen.getByTestId('project-path')).toHaveTextContent(h.at('project'));
    await waitFor(() => expect(screen.getByTestId('stat-images')).toHaveTextContent('0'));
    expect(screen.getByTestId('stat-patients')).toHaveTextContent('0');
    expect(screen.getByTestId('project-empty')).toHaveTextContent('This project is empty');
    expect(screen.getByRole('navigation', { name: 'Project' })).toBeInTheDocument();
  });

  it('an engine error shows in an alert', async () => {
    const busy = h.nonEmptyFolder('not-empty');
    render(App, { props: { bridge: h.bridge } });
    await type('New project folder', busy);
    await fireEvent.click(screen.getByRole('button', { name: 'Create project' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(`${busy} is not empty`);

    await type('Project folder', h.at('nowhere'));
    await fireEvent.click(screen.getByRole('button', { name: 'Open project' }));
    await waitFor(() => expect(screen.getByRole('alert')).toHaveTextContent('No MedPrep project in'));
  });

  it('opening an existing project shows its home, and closing it returns to the project screen', async () => {
    const dir = h.at('existing');
    await h.engine.invoke('project.create', { dir, name: 'Existing' });
    await h.engine.invoke('project.close', {});
    render(App, { props: { bridge: h.bridge } });
    await type('Project folder', dir);
    await fireEvent.click(screen.getByRole('button', { name: 'Open project' }));
    expect(await screen.findByTestId('project-name')).toHaveTextContent('Existing');

    await fireEvent.click(screen.getByRole('button', { name: 'Close project' }));
    expect(await screen.findByRole('heading', { name: 'Start with a project' })).toBeInTheDocument();
    expect(await h.engine.invoke('project.current', {})).toBeNull();
  });

  it('shows a project opened by another front, as the engine announces it', async () => {
    render(App, { props: { bridge: h.bridge } });
    await screen.findByRole('heading', { name: 'Start with a project' });
    await h.engine.invoke('project.create', { dir: h.at('elsewhere'), name: 'From the CLI' });
    expect(await screen.findByTestId('project-name')).toHaveTextContent('From the CLI');
  });

  it('Browse… fills the folder from the native picker when the front has one', async () => {
    const picked = h.at('picked');
    render(App, { props: { bridge: { ...h.bridge, front: 'electron', pickFolder: async () => picked } } });
    const browse = await screen.findByRole('button', { name: 'Browse for new project folder' });
    await fireEvent.click(browse);
    await waitFor(() => expect(screen.getByLabelText('New project folder')).toHaveValue(picked));
  });

  it('importing a folder runs to done, lists the broken files and fills the image grid', async () => {
    await createProject();
    await fireEvent.click(screen.getByRole('button', { name: 'Import' }));
    await type('Source folder', dicomFixtures);

    await fireEvent.click(screen.getByRole('button', { name: 'Detect layout' }));
    const detected = await screen.findByTestId('detect-result');
    expect(detected).toHaveTextContent('DICOM folder');
    expect(detected).toHaveTextContent('every file in it is read as DICOM');

    await fireEvent.click(screen.getByRole('button', { name: 'Start import' }));
    const progress = await screen.findByTestId('job-progress');
    await waitFor(() => expect(progress).toHaveAttribute('data-state', 'done'), { timeout: 20_000 });
    const files = dicomFixtureCount();
    expect(within(progress).getByTestId('job-count')).toHaveTextContent(`${files} / ${files}`);
    expect(within(progress).getByRole('progressbar')).toHaveAttribute('aria-valuenow', String(files));
    expect(within(progress).getByTestId('job-message')).toHaveTextContent(`read ${files} of ${files} files`);
    expect(within(progress).queryByRole('button', { name: 'Cancel import' })).not.toBeInTheDocument();

    const problems = await screen.findByTestId('problems-table');
    const truncated = within(problems).getByText('truncated.dcm').closest('tr');
    expect(truncated).toHaveTextContent('Error');
    expect(truncated).toHaveTextContent('truncated');
    expect(within(problems).getByText('not_dicom.txt').closest('tr')).toHaveTextContent('not a DICOM file');

    const stats = await h.engine.invoke('project.stats', {});
    await fireEvent.click(screen.getByRole('button', { name: /^Browse/ }));
    await waitFor(() =>
      expect(screen.getByTestId('browse-count')).toHaveTextContent(`${stats.images} images`),
    );
    // The PA films only, so the one looked for is on the first screen of the virtualised grid.
    await fireEvent.click(
      within(await screen.findByTestId('facet-view')).getByRole('checkbox', { name: /^PA/ }),
    );
    const card = await screen.findByRole('gridcell', { name: 'Image cr_12bit.dcm' });
    expect(card).toHaveTextContent('PA');
    // The thumbnail is decorative (the cell is named): an img without alt text, served by the media route.
    expect(card.querySelector('img')?.getAttribute('src')).toMatch(/^media\/thumbs\/[0-9a-f]{64}\.png$/);

    await fireEvent.click(card);
    const detail = await screen.findByTestId('image-detail');
    await waitFor(() => expect(within(detail).getByTestId('detail-path')).toHaveTextContent('cr_12bit.dcm'));
    expect(within(detail).getByTestId('detail-transfer-syntax')).toHaveTextContent(
      'Explicit VR Little Endian',
    );
    expect(within(detail).getByTestId('detail-window')).toHaveTextContent('C 2000 / W 4000');
    // Not de-identified yet: the Header tab says so and shows the header as imported.
    await fireEvent.click(within(detail).getByRole('tab', { name: 'Header' }));
    expect(within(detail).getByTestId('header-not-deid')).toHaveTextContent('Not de-identified yet');
    const header = within(detail).getByTestId('header-table');
    expect(within(header).getByText('Modality')).toBeInTheDocument();

    await fireEvent.input(within(detail).getByRole('searchbox', { name: 'Filter header' }), {
      target: { value: 'patientname' },
    });
    const rows = within(header).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toHaveTextContent('Fixture^Patient');

    await fireEvent.keyDown(window, { key: 'Escape' });
    await waitFor(() => expect(screen.queryByTestId('image-detail')).not.toBeInTheDocument());
    expect(card).toHaveFocus();
  });

  it('the images view says so when there is nothing yet and leads to Import', async () => {
    await createProject();
    await fireEvent.click(screen.getByRole('button', { name: /^Browse/ }));
    expect(await screen.findByText('No images in this project yet')).toBeInTheDocument();
    await fireEvent.click(screen.getByRole('button', { name: 'Import data' }));
    expect(screen.getByRole('heading', { name: 'Import data' })).toBeInTheDocument();
  });

  it('starting an import of a missing folder shows the engine’s reason', async () => {
    await createProject();
    await fireEvent.click(screen.getByRole('button', { name: 'Import' }));
    await type('Source folder', h.at('missing'));
    await fireEvent.click(screen.getByRole('button', { name: 'Start import' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('does not exist');
    expect(screen.queryByTestId('job-progress')).not.toBeInTheDocument();
  });
});

describe('MedPrep in a browser', () => {
  it('says when the connection drops and catches up on what it missed once back', async () => {
    const server = new LoopbackServer(h.engine);
    const bridge = createSocketBridge({
      url: 'ws://test/api',
      createSocket: server.connect,
      minDelayMs: 5,
      maxDelayMs: 20,
    });
    render(App, { props: { bridge } });
    await screen.findByRole('heading', { name: 'Start with a project' });

    server.accepting = false;
    server.dropAll();
    expect(await screen.findByTestId('connection-lost')).toHaveTextContent('Reconnecting');
    // Opened while this window was cut off: the event never reached it.
    await h.engine.invoke('project.create', { dir: h.at('meanwhile'), name: 'Opened meanwhile' });

    server.accepting = true;
    expect(await screen.findByTestId('project-name')).toHaveTextContent('Opened meanwhile');
    await waitFor(() => expect(screen.queryByTestId('connection-lost')).not.toBeInTheDocument());
    bridge.close();
  });
});
