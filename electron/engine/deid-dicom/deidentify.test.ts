import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  type DicomDataset,
  type DicomFile,
  getItems,
  getString,
  getStrings,
  parseDicom,
} from '../dicom/index.ts';
import {
  type DeidOptions,
  type DeidResult,
  applyMasks,
  deidentifyDicom,
  detectBurnedInText,
  iodFor,
  PRESENT_ONLY_WITH,
  loadTable,
  profileActions,
  resolveAction,
  shiftDaysFor,
  uidFor,
  withDefaults,
} from './index.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const FIX = path.join(ROOT, 'test/fixtures/deid-dicom/');
const SAMPLES = path.join(ROOT, 'resources/sample-data/mimic-cxr/');
const PYDICOM = '/usr/lib/python3/dist-packages/pydicom/data/test_files/';
const SECRET = Buffer.alloc(32, 0x5a);
const OTHER_SECRET = Buffer.alloc(32, 0xa5);
const ALL = readFileSync(`${FIX}all-attributes.dcm`);
const STUDY2 = readFileSync(`${FIX}study2.dcm`);
const planted = JSON.parse(readFileSync(`${FIX}planted.json`, 'utf8')) as { values: Record<string, string> };
const hasDciodvfy = ((): boolean => {
  try {
    execFileSync('which', ['dciodvfy']);
    return true;
  } catch {
    return false;
  }
})();

const run = (bytes: Uint8Array, options: Partial<DeidOptions> = {}, secret = SECRET): Promise<DeidResult> =>
  deidentifyDicom(bytes, { secret, options, appVersion: '0.1.0', detectText: false });

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.dcm'))
    .map((f) => path.join(dir, f));
}

/** Raw-byte scan for planted values: verbatim, case-insensitive, and PN `^` written as space or comma. */
function leaks(bytes: Uint8Array, values: string[]): string[] {
  const hay = Buffer.from(bytes).toString('latin1').toUpperCase();
  const found: string[] = [];
  for (const v of values) {
    const variants = new Set([v, v.replace(/\^+/g, ' ').trim(), v.split('^').filter(Boolean).join(', ')]);
    for (const x of variants) if (x.length >= 6 && hay.includes(x.toUpperCase())) found.push(v);
  }
  return found;
}

