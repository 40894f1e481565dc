// Issue 19's attack set (scripts/make-attack-set.py, written with pydicom): DICOM files that hide one patient's
// identifiers where the Basic Profile's keep rules or a careless implementation would let them through, one
// or more files per class (1 removable sequences, 2 free text in trusted attributes, 3 other people in cleaned
// descriptors, 4 options that keep too much, 5 bytes outside the elements, 6 ages over 89, 7 Person Name
// groups and character sets, 9 known identifiers without information). Each file goes through the real
// de-identifier with the project's header cleaner and the options its case names; the output must hold none
// of the case's needles in any byte or any decoded text, and the leak gate over the output must find nothing.
// Each class also has a check of what it must keep, so "drop everything" cannot pass.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { headerCleaner } from '../../electron/engine/deid/clean.ts';
import { type DeidOptions, deidentifyDicom, withDefaults } from '../../electron/engine/deid-dicom/index.ts';
import { j2kSideSpans, jpegSideSpans } from '../../electron/engine/deid-dicom/payloads.ts';
import { compileHeader, detectSpans } from '../../electron/engine/deid-text/index.ts';
import {
  type DicomDataset,
  decodeFrame,
  getItems,
  getString,
  getStrings,
  parseDicom,
  prepareDecoding,
  readPixelInfo,
} from '../../electron/engine/dicom/index.ts';
import { buildMatcher, dicomScanItems, scanText, scanTexts } from '../../electron/engine/leak-gate/index.ts';
import { headerIdentifiers } from '../../electron/engine/sft/index.ts';
import { flatHeader } from '../../electron/engine/dicom/index.ts';
import { repoRoot, tempDir } from '../support/dicom-tree.ts';

interface AttackCase {
  file: string;
  class: number;
  options: Partial<DeidOptions>;
  needles: string[];
}

const work = tempDir('medprep-attack-');
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));
const SECRET = Buffer.alloc(32, 0x19);
let cases: AttackCase[] = [];
const source = (c: AttackCase) => fs.readFileSync(path.join(work, c.file));
const byName = (name: string) => cases.find((c) => c.file === `${name}.dcm`)!;

beforeAll(() => {
  execFileSync('/usr/bin/python3', [path.join(repoRoot, 'scripts', 'make-attack-set.py'), work]);
  cases = (JSON.parse(fs.readFileSync(path.join(work, 'attack.json'), 'utf8')) as { cases: AttackCase[] })
    .cases;
});

async function deid(c: AttackCase): Promise<Uint8Array> {
  const options = withDefaults({ longitudinal: 'modified-dates', ...c.options });
  const result = await deidentifyDicom(source(c), {
    secret: SECRET,
    options,
    appVersion: '0.1.0',
    detectText: false,
    cleanText: headerCleaner({ secret: SECRET, options, textMode: 'tags', patientKey: c.file, known: {} }),
  });
  return result.bytes;
}

const dataset = async (name: string): Promise<DicomDataset> => parseDicom(await deid(byName(name))).dataset;

/** The needles found in the bytes (as Latin-1 and UTF-8) or in any text the gate extracts. */
function needlesIn(bytes: Uint8Array, c: AttackCase): string[] {
  const texts = dicomScanItems(c.file, bytes).map((i) => i.text);
  const hay = [Buffer.from(bytes).toString('latin1'), Buffer.from(bytes).toString('utf8'), ...texts]
    .join('\n')
    .toLowerCase();
  return c.needles.filter((n) => hay.includes(n.toLowerCase()));
}

const identifiersOf = (c: AttackCase) => headerIdentifiers(flatHeader(parseDicom(source(c))));

describe('the attack set: no identifier survives de-identification, whatever the hiding place', () => {
  it('has a case for every class it covers', () => {
    expect(new Set(cases.map((c) => c.class))).toEqual(new Set([1, 2, 3, 4, 5, 6, 7, 9]));
  });

  it('each case, de-identified, holds none of its needles and passes the leak gate', async () => {
    for (const c of cases) {
      const out = await deid(c);
      expect(needlesIn(source(c), c).length, `${c.file} plants its needles`).toBeGreaterThan(0);
      expect(needlesIn(out, c), c.file).toEqual([]);
      const leak = await scanTexts(dicomScanItems(c.file, out), [identifiersOf(c)]);
      expect(leak.hits, c.file).toEqual([]);
    }
  });

  it('the leak gate reads nested code meanings, ICC bytes, bytes after the pixels and JPEG comments', async () => {
    for (const name of [
      'c2-kept-free-text',
      'c5-trailing-pixels',
      'c5-jpeg-segments',
      'c5-j2k-comments',
      'c1-removable-sequences',
    ]) {
      const c = byName(name);
      const leak = await scanTexts(dicomScanItems(c.file, source(c)), [identifiersOf(c)]);
      expect(leak.ok, name).toBe(false);
    }
    const c2 = byName('c2-kept-free-text');
    const records = dicomScanItems(c2.file, source(c2)).map((i) => i.record);
    expect(records).toContain('(0008,2112)[0](0008,9215)[0](0008,2218)[0](0008,2220)[0](0008,0104)');
    expect(records).toContain('(0028,2000)');
  });
});

