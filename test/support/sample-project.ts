// A project holding the bundled sample data (MIMIC-CXR and PADCHEST), built once per test file in-process.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Engine } from '../../electron/engine/index.ts';

export const sampleData = path.resolve(import.meta.dirname, '..', '..', 'resources', 'sample-data');

export interface SampleProject {
  engine: Engine;
  dir: string;
  tmp: string;
  dispose(): Promise<void>;
}

async function runJob(engine: Engine, started: Promise<{ id: string }>) {
  const job = await engine.waitForJob((await started).id);
  if (job.state !== 'done') throw new Error(`${job.kind} ${job.state}: ${job.message}`);
  return job;
}

/** Creates a project with both samples imported and de-identified, and (unless told not to) SFT samples generated. */
export async function sampleProject(opts: { sft?: boolean } = {}): Promise<SampleProject> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'medprep-sft-'));
  const dir = path.join(tmp, 'project');
  const engine = new Engine();
  await engine.invoke('project.create', { dir, name: 'Sample' });
  for (const [sub, format] of [
    ['mimic-cxr', 'mimic-cxr'],
    ['padchest', 'padchest'],
  ] as const) {
    await runJob(engine, engine.invoke('import.start', { source: path.join(sampleData, sub), format }));
  }
  await runJob(engine, engine.invoke('deid.start', {}));
  if (opts.sft !== false) await runJob(engine, engine.invoke('sft.run', {}));
  return {
    engine,
    dir,
    tmp,
    async dispose() {
      await engine.close();
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}

export { runJob };
