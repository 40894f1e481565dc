/**
 * MedPrep's DICOM decoding against pydicom's (with GDCM and Pillow) over a folder of public test files: which
 * files the reference decodes that MedPrep rejects, which decoded values differ (and by how much), and whether
 * modality values (rescale / Modality LUT) equal pydicom's on conformant grayscale files.
 *
 *   node scripts/compare-decoders.ts DIR [--reference REF.jsonl --reference-dir REFDIR] [--json OUT.json]
 *
 * Without --reference it runs scripts/reference-decode.py (Debian's python3 with pydicom, python3-gdcm)
 * into a temporary folder first. Nothing is written into DIR.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  type DecodedFrame,
  type DicomFile,
  decodeFrame,
  DicomError,
  modalityValues,
  parseDicom,
  prepareDecoding,
  readPixelInfo,
  renderFrame,
} from '../electron/engine/dicom/index.ts';

interface Reference {
  path: string;
  status: 'decoded' | 'no-pixels' | 'not-dicom' | 'reference-error';
  reason?: string;
  id?: number;
  transferSyntax?: string;
  photometric?: string;
  frames?: number;
  samplesPerPixel?: number;
  float?: boolean;
  enhanced?: boolean;
  modalityError?: string;
}

type Outcome =
  | 'identical'
  | 'colour-space'
  | 'mismatch'
  | 'medprep-rejects'
  | 'both-reject'
  | 'only-medprep-decodes'
  | 'no-pixels';

interface Row {
  path: string;
  outcome: Outcome;
  detail?: string;
  modality?: 'equal' | 'differs' | 'not-compared';
  transferSyntax?: string;
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    reference: { type: 'string' },
    'reference-dir': { type: 'string' },
    json: { type: 'string' },
  },
});
const root = positionals[0];
if (!root) {
  console.error('usage: node scripts/compare-decoders.ts DIR [--reference REF.jsonl --reference-dir REFDIR]');
  process.exit(2);
}

function runReference(): { lines: string; dir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medprep-reference-'));
  const script = path.join(import.meta.dirname, 'reference-decode.py');
  const r = spawnSync('/usr/bin/python3', [script, root!, dir], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`reference-decode.py failed: ${r.stderr.slice(-500)}`);
  return { lines: r.stdout, dir };
}

const ref = values.reference
  ? { lines: fs.readFileSync(values.reference, 'utf8'), dir: values['reference-dir'] ?? '' }
  : runReference();
const references = ref.lines
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l) as Reference);

/** Our decode (and rendering) of every frame, or why it was refused. */
async function ours(
  file: string,
): Promise<{ parsed: DicomFile; frames: DecodedFrame[] } | { error: string }> {
  try {
    const parsed = parseDicom(fs.readFileSync(file));
    await prepareDecoding(parsed);
    const info = readPixelInfo(parsed.dataset);
    const frames: DecodedFrame[] = [];
    for (let f = 0; f < info.numberOfFrames; f++) {
      const frame = decodeFrame(parsed, f, info);
      renderFrame(parsed.dataset, frame); // what import does with it: a frame that cannot render is rejected
      frames.push(frame);
    }
    return { parsed, frames };
  } catch (err) {
    if (err instanceof DicomError) return { error: err.message };
    throw err;
  }
}

function readArray(file: string, float: boolean): Float64Array | Int32Array {
  const b = fs.readFileSync(file);
  const copy = new Uint8Array(b.length);
  copy.set(b);
  return float ? new Float64Array(copy.buffer) : new Int32Array(copy.buffer);
}

/** Samples that differ between our frames (concatenated) and the reference's, and the largest difference. */
function differences(frames: DecodedFrame[], theirs: ArrayLike<number>): { count: number; max: number } {
  let i = 0;
  let count = 0;
  let max = 0;
  for (const f of frames) {
    for (let k = 0; k < f.data.length; k++, i++) {
      const a = f.data[k]!;
      const b = theirs[i]!;
      // The reference's stored values come as int32: a 32-bit unsigned sample wraps there.
      if (a === b || (Number.isNaN(a) && Number.isNaN(b)) || (a - b) % 2 ** 32 === 0) continue;
      count++;
      max = Math.max(max, Math.abs(a - b));
    }
  }
  return { count: count + Math.abs(theirs.length - i), max };
}