describe('class 1: X, Z and D sequences', () => {
  it('removes, empties or replaces each with one dummy item; nothing of the original items is left', async () => {
    const out = await dataset('c1-removable-sequences');
    for (const tag of [0x0040a730, 0x00340001, 0x00700001, 0x00401101, 0x00081111, 0x0040a073]) {
      const items = getItems(out, tag);
      expect(items.length, tag.toString(16)).toBeLessThanOrEqual(1);
    }
    const observer = getItems(out, 0x0040a073)[0];
    expect(observer === undefined || getString(observer, 0x0040a075) === 'ANONYMIZED').toBe(true);
  });
});

describe('class 2: free text in kept attributes, UIDs, ICC profile', () => {
  it('scrubs code meanings at every depth but keeps the medicine, remaps private UIDs, drops the ICC profile', async () => {
    const out = await dataset('c2-kept-free-text');
    const region = getItems(out, 0x00082218)[0]!;
    expect(getString(region, 0x00080104)).toBe('Chest of [NAME]');
    expect(getString(region, 0x00080100)).toBe('T-D3000');
    expect(getString(region, 0x00080117)).toMatch(/^2\.25\./u);
    const view = getItems(out, 0x00540220)[0]!;
    expect(getString(view, 0x00080104)).toBe('postero-anterior');
    expect(getString(getItems(view, 0x00540222)[0]!, 0x00080104)).toBe('[NAME] view');
    expect(getString(getItems(out, 0x00089215)[0]!, 0x00080100)).toBe('113076');
    expect(out.elements.has(0x00082112)).toBe(false); // Source Image Sequence (X/Z/U*, Type 3 here): removed
    expect(getString(out, 'SOPClassUID')).toBe('1.2.840.10008.5.1.4.1.1.1.1');
    expect(out.elements.has(0x00282000)).toBe(false);
    expect(getString(out, 'WindowCenter')).toBe('2048');
  });
});

describe('class 2 with Retain UIDs: referenced-image sequences kept, their code meanings still cleaned', () => {
  it('cleans a code meaning four sequences down and keeps the DCM code above it', async () => {
    const out = await dataset('c2-deep-retain-uids');
    const purpose = getItems(getItems(out, 0x00082112)[0]!, 0x0040a170)[0]!;
    expect(getString(purpose, 0x00080104)).toBe('Uncompressed predecessor');
    const deep = getItems(getItems(purpose, 0x00081140)[0]!, 0x0040a170)[0]!;
    expect(getString(deep, 0x00080104)).toBe('Prior of [NAME]');
  });
});

describe('class 3: Clean Descriptors and other people', () => {
  it('takes third persons and ages over 89 out of descriptors and keeps what describes the image', async () => {
    const out = await dataset('c3-descriptors');
    expect(getString(out, 'StudyDescription')).toBe('CHEST PA per Dr. [NAME]');
    expect(getString(out, 'ProtocolName')).toBe('Chest routine, tech Mr. [NAME]');
    const reason = getString(out, 0x00401002);
    expect(reason === undefined || reason.startsWith('[AGE]')).toBe(true);
  });
});

describe('class 4: options that keep too much', () => {
  it('Clean Graphics keeps no overlay bitmap; Retain Safe Private keeps no text in a numeric slot', async () => {
    const out = await dataset('c4-overlay-private');
    expect([...out.elements.keys()].some((t) => t >>> 16 === 0x6000)).toBe(false);
    expect([...out.elements.keys()].some((t) => t >>> 16 === 0x0019)).toBe(false);
  });

  it('a safe slot whose value fits its listed VR is still kept', async () => {
    const c = byName('c4-overlay-private');
    const bytes = Buffer.from(source(c));
    // Rewrite the LO text in the US slot (0019,100A) as a real US value: same tag, VR US, 2 bytes.
    const at = bytes.indexOf(Buffer.from([0x19, 0x00, 0x0a, 0x10, 0x4c, 0x4f]));
    expect(at).toBeGreaterThan(0);
    const length = bytes.readUInt16LE(at + 6);
    const us = Buffer.from([0x19, 0x00, 0x0a, 0x10, 0x55, 0x53, 0x02, 0x00, 0x04, 0x00]);
    const fixed = Buffer.concat([bytes.subarray(0, at), us, bytes.subarray(at + 8 + length)]);
    const out = parseDicom(
      (
        await deidentifyDicom(fixed, {
          secret: SECRET,
          options: { retainSafePrivate: true },
          appVersion: '0.1.0',
          detectText: false,
        })
      ).bytes,
    ).dataset;
    expect(out.elements.get(0x0019100a)?.vr).toBe('US');
    expect(out.elements.has(0x0019100c)).toBe(false);
  });
});