function errorLines(file: string): string[] {
  let out: string;
  try {
    out = execFileSync('dciodvfy', [file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    out = `${e.stdout ?? ''}${e.stderr ?? ''}`;
  }
  const res = execFileSync('sh', ['-c', `dciodvfy "${file}" 2>&1 || true`], { encoding: 'utf8' });
  return `${out}\n${res}`
    .split('\n')
    .filter((l) => l.startsWith('Error'))
    .map((l) => l.replace(/ Value=<[^>]*>/, ''));
}

const tmp = mkdtempSync(path.join(tmpdir(), 'deid-dicom-'));
function newErrors(input: string, output: Uint8Array): string[] {
  const outFile = path.join(tmp, `${path.basename(input)}.out.dcm`);
  writeFileSync(outFile, output);
  const before = new Set(errorLines(input));
  return [...new Set(errorLines(outFile))].filter((l) => !before.has(l));
}

const CONTENT_SEQUENCE = 0x0040a730;
const PERSON_NAME = 0x0040a123;
const tagNumber = (id: string): number => parseInt(id, 16) >>> 0;

describe('the profile computed from Table E.1-1', () => {
  it('gives the Basic Profile action for every row without options, and option actions when chosen', () => {
    const basic = profileActions(withDefaults());
    const table = loadTable();
    expect(table.rows).toHaveLength(621);
    for (const row of table.rows) expect(basic.get(row.id)).toBe(row.basic);
    const all = profileActions(
      withDefaults({
        longitudinal: 'modified-dates',
        retainPatientCharacteristics: true,
        retainDeviceIdentity: true,
        retainInstitutionIdentity: true,
        retainUids: true,
        retainSafePrivate: true,
        cleanDescriptors: true,
        cleanStructuredContent: true,
        cleanGraphics: true,
      }),
    );
    expect(all.get('00100040')).toBe('K'); // Patient's Sex, patient characteristics
    expect(all.get('00080020')).toBe('C'); // Study Date, modified dates
    expect(all.get('0020000d')).toBe('K'); // Study Instance UID, retain UIDs
    expect(all.get('50xxxxxx')).toBe('C');
    expect(all.get('ggggeeee-where-gggg-is-odd')).toBe('C');
  });

  it('needs every naming option for a row two options name (calibration date: device + dates)', () => {
    const deviceOnly = profileActions(withDefaults({ retainDeviceIdentity: true }));
    expect(deviceOnly.get('00181200')).toBe('X');
    const both = profileActions(withDefaults({ retainDeviceIdentity: true, longitudinal: 'full-dates' }));
    expect(both.get('00181200')).toBe('K');
  });

  it('resolves combined actions by the IOD type, and validly when the type is unknown', () => {
    expect(resolveAction('X/Z/D', '3')).toBe('X');
    expect(resolveAction('X/Z/D', '2')).toBe('Z');
    expect(resolveAction('X/Z/D', '1')).toBe('D');
    expect(resolveAction('Z/D', undefined)).toBe('D');
    expect(resolveAction('X/Z', undefined)).toBe('Z');
    expect(resolveAction('X/Z/U*', undefined)).toBe('U');
    expect(iodFor('1.2.840.10008.5.1.4.1.1.1.1')?.types.PatientID).toBe('2');
  });
});

describe('de-identifying an image that carries every attribute of the table', () => {
  it('handles each row per its Basic Profile action', async () => {
    const result = await run(ALL);
    const source = parseDicom(ALL).dataset;
    const out = parseDicom(result.bytes).dataset;
    const iod = iodFor('1.2.840.10008.5.1.4.1.1.1.1');
    let checked = 0;
    for (const row of loadTable().rows) {
      if (!/^[0-9a-f]{8}$/.test(row.id) || row.id.startsWith('0002')) continue;
      const tag = tagNumber(row.id);
      const src = source.elements.get(tag);
      if (src === undefined) continue;
      if ([0x00120062, 0x00120063, 0x00120064, 0x00280303].includes(tag)) continue; // the stamp
      if (PRESENT_ONLY_WITH.has(tag)) continue; // removed with its partner (asserted below)
      const action = resolveAction(
        row.basic,
        iod === undefined ? undefined : (iod.types[row.keyword ?? ''] ?? '3'),
      );
      const got = out.elements.get(tag);
      const label = `${row.tag} ${row.name} ${row.basic}→${action}`;
      checked++;
      if (action === 'X') {
        expect(got, label).toBeUndefined();
        continue;
      }
      expect(got, label).toBeDefined();
      const before = getStrings(source, tag).join('\\');
      const after = getStrings(out, tag).join('\\');
      if (action === 'Z') {
        if (src.items !== undefined) expect(got?.items ?? [], label).toHaveLength(0);
        else expect(after === '' || after.startsWith('MP'), label).toBe(true);
      } else if (action === 'U') {
        if (src.items === undefined) {
          expect(after, label).toMatch(/^2\.25\.[1-9]\d*$/);
          expect(after, label).toBe(uidFor(SECRET, before));
        }
      } else if (action === 'D') {
        if (src.items === undefined) {
          expect(got?.value.length ?? 0, label).toBeGreaterThan(0);
          if (before !== '') expect(after, label).not.toBe(before);
        }
      }
    }
    expect(checked).toBeGreaterThan(450);
    expect(out.elements.has(0x00120081)).toBe(false); // its partner (0012,0082) is X
    expect(result.actions.every((a) => /^(\(\w{4},\w{4}\)(\[\d+\])?)+$/.test(a.tag))).toBe(true);
  });

  it('keeps what the options retain and shifts dates with Modified Dates', async () => {
    const options: Partial<DeidOptions> = {
      longitudinal: 'modified-dates',
      retainPatientCharacteristics: true,
      retainDeviceIdentity: true,
      retainInstitutionIdentity: true,
      retainUids: true,
    };
    const result = await run(ALL, options);
    const source = parseDicom(ALL).dataset;
    const out = parseDicom(result.bytes).dataset;
    const actions = profileActions(withDefaults(options));
    for (const row of loadTable().rows) {
      if (!/^[0-9a-f]{8}$/.test(row.id)) continue;
      const tag = tagNumber(row.id);
      const src = source.elements.get(tag);
      const action = actions.get(row.id);
      if (src === undefined || src.items !== undefined || (action !== 'K' && action !== 'C')) continue;
      if (PRESENT_ONLY_WITH.has(tag)) continue;
      const before = getStrings(source, tag).join('\\');
      const after = getStrings(out, tag).join('\\');
      const label = `${row.tag} ${row.name} ${action}`;
      if (row.vr === 'DA' && action === 'C')
        expect(after, label).toBe('20200115' === before ? shifted(result.shiftDays) : after);
      else if (row.vr === 'AS') expect(after, label).toBe('090Y');
      else if (action === 'K' && row.vr !== 'DT') expect(after, label).toBe(before);
    }
    expect(getString(out, 'StudyDate')).toBe(shifted(result.shiftDays));
    expect(getString(out, 'LongitudinalTemporalInformationModified')).toBe('MODIFIED');
  });

  it('walks sequences at any depth: names three levels down are replaced, references remapped', async () => {
    const out = parseDicom((await run(ALL)).bytes).dataset;
    const l1 = getItems(out, CONTENT_SEQUENCE)[0] as DicomDataset;
    const l2 = getItems(l1, CONTENT_SEQUENCE)[0] as DicomDataset;
    const l3 = getItems(l2, 0x00081199)[0] as DicomDataset;
    expect(getString(l1, PERSON_NAME)).toBe('ANONYMIZED');
    expect(getString(l2, PERSON_NAME)).toBe('ANONYMIZED');
    expect(getString(l3, PERSON_NAME)).toBe('ANONYMIZED');
    expect(getString(l3, 0x00081155)).toBe(uidFor(SECRET, planted.values['deep:uid'] ?? ''));
    expect(getString(l3, 0x00081150)).toBe('1.2.840.10008.5.1.4.1.1.1.1');
  });

  it('removes private tags, keeping only safe-listed ones with their creator under Retain Safe Private', async () => {
    const basic = parseDicom((await run(ALL)).bytes).dataset;
    expect([...basic.elements.keys()].some((t) => (t >>> 16) % 2 === 1)).toBe(false);
    const safe = parseDicom((await run(ALL, { retainSafePrivate: true })).bytes).dataset;
    const privateTags = [...safe.elements.keys()].filter((t) => (t >>> 16) % 2 === 1);
    expect(privateTags).toEqual([0x00190010, 0x0019100c]);
    expect(getString(safe, 0x00190010)).toBe('SIEMENS MR HEADER');
  });

  it('removes overlays and curves; Clean Graphics keeps no overlay bitmap, which can draw a name', async () => {
    const graphicsGroup = (t: number) => t >>> 24 === 0x60 || t >>> 24 === 0x50;
    const basic = parseDicom((await run(ALL)).bytes).dataset;
    expect([...basic.elements.keys()].some(graphicsGroup)).toBe(false);
    const graphics = parseDicom((await run(ALL, { cleanGraphics: true })).bytes).dataset;
    expect([...graphics.elements.keys()].some(graphicsGroup)).toBe(false);
  });

  it('passes descriptors through the injected cleaner with the header identifiers, and drops leaky output', async () => {
    const seen: string[][] = [];
    const result = await deidentifyDicom(ALL, {
      secret: SECRET,
      appVersion: '0.1.0',
      detectText: false,
      options: { cleanDescriptors: true },
      cleanText: (text, known) => {
        seen.push(known.patientIds);
        if (text.startsWith('ID_StudyDescription')) return 'CHEST PA';
        return text.startsWith('ID_SeriesDescription') ? `PA for ${known.patientIds[0] ?? ''}` : text;
      },
    });
    const out = parseDicom(result.bytes).dataset;
    expect(getString(out, 'StudyDescription')).toBe('CHEST PA');
    expect(out.elements.has(0x0008103e)).toBe(false); // the cleaner's output still held the patient ID
    expect(seen[0]).toContain('ID_PatientID');
  });

  it('stamps the method, its CID 7050 codes and the temporal state', async () => {
    const out = parseDicom((await run(ALL, { cleanDescriptors: true })).bytes).dataset;
    expect(getString(out, 'PatientIdentityRemoved')).toBe('YES');
    const codes = getItems(out, 'DeidentificationMethodCodeSequence').map((i) => getString(i, 'CodeValue'));
    expect(codes).toEqual(['113100', '113105']);
    expect(getString(out, 'LongitudinalTemporalInformationModified')).toBe('REMOVED');
  });

  it('leaves none of the planted values anywhere in the output bytes', async () => {
    const values = Object.values(planted.values);
    for (const options of [{}, { cleanGraphics: true, cleanDescriptors: true, retainSafePrivate: true }]) {
      expect(leaks((await run(ALL, options)).bytes, values)).toEqual([]);
    }
  });
});

function shifted(days: number): string {
  const d = new Date(Date.UTC(2020, 0, 15) + days * 86_400_000);
  return d.toISOString().slice(0, 10).replaceAll('-', '');
}

describe('pseudonyms, UIDs and dates across files and runs', () => {
  it('gives the same patient the same pseudonym and shift in both studies, and keeps the interval', async () => {
    const opts = { longitudinal: 'modified-dates' } as const;
    const [a, b] = [await run(ALL, opts), await run(STUDY2, opts)];
    const [da, db] = [parseDicom(a.bytes).dataset, parseDicom(b.bytes).dataset];
    expect(getString(da, 'PatientID')).toBe(getString(db, 'PatientID'));
    expect(getString(da, 'PatientID')).toMatch(/^MP-[A-Z2-7]{13}$/);
    expect(getString(da, 'PatientName')).toBe(`MP^${(getString(da, 'PatientID') ?? '').slice(3)}`);
    expect(a.shiftDays).toBe(b.shiftDays);
    expect(a.shiftDays).toBeGreaterThanOrEqual(-3650);
    expect(a.shiftDays).toBeLessThanOrEqual(-1);
    const days = (s: string | undefined): number =>
      Date.UTC(Number(s?.slice(0, 4)), Number(s?.slice(4, 6)) - 1, Number(s?.slice(6, 8))) / 86_400_000;
    expect(days(getString(db, 'StudyDate')) - days(getString(da, 'StudyDate'))).toBe(46);
    // study2's nested reference points at study 1's new SOP Instance UID.
    const ref = getItems(
      getItems(getItems(db, 'ContentSequence')[0] as DicomDataset, 'ContentSequence')[0] as DicomDataset,
      0x00081199,
    )[0] as DicomDataset;
    expect(getString(ref, 0x00081155)).toBe(a.sopInstanceUid);
    expect(getString(parseDicom(a.bytes).meta, 'MediaStorageSOPInstanceUID')).toBe(a.sopInstanceUid);
    expect(a.linkage).toContainEqual({
      kind: 'patient-id',
      original: 'ID_PatientID',
      pseudonym: getString(da, 'PatientID'),
    });
  });

  it('is deterministic for one secret and different for another', async () => {
    const [x, y, z] = [await run(STUDY2), await run(STUDY2), await run(STUDY2, {}, OTHER_SECRET)];
    expect(Buffer.from(x.bytes).equals(Buffer.from(y.bytes))).toBe(true);
    expect(x.sopInstanceUid).not.toBe(z.sopInstanceUid);
    expect(getString(parseDicom(x.bytes).dataset, 'PatientID')).not.toBe(
      getString(parseDicom(z.bytes).dataset, 'PatientID'),
    );
    expect(shiftDaysFor(SECRET, 'p1')).not.toBe(shiftDaysFor(OTHER_SECRET, 'p1'));
    expect(uidFor(SECRET, '1.2.3').length).toBeLessThanOrEqual(64);
  });

  it('caps ages over 89 at 090Y and then keeps no birth date, not even the year asked for', async () => {
    const out = parseDicom(
      (await run(ALL, { retainPatientCharacteristics: true, birthDate: 'year' })).bytes,
    ).dataset;
    expect(getString(out, 'PatientAge')).toBe('090Y');
    expect(out.elements.has(0x00100030)).toBe(true);
    expect(getString(out, 'PatientBirthDate')).toBeUndefined();
  });
});

describe('real files', () => {
  const samples = existsSync(SAMPLES) ? files(path.join(SAMPLES, 'files')) : [];
  const plantedSample = JSON.parse(readFileSync(path.join(SAMPLES, 'planted-identifiers.json'), 'utf8')) as {
    dicom_headers: Record<string, string[]>;
  };
  const sampleValues = Object.entries(plantedSample.dicom_headers)
    .filter(([k]) => k !== 'StudyDate')
    .flatMap(([, v]) => v);

  it('de-identifies every sample DICOM: no planted identifier left, nothing new for dciodvfy', async () => {
    expect(samples.length).toBeGreaterThan(0);
    for (const file of samples) {
      const input = readFileSync(file);
      const result = await run(input, { longitudinal: 'modified-dates' });
      expect(leaks(result.bytes, sampleValues), file).toEqual([]);
      const dates = plantedSample.dicom_headers.StudyDate ?? [];
      expect(
        dates.filter((d) => Buffer.from(result.bytes).includes(d)),
        file,
      ).toEqual([]);
      if (hasDciodvfy) expect(newErrors(file, result.bytes), file).toEqual([]);
    }
  });

  it('de-identifies the uncompressed pydicom test files without error', async () => {
    const names = existsSync(PYDICOM) ? readdirSync(PYDICOM).filter((f) => f.endsWith('.dcm')) : [];
    let done = 0;
    for (const name of names) {
      let file: DicomFile;
      try {
        file = parseDicom(readFileSync(PYDICOM + name));
      } catch {
        continue; // deliberately broken test files
      }
      const ts = file.transferSyntax;
      if (
        ![
          '1.2.840.10008.1.2',
          '1.2.840.10008.1.2.1',
          '1.2.840.10008.1.2.2',
          '1.2.840.10008.1.2.1.99',
        ].includes(ts)
      )
        continue;
      const result = await run(readFileSync(PYDICOM + name));
      const again = parseDicom(result.bytes);
      expect(again.transferSyntax, name).toBe(ts);
      expect(getString(again.dataset, 'PatientIdentityRemoved'), name).toBe('YES');
      const name0 = getString(file.dataset, 'PatientName');
      if (name0 !== undefined && name0.length >= 6) expect(leaks(result.bytes, [name0]), name).toEqual([]);
      if (
        hasDciodvfy &&
        [
          'CT_small.dcm',
          'MR_small.dcm',
          'MR_small_bigendian.dcm',
          'MR_small_implicit.dcm',
          'SC_rgb_small_odd.dcm',
        ].includes(name)
      ) {
        expect(newErrors(PYDICOM + name, result.bytes), name).toEqual([]);
      }
      done++;
    }
    expect(done).toBeGreaterThan(10);
  });

  it('finds nothing new for dciodvfy in the all-attributes fixture', async () => {
    if (!hasDciodvfy) return;
    expect(newErrors(`${FIX}all-attributes.dcm`, (await run(ALL)).bytes)).toEqual([]);
  });
});

describe('burned-in text', () => {
  it('quarantines by header kind but not a plain chest radiograph', async () => {
    const sc = await deidentifyDicom(readFileSync(`${PYDICOM}SC_rgb_small_odd.dcm`), {
      secret: SECRET,
      appVersion: '0',
    });
    expect(sc.quarantine?.reason).toMatch(/secondary capture/);
    for (const file of files(path.join(SAMPLES, 'files')).slice(0, 3)) {
      const r = await deidentifyDicom(readFileSync(file), { secret: SECRET, appVersion: '0' });
      expect(r.quarantine, file).toBeNull();
    }
  });

  it('detects a line of bright glyphs near a corner and not a smooth gradient', () => {
    const w = 200;
    const h = 160;
    const data = new Uint8Array(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[y * w + x] = 40 + Math.round((x + y) / 6);
    expect(detectBurnedInText({ width: w, height: h, channels: 1, data })).toEqual([]);
    // Five 6x9 "glyphs" (a box outline with a bar) two pixels apart, top-left.
    for (let g = 0; g < 5; g++) {
      const x0 = 8 + g * 8;
      for (let y = 6; y < 15; y++)
        for (let x = x0; x < x0 + 6; x++)
          if (y === 6 || y === 14 || x === x0 || x === x0 + 5 || y === 10) data[y * w + x] = 255;
    }
    const regions = detectBurnedInText({ width: w, height: h, channels: 1, data });
    expect(regions).toHaveLength(1);
    expect(regions[0]).toMatchObject({ x: 8, y: 6, glyphs: 5 });
    const masked = data.slice();
    applyMasks({ width: w, height: h, channels: 1, data: masked }, regions, 0);
    expect(detectBurnedInText({ width: w, height: h, channels: 1, data: masked })).toEqual([]);
  });

  it('writes masked pixels into the DICOM and records Clean Pixel Data', async () => {
    const result = await deidentifyDicom(ALL, {
      secret: SECRET,
      appVersion: '0',
      masks: [{ x: 0, y: 0, width: 4, height: 2 }],
    });
    const out = parseDicom(result.bytes);
    const px = out.dataset.elements.get(0x7fe00010)?.value ?? new Uint8Array(0);
    const words = new Uint16Array(px.buffer.slice(px.byteOffset, px.byteOffset + px.length));
    expect(Array.from(words.slice(0, 4))).toEqual([0, 0, 0, 0]);
    expect(words[20]).toBe(20 * 60);
    const codes = getItems(out.dataset, 'DeidentificationMethodCodeSequence').map((i) =>
      getString(i, 'CodeValue'),
    );
    expect(codes).toContain('113101');
  });
});
