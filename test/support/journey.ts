// The whole journey (import → de-identify → curate → SFT → export → verify) through any front that offers the
// contract's invoke and events: the engine process over its message protocol, in dev or from a packaged layout.
import path from 'node:path';
import type { JobInfo, MedprepBridge } from '../../electron/api/contract.ts';

/** What every front offers: the contract's invoke and events. */
export type ContractFront = Pick<MedprepBridge, 'invoke' | 'on'>;

const ENDED = new Set(['done', 'failed', 'cancelled', 'interrupted']);

/** Follows a job through `job.updated` until it ends (jobs.list covers an end that came before the listener). */
export async function jobEnd(front: ContractFront, started: JobInfo): Promise<JobInfo> {
  let off = () => {};
  const ended = new Promise<JobInfo>((resolve) => {
    off = front.on('job.updated', (job) => {
      if (job.id === started.id && ENDED.has(job.state)) resolve(job);
    });
  });
  const now = (await front.invoke('jobs.list', {})).find((j) => j.id === started.id);
  const job = now && ENDED.has(now.state) ? now : await ended;
  off();
  return job;
}

async function run(front: ContractFront, started: Promise<JobInfo>): Promise<JobInfo> {
  const job = await jobEnd(front, await started);
  if (job.state !== 'done') throw new Error(`${job.kind} ${job.state}: ${job.message}`);
  return job;
}

/** Runs every stage on `source` (a MIMIC-CXR folder) in a new project under `work`; returns what each produced. */
export async function runJourney(front: ContractFront, source: string, work: string) {
  await front.invoke('project.create', { dir: path.join(work, 'project'), name: 'Journey' });
  const imported = await run(front, front.invoke('import.start', { source, format: 'mimic-cxr' }));
  const summary = await front.invoke('import.summary', { jobId: imported.id });
  const deid = await run(front, front.invoke('deid.start', {}));
  const curated = await run(front, front.invoke('curate.run', {}));
  const curate = await front.invoke('curate.summary', { jobId: curated.id });
  await run(front, front.invoke('sft.run', {}));
  const sft = await front.invoke('sft.summary', {});
  const out = path.join(work, 'bundle');
  const exported = await run(front, front.invoke('export.run', { format: 'llava', out, maxSide: 128 }));
  const result = await front.invoke('export.result', { jobId: exported.id });
  const verify = await front.invoke('export.verify', { bundle: out, withProject: true });
  return { summary, deid, curate, sft, result, verify };
}