describe('class 5: bytes outside the elements', () => {
  it('cuts native Pixel Data at its declared length', async () => {
    const out = await dataset('c5-trailing-pixels');
    expect(out.elements.get(0x7fe00010)?.value.length).toBe(64 * 64 * 2);
  });

  it('strips COM, APPn and trailing bytes from JPEG and JPEG 2000 frames, which decode to the same pixels', async () => {
    for (const name of ['c5-jpeg-segments', 'c5-j2k-comments']) {
      const c = byName(name);
      const before = parseDicom(source(c));
      const after = parseDicom(await deid(c));
      await prepareDecoding(before);
      await prepareDecoding(after);
      const a = decodeFrame(before, 0, readPixelInfo(before.dataset)).data;
      const b = decodeFrame(after, 0, readPixelInfo(after.dataset)).data;
      expect(Buffer.from(b.buffer).equals(Buffer.from(a.buffer)), name).toBe(true);
      const fragment = after.dataset.elements.get(0x7fe00010)!.encapsulated!.fragments[0]!;
      const frame = Buffer.from(
        after.dataset.source.subarray(fragment.offset, fragment.offset + fragment.length),
      );
      // Left: at most a bare JFIF APP0 and the even-length pad byte after EOI/EOC.
      const left = [...jpegSideSpans(frame), ...j2kSideSpans(frame)].map((span) =>
        frame.subarray(span.start, span.end).toString('hex'),
      );
      for (const hex of left) expect(['ffe000104a46494600010100000100010000', '00'], name).toContain(hex);
      expect(frame.includes(Buffer.from('Exif')), name).toBe(false);
    }
  });
});

describe('class 6: ages over 89', () => {
  it('caps the age and keeps no birth date, so no pair of dates gives the true age', async () => {
    const out = await dataset('c6-old-age');
    expect(getString(out, 'PatientAge')).toBe('090Y');
    expect(getString(out, 'PatientBirthDate')).toBeUndefined();
  });

  it('keeps the birth year asked for when the patient is younger', async () => {
    const out = await dataset('c1-removable-sequences');
    expect(getString(out, 'PatientBirthDate')).toBeUndefined(); // c1 asks for the default: empty
    const young = byName('c6-old-age');
    const bytes = Buffer.from(source(young));
    bytes.write('19601002', bytes.indexOf('19301002'), 'latin1');
    bytes.write('062Y', bytes.indexOf('092Y'), 'latin1');
    const options = { birthDate: 'year' as const, retainPatientCharacteristics: true };
    const kept = parseDicom(
      (await deidentifyDicom(bytes, { secret: SECRET, options, appVersion: '0.1.0', detectText: false }))
        .bytes,
    ).dataset;
    expect(getString(kept, 'PatientBirthDate')).toBe('19600101');
    // Another study of the same patient at 90: the bundle would pair the two, so no birth date here either.
    const later = { secret: SECRET, options, appVersion: '0.1.0', detectText: false as const };
    const paired = parseDicom(
      (await deidentifyDicom(bytes, { ...later, patientStudyDates: ['20230105', '20501003'] })).bytes,
    ).dataset;
    expect(getString(paired, 'PatientBirthDate')).toBeUndefined();
  });
});

describe('class 7: Person Name groups and character sets', () => {
  it('finds the ideographic and phonetic names in descriptors and keeps the rest in ISO 2022 JP', async () => {
    const out = await dataset('c7-pn-iso2022jp');
    expect(getStrings(out, 'SpecificCharacterSet')).toEqual(['', 'ISO 2022 IR 87']);
    expect(getString(out, 'StudyDescription')).toBe('胸部 正面 [NAME]様');
    const step = getItems(out, 0x00400275)[0]!;
    expect(getString(step, 0x00400007)).toBe('胸部 [NAME] 撮影');
  });

  it('keeps GB18030 text as GB18030, without question marks', async () => {
    const out = await dataset('c7-pn-gb18030');
    expect(getString(out, 'StudyDescription')).toBe('胸部X光 [NAME] 复查');
  });

  it('the leak gate matches CJK names inside unspaced text', () => {
    const matcher = buildMatcher([{ patientNames: ['Yamada^Tarou=山田^太郎=やまだ^たろう'] }]);
    expect(scanText('患者山田様の胸部', matcher).found.get('NAME')).toBe('identifier');
    expect(scanText('たろうくん', matcher).found.get('NAME')).toBe('identifier');
    expect(scanText('胸部正面', matcher).found.size).toBe(0);
  });
});

describe('class 9: known identifiers without information', () => {
  it('ignores names like "----", "-" and "a" instead of looping or scrubbing ordinary words', async () => {
    const out = await dataset('c9-no-information');
    expect(getString(out, 'StudyDescription')).toBe('Cardiac chest - - - a view');
    const text = 'Cardiac^ study, a - view ---- by A. Smith';
    const known = { physicianNames: ['----', '-'], operatorNames: ['a'] };
    expect(detectSpans(text, { known })).toEqual(detectSpans(text));
    expect(compileHeader(known).items).toEqual([]);
  });
});
