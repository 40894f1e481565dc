import { beforeAll, describe, expect, it } from 'vitest';
import {
  type DecodedFrame,
  type DicomFile,
  decodeFrame,
  pixelHash,
  prepareDecoding,
  readPixelInfo,
} from './index.ts';
import { type Expectation, expectations, fixture, hasPydicomFile, pydicomFile } from './test-helpers.ts';

interface CodecFixture {
  source: string;
  lossless: boolean;
  reference?: string;
  referenceFrom?: string;
}
interface PydicomCompressed {
  lossless: boolean;
  expected?: Expectation;
  reference?: string;
}
const { codecs, pydicomCompressed } = expectations as unknown as {
  codecs: Record<string, CodecFixture>;
  pydicomCompressed: Record<string, PydicomCompressed>;
};

function allFrames(file: DicomFile): DecodedFrame[] {
  const info = readPixelInfo(file.dataset);
  return Array.from({ length: info.numberOfFrames }, (_, f) => decodeFrame(file, f, info));
}

function psnr(a: DecodedFrame, b: DecodedFrame): number {
  expect(a.data.length).toBe(b.data.length);
  const peak = 2 ** b.info.bitsStored - 1;
  let squared = 0;
  for (let i = 0; i < a.data.length; i++) squared += ((a.data[i] ?? 0) - (b.data[i] ?? 0)) ** 2;
  const mse = squared / a.data.length;
  return mse === 0 ? Infinity : 10 * Math.log10((peak * peak) / mse);
}

function expectWithin40dB(file: DicomFile, referenceName: string): void {
  const got = allFrames(file);
  const want = allFrames(fixture(referenceName));
  expect(got.length).toBe(want.length);
  got.forEach((frame, f) => {
    expect(frame.info.photometric, `frame ${f}`).toBe(want[f]?.info.photometric);
    expect(psnr(frame, want[f] as DecodedFrame), `frame ${f}`).toBeGreaterThanOrEqual(40);
  });
}

// The 12-bit lossy JPEG decoder loads asynchronously, as the import, de-identification and export do.
beforeAll(() => prepareDecoding(fixture('codecs/jpeg_extended_cr12.dcm')));

describe('compressed fixtures written by dcmtk, gdcm and OpenJPH', () => {
  for (const [name, c] of Object.entries(codecs)) {
    if (c.lossless) {
      it(`${name} decodes to exactly the pixels of ${c.source}`, () => {
        const hashes = allFrames(fixture(`codecs/${name}`)).map(pixelHash);
        expect(hashes).toEqual(expectations.fixtures[c.source]?.hashes);
      });
    } else {
      it(`${name} decodes within 40 dB of ${c.referenceFrom ?? 'its reference'}`, () =>
        expectWithin40dB(fixture(`codecs/${name}`), c.reference ?? ''));
    }
  }

  it('a JPEG-LS near-lossless radiograph never strays more than NEAR=2 from the original', () => {
    const [got] = allFrames(fixture('codecs/jpegls_near_lossless_cr12.dcm'));
    const [original] = allFrames(fixture('cr_12bit.dcm'));
    let worst = 0;
    for (let i = 0; i < (original?.data.length ?? 0); i++)
      worst = Math.max(worst, Math.abs((got?.data[i] ?? 0) - (original?.data[i] ?? 0)));
    expect(worst).toBeLessThanOrEqual(2);
  });

  it('a JPEG baseline colour image comes out as RGB, like a viewer shows it', () => {
    for (const name of ['jpeg_baseline_ybr422.dcm', 'jpeg_baseline_ybr_full.dcm']) {
      const [frame] = allFrames(fixture(`codecs/${name}`));
      expect(frame?.info.photometric).toBe('RGB');
      const [original] = allFrames(fixture('rgb_planar0.dcm'));
      expect(psnr(frame as DecodedFrame, original as DecodedFrame)).toBeGreaterThanOrEqual(40);
    }
  });

  it('a signed CT compressed losslessly keeps its negative values', () => {
    for (const name of [
      'jpeg_lossless_p14_ct_signed.dcm',
      'jpegls_lossless_ct_signed.dcm',
      'j2k_lossless_ct_signed.dcm',
      'rle_ct_signed.dcm',
    ]) {
      const [frame] = allFrames(fixture(`codecs/${name}`));
      expect(frame?.data[0], name).toBe(-1000);
    }
  });

  it('a 12-bit JPEG extended radiograph keeps its 12-bit range (not squeezed to 8 bits)', () => {
    const [frame] = allFrames(fixture('codecs/jpeg_extended_cr12.dcm'));
    const [original] = allFrames(fixture('cr_12bit.dcm'));
    const max = (f: DecodedFrame | undefined): number => Math.max(...(f?.data ?? []));
    expect(max(frame)).toBeGreaterThan(255);
    expect(Math.abs(max(frame) - max(original))).toBeLessThan(64);
    expect(psnr(frame as DecodedFrame, original as DecodedFrame)).toBeGreaterThanOrEqual(40);
  });
});

describe("pydicom's own compressed test files", () => {
  for (const [name, c] of Object.entries(pydicomCompressed)) {
    it.skipIf(!hasPydicomFile(name))(
      `${name} ${c.lossless ? 'decodes exactly' : 'decodes within 40 dB'}`,
      () => {
        const file = pydicomFile(name);
        if (c.lossless) expect(allFrames(file).map(pixelHash)).toEqual(c.expected?.hashes);
        else expectWithin40dB(file, c.reference ?? '');
      },
    );
  }
});

describe('streams that cannot be decoded', () => {
  const corrupt: [string, RegExp][] = [
    ['corrupt_j2k.dcm', /^JPEG 2000 stream could not be decoded: /],
    ['corrupt_htj2k.dcm', /^HTJ2K stream could not be decoded: /],
    ['corrupt_jpegls.dcm', /^JPEG-LS stream could not be decoded: Invalid JPEG-LS stream/],
    ['corrupt_jpeg_baseline.dcm', /^JPEG stream could not be decoded: /],
    ['corrupt_jpeg_lossless.dcm', /^JPEG stream could not be decoded: /],
    ['corrupt_rle.dcm', /^RLE Lossless stream could not be decoded: /],
  ];
  for (const [name, message] of corrupt) {
    it(`a corrupt stream (${name}) is an error naming the syntax, not a crash`, () => {
      const file = fixture(`codecs/${name}`);
      expect(() => decodeFrame(file, 0)).toThrow(message);
      try {
        decodeFrame(file, 0);
      } catch (err) {
        expect((err as { code?: string }).code).toBe('corrupt');
        expect((err as Error).message).not.toMatch(/Fixture|PID/);
      }
    });
  }

  it('a codec still decodes good frames after failing on a corrupt one', () => {
    expect(() => decodeFrame(fixture('codecs/corrupt_j2k.dcm'), 0)).toThrow();
    const [frame] = allFrames(fixture('codecs/j2k_lossless_cr12.dcm'));
    expect(pixelHash(frame as DecodedFrame)).toBe(expectations.fixtures['cr_12bit.dcm']?.hashes[0]);
  });

  it('JPEG XL and MPEG-4 remain unsupported, by name', () => {
    expect(() => decodeFrame(fixture('codecs/unsupported_jpegxl.dcm'), 0)).toThrow(
      'unsupported transfer syntax 1.2.840.10008.1.2.4.112 (JPEG XL)',
    );
    expect(() => decodeFrame(fixture('codecs/unsupported_mpeg4.dcm'), 0)).toThrow(
      'unsupported transfer syntax 1.2.840.10008.1.2.4.102 (MPEG-4 AVC/H.264)',
    );
  });
});