function compareModality(parsed: DicomFile, frames: DecodedFrame[], theirs: Float64Array): boolean {
  let i = 0;
  for (const f of frames) {
    const mine = modalityValues(parsed.dataset, f);
    for (let k = 0; k < mine.length; k++, i++) if (Math.abs(mine[k]! - theirs[i]!) > 1e-9) return false;
  }
  return i === theirs.length;
}

const rows: Row[] = [];
for (const r of references) {
  const file = path.join(root, r.path);
  if (r.status === 'not-dicom') continue;
  const mine = await ours(file);
  const error = 'error' in mine ? mine.error : undefined;
  if (r.status === 'no-pixels') {
    rows.push({ path: r.path, outcome: 'no-pixels' });
    continue;
  }
  if (r.status === 'reference-error') {
    rows.push(
      error === undefined
        ? { path: r.path, outcome: 'only-medprep-decodes', detail: r.reason ?? '' }
        : { path: r.path, outcome: 'both-reject', detail: `${error} | pydicom: ${r.reason ?? ''}` },
    );
    continue;
  }
  if ('error' in mine) {
    rows.push({
      path: r.path,
      outcome: 'medprep-rejects',
      detail: mine.error,
      transferSyntax: r.transferSyntax,
    });
    continue;
  }
  const theirs = readArray(path.join(ref.dir, `${r.id}.stored`), r.float === true);
  const diff = differences(mine.frames, theirs);
  const ourPhotometric = mine.frames[0]!.info.photometric;
  let outcome: Outcome = 'identical';
  let detail: string | undefined;
  if (diff.count > 0) {
    // We hand colour JPEG out as RGB (libjpeg converts); pydicom may return the stored YCbCr.
    outcome = ourPhotometric !== r.photometric && r.samplesPerPixel === 3 ? 'colour-space' : 'mismatch';
    detail = `${diff.count} samples differ, at most by ${diff.max} (ours ${ourPhotometric}, pydicom ${r.photometric})`;
  }
  const row: Row = { path: r.path, outcome, transferSyntax: r.transferSyntax };
  if (detail) row.detail = detail;
  const modalityFile = path.join(ref.dir, `${r.id}.modality`);
  if (fs.existsSync(modalityFile) && !r.enhanced && outcome === 'identical') {
    row.modality = compareModality(mine.parsed, mine.frames, readArray(modalityFile, true) as Float64Array)
      ? 'equal'
      : 'differs';
  } else row.modality = 'not-compared';
  rows.push(row);
}

const count = (o: Outcome) => rows.filter((r) => r.outcome === o).length;
const summary = {
  files: rows.length,
  withPixels: rows.filter((r) => r.outcome !== 'no-pixels').length,
  referenceDecodes: rows.filter(
    (r) => !['no-pixels', 'both-reject', 'only-medprep-decodes'].includes(r.outcome),
  ).length,
  identical: count('identical'),
  colourSpace: count('colour-space'),
  mismatch: count('mismatch'),
  medprepRejects: count('medprep-rejects'),
  bothReject: count('both-reject'),
  onlyMedprepDecodes: count('only-medprep-decodes'),
  modalityCompared: rows.filter((r) => r.modality === 'equal' || r.modality === 'differs').length,
  modalityDiffers: rows.filter((r) => r.modality === 'differs').length,
};
console.log(JSON.stringify(summary, null, 1));
for (const r of rows)
  if (r.outcome !== 'identical' && r.outcome !== 'no-pixels')
    console.log(`${r.outcome.padEnd(21)} ${r.path}: ${r.detail ?? ''}`);
for (const r of rows) if (r.modality === 'differs') console.log(`modality differs     ${r.path}`);
if (values.json) fs.writeFileSync(values.json, JSON.stringify({ summary, rows }, null, 1));
if (!values.reference) fs.rmSync(ref.dir, { recursive: true, force: true }); // the arrays we had written
