// Hostile and broken input, CI size: 300 seeded mutants of valid DICOM, PNG, JPEG, PADCHEST CSV and manifest
// fixtures go through the real import (folders of mutants imported in batches by `medprep import`, then
// `medprep deid`; CSVs as their own sources). Nothing may crash or hang, every file is imported or recorded
// with a reason, every job ends, and the project passes PRAGMA integrity_check. The nightly size is
// `npm run fuzz -- --cases 5000 --seed N` (scripts/fuzz.ts); a failure there replays here with its seed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runFuzz } from './support/fuzz-run.ts';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'medprep-fuzz-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe('fuzzed input through the real import', () => {
  it('300 mutants: no crash, no hang, every file recorded with a reason, jobs done, integrity ok', async () => {
    const report = await runFuzz({ seed: 20261125, cases: 300, dir: work, batch: 135, fileTimeoutS: 5 });
    expect(report.failures).toEqual([]);
    expect(report.imageCases + report.csvCases).toBe(300);
    // The mutants are not all rejected: the import still does real work beside the damage.
    expect(report.imported).toBeGreaterThan(20);
    expect(report.errors).toBeGreaterThan(50);
    // PNG bombs are refused from their header, before any pixel is decoded; the file of a million 1×1
    // frames is ended by the per-file watchdog and recorded.
    expect(report.fixed).toEqual({
      'bomb-20000.png': 'error: PNG cannot be decoded (too large: over the pixel limit)',
      'bomb-rgb-10000.png': 'error: PNG cannot be decoded (too large: declares 10000x10000x3 samples)',
      'frames-1000000.dcm': 'error: timed out after 5s',
      'manifest.jsonl': expect.stringMatching(/^imported/u),
    });
    expect(Object.keys(report.reasons).some((r) => r.includes('worker crashed'))).toBe(false);
  }, 300_000);
});
