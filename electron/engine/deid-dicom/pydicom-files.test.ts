// Every DICOM file of pydicom's test suite (Debian's python3-pydicom) through deidentifyDicom: uncompressed,
// big-endian, implicit VR, no File Meta, RLE, JPEG baseline/extended/lossless, JPEG-LS, JPEG 2000, multi-frame,
// RT, SR, waveform and DICOMDIR files. Each either de-identifies (the output parses, and the original patient
// name is gone from it) or is refused with a clear reason of a documented class. Skipped where the folder is
// missing.
//
// DICOM files: a `.dcm` name, `DICM` at offset 128, or a `DICOMDIR`. Left out as not DICOM: the READMEs, the
// pydicom dumps (`*.dump`), the DICOM JSON files (`*.json`) and `zipMR.gz` (a gzip file; import never unpacks).
//
// Documented refusals (anything else fails the test):
// - broken on purpose, truncated: MR_truncated.dcm (Pixel Data cut short), rtplan_truncated.dcm, and
//   dicomdirtests/DICOMDIR-nooffset (an item longer than what is left) → "truncated: …";
// - not Part 10 and not recognisable as a dataset: no_meta.dcm (no preamble, no File Meta, implicit VR from
//   the first byte) → "not a DICOM file". (ExplVR_*NoMeta.dcm, which start like a dataset, are read.)
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { getString, parseDicom } from '../dicom/index.ts';
import { deidentifyDicom } from './index.ts';

const ROOT = '/usr/lib/python3/dist-packages/pydicom/data/test_files';

const REFUSED: Record<string, { reason: RegExp; why: string }> = {
  'MR_truncated.dcm': { reason: /^truncated: /u, why: 'broken on purpose: truncated' },
  'rtplan_truncated.dcm': { reason: /^truncated: /u, why: 'broken on purpose: truncated' },
  'dicomdirtests/DICOMDIR-nooffset': { reason: /^truncated: /u, why: 'broken on purpose: truncated' },
  'no_meta.dcm': { reason: /not a DICOM file/u, why: 'no preamble or File Meta, not a dataset start' },
};

function dicomFiles(): string[] {
  if (!fs.existsSync(ROOT)) return [];
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else {
        const head = Buffer.alloc(132);
        const fd = fs.openSync(p, 'r');
        const n = fs.readSync(fd, head, 0, 132, 0);
        fs.closeSync(fd);
        const dicm = n === 132 && head.toString('latin1', 128, 132) === 'DICM';
        if (e.name.endsWith('.dcm') || e.name === 'DICOMDIR' || dicm) out.push(path.relative(ROOT, p));
      }
    }
  };
  walk(ROOT);
  return out.sort();
}

const files = dicomFiles();
const refusedCount = files.filter((f) => f in REFUSED).length;

describe.skipIf(files.length === 0)('pydicom test files', () => {
  it(`${files.length} DICOM files: ${files.length - refusedCount} de-identify, ${refusedCount} are refused for a documented reason`, async () => {
    const outcomes: string[] = [];
    const unexpected: string[] = [];
    for (const rel of files) {
      const bytes = fs.readFileSync(path.join(ROOT, rel));
      let name: string | undefined;
      try {
        name = getString(parseDicom(bytes).dataset, 0x00100010);
      } catch {
        // the refusal below says why
      }
      try {
        const r = await deidentifyDicom(bytes, {
          secret: Buffer.alloc(32, 7),
          appVersion: 'test',
          patientKey: rel,
        });
        const out = parseDicom(r.bytes);
        const after = getString(out.dataset, 0x00100010) ?? '';
        if (name && name.replace(/[\^ ]/gu, '').length >= 3 && after === name)
          unexpected.push(`${rel}: Patient's Name kept`);
        if (rel in REFUSED) unexpected.push(`${rel}: expected a refusal (${REFUSED[rel]!.why}), got none`);
        outcomes.push(`ok ${rel}${r.quarantine ? ` (quarantine: ${r.quarantine.reason})` : ''}`);
      } catch (err) {
        const message = (err as Error).message.split('\n')[0] ?? '';
        const expected = REFUSED[rel];
        if (!expected || !expected.reason.test(message)) unexpected.push(`${rel}: ${message}`);
        else outcomes.push(`refused ${rel}: ${message} (${expected.why})`);
      }
    }
    const quarantined = outcomes.filter((o) => o.includes('(quarantine:')).length;
    console.log(
      [
        `pydicom test files: ${outcomes.filter((o) => o.startsWith('ok ')).length} de-identified ` +
          `(${quarantined} of them quarantined for burned-in text review), ` +
          `${outcomes.filter((o) => o.startsWith('refused ')).length} refused:`,
        ...outcomes.filter((o) => o.startsWith('refused ')),
      ].join('\n'),
    );
    expect(unexpected).toEqual([]);
    expect(files.length).toBeGreaterThan(100);
    // Compressed transfer syntaxes are among those that de-identify.
    for (const f of ['MR_small_RLE.dcm', 'JPEG-lossy.dcm', 'MR_small_jpeg_ls_lossless.dcm', 'JPEG2000.dcm'])
      expect(
        outcomes.some((o) => o.startsWith(`ok ${f}`)),
        f,
      ).toBe(true);
  });
});
