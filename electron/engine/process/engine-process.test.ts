// The engine in its own process, driven the way Electron's main process drives its utility process: the same
// entry, the same messages, started here with child_process.fork because the Electron binary is not here.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { forkHost } from '../../../native-models/runner.ts';
import { TEST_MODELS_DIR } from '../../../native-models/test-helpers.ts';
import { sampleMimic, tempDir } from '../../../test/support/dicom-tree.ts';
import { jobEnd, runJourney } from '../../../test/support/journey.ts';
import type { JobInfo } from '../../api/contract.ts';
import { EngineClient, forkEngine, type EngineChild } from './client.ts';

const work = tempDir('medprep-engine-process-');
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** A forked engine process whose exit the test can await. */
function child(env: NodeJS.ProcessEnv = process.env): { proc: EngineChild; exited: Promise<number | null> } {
  const proc = forkEngine(undefined, { env });
  const exited = new Promise<number | null>((resolve) => proc.onExit(resolve));
  return { proc, exited };
}

describe('the engine process', () => {
  it('runs import → de-identify → curate → SFT → export over its messages, with live job events', async () => {
    const { proc, exited } = child();
    const client = await EngineClient.start(proc, {
      engine: { sampleProjectDir: path.join(work, 'sample') },
    });
    const updates: JobInfo[] = [];
    client.on('job.updated', (job) => updates.push(job));

    const r = await runJourney(client, sampleMimic, path.join(work, 'journey'));
    expect(r.summary.imported).toBeGreaterThan(10);
    expect(r.deid.message).toMatch(/de-identified \d+ of \d+ files and reports, 0 with errors/);
    expect(r.curate.kept).toBeGreaterThan(0);
    expect(r.sft!.counts.byTask.findings).toBeGreaterThan(0);
    expect(r.result).toMatchObject({ ok: true, error: null });
    expect(r.result.samples).toBeGreaterThan(0);
    expect(r.verify.ok, r.verify.summary).toBe(true);
    expect(new Set(updates.map((j) => j.kind))).toEqual(
      new Set(['import', 'deid', 'curate', 'sft', 'export']),
    );
    expect(client.activeJobs()).toEqual([]);

    // Errors keep their contract code across the process boundary.
    await expect(client.invoke('images.get', { id: 999_999 })).rejects.toMatchObject({ code: 'not-found' });
    await expect(client.invoke('no.such' as 'app.info', {})).rejects.toMatchObject({ code: 'bad-request' });

    // Media resolve to files in the project's cache, and nothing outside it.
    const page = await client.invoke('images.list', { offset: 0, limit: 1 });
    const thumb = page.items[0]!.thumbnail!;
    const file = await client.resolveMedia(`/${thumb}`);
    expect(file && fs.statSync(file).isFile()).toBe(true);
    expect(await client.resolveMedia('/media/thumbs/../../project.sqlite')).toBeNull();

    await client.close();
    await exited;
    await expect(client.invoke('app.info', {})).rejects.toMatchObject({ code: 'unavailable' });
  }, 300_000);

  it('mirrors running jobs for the close prompt while a job runs', async () => {
    const { proc } = child();
    const client = await EngineClient.start(proc, { engine: {} });
    await client.invoke('project.create', { dir: path.join(work, 'running') });
    const started = await client.invoke('import.start', { source: sampleMimic });
    expect(client.activeJobs().map((j) => j.id)).toEqual([started.id]);
    expect((await jobEnd(client, started)).state).toBe('done');
    expect(client.activeJobs()).toEqual([]);
    await client.close();
  }, 120_000);

  it('runs its models in hosts the parent starts on its behalf (how the app uses utilityProcess)', async () => {
    const { proc } = child({ ...process.env, MEDPREP_MODELS_DIR: TEST_MODELS_DIR });
    const started: string[] = [];
    const client = await EngineClient.start(proc, {
      engine: {},
      modelHosts: (script, opts) => {
        started.push(path.basename(script));
        return forkHost(script, opts);
      },
    });
    await client.invoke('project.create', { dir: path.join(work, 'models') });
    const job = await client.invoke('models.check', { ids: ['test-ner'], device: 'cpu' });
    expect((await jobEnd(client, job)).state).toBe('done');
    expect(await client.invoke('models.result', { jobId: job.id })).toMatchObject({
      checks: [{ id: 'test-ner', status: 'verified', device: 'cpu' }],
    });
    expect(started).toEqual([expect.stringMatching(/^host\.(ts|js)$/)]);
    await client.close();
  }, 120_000);
});
