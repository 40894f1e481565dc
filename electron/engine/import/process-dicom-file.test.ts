import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { viewClass } from '../curate/view-vocabulary.ts';
import { type ProcessedImage, processDicomFile } from './process-dicom-file.ts';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/dicom/', import.meta.url));
let cacheDir = '';

beforeAll(async () => {
  cacheDir = await mkdtemp(join(tmpdir(), 'medprep-process-'));
});
afterAll(async () => {
  await rm(cacheDir, { recursive: true, force: true });
});

async function image(name: string, thumbSize?: number): Promise<ProcessedImage> {
  const result = await processDicomFile(FIXTURES + name, { cacheDir, thumbSize });
  if (result.kind !== 'image') throw new Error(`${name}: ${result.kind} ${result.reason}`);
  return result;
}

describe('processDicomFile', () => {
  it('writes a training rendering at the requested size beside the thumbnail when asked', async () => {
    const result = await processDicomFile(FIXTURES + 'cr_12bit.dcm', { cacheDir, trainingSize: 32 });
    if (result.kind !== 'image') throw new Error(result.kind);
    const [frame] = result.frames;
    expect(frame?.training).toBe(`renders/32/${frame?.pixelHash.slice(0, 2)}/${frame?.pixelHash}.png`);
    const meta = await sharp(join(cacheDir, frame!.training!)).metadata();
    expect([meta.width, meta.height]).toEqual([32, 24]);
  });

  it('turns a radiograph into identity, header and a windowed thumbnail', async () => {
    const r = await image('cr_12bit.dcm');
    expect(r).toMatchObject({
      transferSyntax: '1.2.840.10008.1.2.1',
      sopClassUid: '1.2.840.10008.5.1.4.1.1.1',
      modality: 'CR',
      bodyPart: 'CHEST',
      viewPosition: 'PA',
      patientName: 'Fixture^Patient',
      patientId: 'PID0001',
      seriesNumber: 1,
      instanceNumber: 1,
    });
    expect(r.header.Modality).toBe('CR');
    const [frame] = r.frames;
    expect(frame).toMatchObject({
      rows: 48,
      columns: 64,
      bitsStored: 12,
      windowCenter: 2000,
      windowWidth: 4000,
    });
    expect(frame?.thumbnail).toBe(`thumbs/${frame?.pixelHash.slice(0, 2)}/${frame?.pixelHash}.png`);
    const meta = await sharp(join(cacheDir, frame?.thumbnail ?? '')).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 64, 48]);
  });

  it('fits thumbnails within the requested size, keeping aspect', async () => {
    const r = await image('cr_12bit_implicit.dcm', 32);
    const dir = await mkdtemp(join(tmpdir(), 'medprep-thumb-'));
    const again = await processDicomFile(FIXTURES + 'cr_12bit_bigendian.dcm', {
      cacheDir: dir,
      thumbSize: 32,
    });
    const meta = await sharp(join(dir, r.frames[0]?.thumbnail ?? '')).metadata();
    expect([meta.width, meta.height]).toEqual([32, 24]);
    expect(again.kind === 'image' && again.frames[0]?.pixelHash).toBe(r.frames[0]?.pixelHash);
    await rm(dir, { recursive: true, force: true });
  });

  it('decodes compressed files, giving every frame a perceptual hash of what a viewer shows', async () => {
    const raw = await image('cr_12bit.dcm');
    const jpegLs = await image('codecs/jpegls_lossless_cr12.dcm');
    expect(jpegLs.frames[0]?.pixelHash).toBe(raw.frames[0]?.pixelHash);
    expect(raw.frames[0]?.phash).toMatch(/^[0-9a-f]{16}$/);
    expect(jpegLs.frames[0]?.phash).toBe(raw.frames[0]?.phash);
  });

  it('loads the 12-bit lossy JPEG decoder on demand and windows the radiograph by its header', async () => {
    const [lossy] = (await image('codecs/jpeg_extended_cr12.dcm')).frames;
    const [original] = (await image('cr_12bit.dcm')).frames;
    // dcmcjpeg wrote its own window (centre 1049.87, width 1999.76) into the compressed copy.
    expect(lossy).toMatchObject({ rows: 48, columns: 64, bitsStored: 12, windowSource: 'window' });
    expect([lossy?.windowCenter, lossy?.windowWidth]).toEqual([1049.87, 1999.76]);
    expect(lossy?.pixelHash).not.toBe(original?.pixelHash); // lossy pixels are not the original's
    const meta = await sharp(join(cacheDir, lossy?.thumbnail ?? '')).metadata();
    expect([meta.width, meta.height]).toEqual([64, 48]);
  });

  it('gives the same results for files processed at once in one thread as one by one', async () => {
    // The read buffer is reused between files; overlapping calls must not share it.
    const names = ['cr_12bit.dcm', 'ct_signed.dcm', 'multiframe3.dcm', 'rgb_planar1.dcm', 'dx_mono1.dcm'];
    const hashes = (r: ProcessedImage) => r.frames.map((f) => [f.pixelHash, f.phash]);
    const one = [];
    for (const name of names) one.push(hashes(await image(name)));
    const together = await Promise.all(names.map(async (name) => hashes(await image(name))));
    expect(together).toEqual(one);
  });

  it('gives every frame of a multi-frame file its own hash and thumbnail', async () => {
    const r = await image('multiframe3.dcm');
    expect(r.frames.map((f) => f.frame)).toEqual([0, 1, 2]);
    expect(new Set(r.frames.map((f) => f.thumbnail)).size).toBe(3);
  });

  it('writes content-addressed thumbnails once and leaves no temp files', async () => {
    const a = await image('cr_12bit.dcm');
    const b = await image('cr_12bit_deflated.dcm');
    expect(b.frames[0]?.thumbnail).toBe(a.frames[0]?.thumbnail);
    const sub = join(cacheDir, 'thumbs', a.frames[0]?.pixelHash.slice(0, 2) ?? '');
    expect((await readdir(sub)).filter((f) => f.includes('.tmp-'))).toEqual([]);
    expect((await stat(join(cacheDir, a.frames[0]?.thumbnail ?? ''))).size).toBeGreaterThan(0);
  });

  it('skips non-DICOM files and DICOM without pixels, naming the SOP class', async () => {
    expect(await processDicomFile(FIXTURES + 'not_dicom.txt', { cacheDir })).toEqual({
      kind: 'skipped',
      reason: 'not a DICOM file',
    });
    expect(await processDicomFile(FIXTURES + 'basic_text_sr.dcm', { cacheDir })).toEqual({
      kind: 'skipped',
      reason: 'no pixel data (Basic Text SR)',
    });
  });

  it('takes the view from the View Code Sequence when View Position is absent, and the vocabulary knows it', async () => {
    const r = await image('real-world/view_code_only.dcm');
    expect(r.viewPosition).toBe('postero-anterior');
    expect(viewClass(r.viewPosition)).toBe('frontal');
  });

  it('reports files named as DICOM that are empty, random bytes or text as errors saying which', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'medprep-broken-'));
    try {
      // Random bytes with a control character early, as any binary file has.
      const random = Buffer.from(Array.from({ length: 600 }, (_, i) => (i * 7919 + 13) % 256));
      await writeFile(join(dir, 'empty.dcm'), '');
      await writeFile(join(dir, 'random.DCM'), random);
      await writeFile(join(dir, 'report.dicom'), 'FINDINGS: No acute process.\n');
      await writeFile(join(dir, 'readme'), 'Exported by the PACS.\n');
      const results = await Promise.all(
        ['empty.dcm', 'random.DCM', 'report.dicom', 'readme'].map((n) =>
          processDicomFile(join(dir, n), { cacheDir }),
        ),
      );
      expect(results).toEqual([
        { kind: 'error', reason: 'not DICOM: the file is empty' },
        {
          kind: 'error',
          reason: 'not DICOM: neither the DICM marker at byte 128 nor a dataset at the start',
        },
        { kind: 'error', reason: 'not DICOM: a text file' },
        { kind: 'skipped', reason: 'not a DICOM file' },
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reports truncated, short and compressed files as errors without patient data', async () => {
    const results = await Promise.all(
      ['truncated.dcm', 'short_pixel_data.dcm', 'codecs/unsupported_jpegxl.dcm', 'does-not-exist.dcm'].map(
        (n) => processDicomFile(FIXTURES + n, { cacheDir }),
      ),
    );
    expect(results.map((r) => r.kind)).toEqual(['error', 'error', 'error', 'error']);
    const reasons = results.map((r) => (r.kind === 'image' ? '' : r.reason));
    expect(reasons[0]).toMatch(/^truncated: element \(7FE0,0010\)/);
    expect(reasons[1]).toMatch(/^pixel data holds 5120 bytes, expected 6144/);
    expect(reasons[2]).toBe('unsupported transfer syntax 1.2.840.10008.1.2.4.112 (JPEG XL)');
    expect(reasons[3]).toBe('cannot read file (ENOENT)');
    for (const reason of reasons) expect(reason).not.toMatch(/Fixture|PID|does-not-exist/);
  });

  it('stands in stable identifiers when UIDs are missing', async () => {
    const [a, b] = await Promise.all([image('no_uids.dcm'), image('no_uids.dcm')]);
    expect(a.studyInstanceUid).toMatch(/^missing:study:[0-9a-f]{32}$/);
    expect(a.seriesInstanceUid).toMatch(/^missing:series:/);
    expect([b.studyInstanceUid, b.seriesInstanceUid]).toEqual([a.studyInstanceUid, a.seriesInstanceUid]);
    expect(a.sopInstanceUid).toBe('1.2.826.0.1.3680043.10.1234.3.17');
  });
});
