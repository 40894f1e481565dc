// The leak gate's review queue as a user meets it: a patient called White, reports where "White" is a word,
// a person, or cannot be told; the export stops on what it cannot decide, `medprep leaks` lists it, a person
// accepts it, and the export passes and says so on its card.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../electron/engine/index.ts';
import { sampleProject, type SampleProject } from '../support/sample-project.ts';
import { medprep } from '../support/dicom-tree.ts';
import { callPatientWhite, plantSample as plant, removeSample as remove } from '../support/leak-review.ts';

let sp: SampleProject;
const plantSample = (response: string) => plant(sp.dir, response);
const removeSample = (id: number) => remove(sp.dir, id);

async function exportTo(engine: Engine, name: string) {
  const out = path.join(sp.tmp, name);
  const job = await engine.waitForJob((await engine.invoke('export.run', { format: 'llava', out })).id);
  return { out, job, result: await engine.invoke('export.result', { jobId: job.id }) };
}

beforeAll(async () => {
  sp = await sampleProject();
  callPatientWhite(sp.dir);
}, 300_000);
afterAll(() => sp.dispose());

describe('a patient named White', () => {
  it('exports reports where "White" is an ordinary word without asking anyone', async () => {
    const id = plantSample('Normal white blood cells. White matter is unremarkable.');
    try {
      const { job, result } = await exportTo(sp.engine, 'ordinary');
      expect(job.state, job.message).toBe('done');
      expect(result.leak).toMatchObject({ ok: true, hits: [], accepted: 0 });
    } finally {
      removeSample(id);
    }
  });

  it('stops an export naming her as a person, with no review to accept', async () => {
    const id = plantSample('Result called White by phone.');
    try {
      const { out, job, result } = await exportTo(sp.engine, 'person');
      expect(job.state).toBe('failed');
      expect(result.leak.hits).toEqual([
        { file: 'data/train.json', record: `row${id}`, category: 'NAME', kind: 'identifier' },
      ]);
      expect(fs.existsSync(out)).toBe(false);
      expect((await sp.engine.invoke('export.leaks', {})).open).toEqual([]);
    } finally {
      removeSample(id);
    }
  });

  it('queues what it cannot decide; the CLI lists it without the words; a person accepts it; the export passes and its card counts it', async () => {
    const sentence = 'Seen by the team; White reported no pain.';
    const id = plantSample(sentence);
    try {
      const refused = await exportTo(sp.engine, 'undecided');
      expect(refused.job.state).toBe('failed');
      expect(refused.job.message).toMatch(/wait for a person's review \(medprep leaks\)/);
      expect(refused.result.leak.hits).toEqual([
        { file: 'data/train.json', record: `row${id}`, category: 'NAME', kind: 'review' },
      ]);
      expect(JSON.stringify(refused.result) + refused.job.message).not.toMatch(/White|reported no pain/);

      // The app asks for the words; anything else gets none.
      const queue = await sp.engine.invoke('export.leaks', { withText: true });
      expect(queue.open).toHaveLength(1);
      expect(queue.open[0]).toMatchObject({
        file: 'data/train.json',
        record: `row${id}`,
        category: 'NAME',
        state: 'open',
        match: 'White',
        context: sentence,
      });
      const hit = queue.open[0]!.id;

      const listed = medprep(['leaks', sp.dir, '--json']);
      expect(listed.code, listed.stderr).toBe(0);
      const doc = JSON.parse(listed.stdout) as { open: Record<string, unknown>[]; accepted: number };
      expect(doc.open).toEqual([
        {
          id: hit,
          file: 'data/train.json',
          record: `row${id}`,
          category: 'NAME',
          state: 'open',
          reason: null,
          decidedAt: null,
        },
      ]);
      const piped = medprep(['leaks', sp.dir]);
      expect(piped.code).toBe(0);
      expect(piped.stdout).toContain(`${hit}  data/train.json, record row${id}, NAME`);
      expect(piped.stdout + listed.stdout).not.toMatch(/White|reported no pain/);

      expect(medprep(['leaks', sp.dir, '--accept', String(hit)]).code).toBe(2);
      const accepted = medprep([
        'leaks',
        sp.dir,
        '--accept',
        String(hit),
        '--reason',
        'team member, not the patient',
      ]);
      expect(accepted.code, accepted.stderr).toBe(0);
      expect(accepted.stdout).toContain(`Accepted hit ${hit}`);

      const passed = await exportTo(sp.engine, 'accepted');
      expect(passed.job.state, passed.job.message).toBe('done');
      expect(passed.result.leak).toMatchObject({ ok: true, hits: [], accepted: 1 });
      const card = fs.readFileSync(path.join(passed.out, 'README.md'), 'utf8');
      expect(card).toMatch(/1 gate hit the gate could not decide/);
      expect(card).not.toMatch(/White|reported no pain/);
      const verified = await sp.engine.invoke('export.verify', { bundle: passed.out, withProject: true });
      expect(verified.ok, verified.summary).toBe(true);
      expect(await sp.engine.invoke('export.leaks', {})).toEqual({ open: [], accepted: 1 });
    } finally {
      removeSample(id);
    }
  });

  it('refuses an accept without a reason or for an unknown hit', async () => {
    await expect(sp.engine.invoke('export.acceptLeak', { id: 1, reason: ' ' })).rejects.toThrow(/reason/);
    await expect(sp.engine.invoke('export.acceptLeak', { id: 9999, reason: 'x' })).rejects.toThrow(
      /No leak-gate hit 9999/,
    );
  });
});
