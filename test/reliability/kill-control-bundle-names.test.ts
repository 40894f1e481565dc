// Found by the kill harness's control run: the MIMIC-CXR sample imported as MIMIC and, copied with changed
// pixels, once more as a plain DICOM folder gives pairs of different images (different patients in the
// project) with one SOP Instance UID. Bundle images were named by that UID, so both got one file, samples of
// two patients pointed at it and verify found a patient in two splits. Each image now has its own file.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { verifyBundle } from '../../electron/engine/export/verify.ts';
import { makeDicomTree, sampleMimic } from '../support/dicom-tree.ts';
import { runSequence } from './support/kill-run.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'medprep-names-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

it('images sharing a SOP Instance UID get separate bundle files, and the bundle verifies', async () => {
  const copies = makeDicomTree(path.join(root, 'copies'), { images: 12 }); // sample radiographs, pixels changed
  const p = path.join(root, 'project');
  const out = path.join(root, 'bundle');
  const run = await runSequence([
    ['init', p],
    ['import', p, sampleMimic, '--format', 'mimic-cxr'],
    ['import', p, copies.dir, '--format', 'dicom'],
    ['deid', p],
    ['curate', p],
    ['sft', p],
    ['export', p, out],
  ]);
  expect(run.failures).toEqual([]);
  const report = await verifyBundle(out, null);
  expect(report.checks.filter((c) => !c.ok)).toEqual([]);
  const metadata = fs
    .readFileSync(path.join(out, 'metadata.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { image: string; patient: string });
  // One metadata row per file, and as many files as rows: no file stands for two images.
  expect(new Set(metadata.map((m) => m.image)).size).toBe(metadata.length);
  expect(fs.readdirSync(path.join(out, 'images'))).toHaveLength(metadata.length);
}, 300_000);
