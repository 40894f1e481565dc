// Bundles are written and verified in bounded memory: a Parquet split and a WebDataset split (packed as a
// zip) several times larger than the allowance are exported and verified by the real CLI in a child process,
// whose peak RSS (GNU time) must stay within MARGIN of the same project's LLaVA export, whose data files carry
// no image bytes. A format that held a split (or an archive, or verify the bundle) in memory would exceed it.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeMimicTree } from '../../scripts/scale-data.ts';
import { medprep, repoRoot, tempDir } from '../support/dicom-tree.ts';

const MIB = 1024 * 1024;
const MARGIN = 120 * MIB;
/**
 * Verify decodes one Parquet row group (or one shard's sample) at a time on top of what an LLaVA verify holds:
 * measured 100–130 MiB above it on this data, still far below a split (over 2 × MARGIN), which buffering would add.
 */
const VERIFY_MARGIN = 160 * MIB;
const work = tempDir('medprep-memory-');
const project = path.join(work, 'p');
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** The CLI under GNU time: exit code and peak RSS in bytes (the process and its worker threads). */
function measured(args: string[]): { code: number; rss: number; stderr: string } {
  const r = spawnSync(
    '/usr/bin/time',
    ['-v', process.execPath, path.join(repoRoot, 'electron/cli/bin.js'), ...args],
    {
      encoding: 'utf8',
      timeout: 300_000,
    },
  );
  const kb = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr)?.[1];
  return { code: r.status ?? -1, rss: Number(kb) * 1024, stderr: r.stderr.slice(-1000) };
}

/** `medprep export PROJECT OUT --max-side 1024 …`, measured. */
const exported = (out: string, ...flags: string[]) =>
  measured(['export', project, out, '--max-side', '1024', ...flags]);

const run = (args: string[]) => {
  const r = medprep(args);
  expect(r.code, r.stderr).toBe(0);
};

const bytesUnder = (dir: string, re: RegExp) =>
  fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => re.test(f))
    .reduce((n, f) => n + fs.statSync(path.join(dir, f)).size, 0);

beforeAll(() => {
  // Ordinary-word surnames left out: this test is about memory, not the leak gate's decision on them.
  writeMimicTree(path.join(work, 'src'), 100, { seed: 11, wordSurnames: false, rows: 1024 });
  run(['init', project]);
  run(['import', project, path.join(work, 'src')]);
  for (const stage of ['deid', 'curate', 'sft']) run([stage, project]);
  // Renders every image into the project's cache, so the measured exports below differ only in format.
  run(['export', project, path.join(work, 'warm'), '--max-side', '1024']);
}, 600_000);

describe('bounded memory at scale', () => {
  it('Parquet and WebDataset splits and a zip archive are streamed, never held whole', () => {
    const base = exported(path.join(work, 'llava'));
    expect(base.code, base.stderr).toBe(0);

    const parquet = path.join(work, 'parquet');
    const pq = exported(parquet, '--format', 'parquet', '--shard-mb', '100');
    expect(pq.code, pq.stderr).toBe(0);
    const split = bytesUnder(parquet, /^data\/train-.*\.parquet$/);
    expect(split).toBeGreaterThan(2 * MARGIN);
    // The 100 MB cap gives several shards, named as 🤗 datasets names them.
    const shards = fs.readdirSync(path.join(parquet, 'data')).filter((f) => f.startsWith('train-'));
    expect(shards.length).toBeGreaterThan(2);
    expect(shards).toContain(`train-00000-of-${String(shards.length).padStart(5, '0')}.parquet`);
    expect(pq.rss - base.rss).toBeLessThan(MARGIN);

    const zip = path.join(work, 'webdataset.zip');
    const wd = exported(zip, '--format', 'webdataset', '--archive', 'zip');
    expect(wd.code, wd.stderr).toBe(0);
    expect(fs.statSync(zip).size).toBeGreaterThan(2 * MARGIN);
    expect(wd.rss - base.rss).toBeLessThan(MARGIN);
  }, 600_000);

  it('verify streams the same bundles, folder and zip, with the project’s leak scan', () => {
    const base = measured(['verify', path.join(work, 'llava'), '--project', project]);
    expect(base.code, base.stderr).toBe(0);
    for (const bundle of [path.join(work, 'parquet'), path.join(work, 'webdataset.zip')]) {
      const v = measured(['verify', bundle, '--project', project]);
      expect(v.code, v.stderr).toBe(0);
      expect(v.rss - base.rss).toBeLessThan(VERIFY_MARGIN);
    }
  }, 600_000);
});
