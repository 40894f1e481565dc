import { describe, expect, it } from 'vitest';
import { type DicomFile, decodeFrame, pixelHash, readPixelInfo } from './index.ts';
import { type Expectation, expectations, fixture, hasPydicomFile, pydicomFile } from './test-helpers.ts';

function compareToPydicom(file: DicomFile, exp: Expectation): void {
  const info = readPixelInfo(file.dataset);
  expect([info.rows, info.columns, info.numberOfFrames, info.samplesPerPixel]).toEqual([
    exp.rows,
    exp.columns,
    exp.frames,
    exp.samplesPerPixel,
  ]);
  let min = Infinity;
  let max = -Infinity;
  for (let f = 0; f < info.numberOfFrames; f++) {
    const decoded = decodeFrame(file, f, info);
    if (f === 0) expect(Array.from(decoded.data.subarray(0, 8))).toEqual(exp.first);
    for (const v of decoded.data) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    expect(pixelHash(decoded), `frame ${f}`).toBe(exp.hashes[f]);
  }
  expect([min, max]).toEqual([exp.min, exp.max]);
}

describe('decoded pixels match pydicom exactly', () => {
  for (const [name, exp] of Object.entries(expectations.fixtures)) {
    it(`fixture ${name}`, () => compareToPydicom(fixture(name), exp));
  }
  for (const [name, exp] of Object.entries(expectations.pydicom)) {
    it.skipIf(!hasPydicomFile(name))(`pydicom test file ${name}`, () =>
      compareToPydicom(pydicomFile(name), exp),
    );
  }
});

describe('pixel hash', () => {
  it('is the same for the same pixels in implicit LE, explicit BE, deflated and preamble-less files', () => {
    const names = [
      'cr_12bit.dcm',
      'cr_12bit_implicit.dcm',
      'cr_12bit_bigendian.dcm',
      'cr_12bit_deflated.dcm',
      'cr_12bit_no_preamble.dcm',
      'cr_12bit_no_preamble_implicit.dcm',
    ];
    const hashes = names.map((n) => pixelHash(decodeFrame(fixture(n), 0)));
    expect(new Set(hashes).size).toBe(1);
  });

  it('ignores garbage above Bits Stored (12-bit in 16 with overlay bits set)', () => {
    const clean = decodeFrame(fixture('cr_12bit.dcm'), 0);
    const dirty = decodeFrame(fixture('cr_12bit_high_bits.dcm'), 0);
    expect(Math.max(...dirty.data)).toBe(4095);
    expect(pixelHash(dirty)).toBe(pixelHash(clean));
  });

  it('does not depend on planar configuration or byte order of RGB', () => {
    const hashes = ['rgb_planar0.dcm', 'rgb_planar1.dcm', 'rgb_planar1_bigendian.dcm'].map((n) =>
      pixelHash(decodeFrame(fixture(n), 0)),
    );
    expect(new Set(hashes).size).toBe(1);
  });

  it('differs between frames of a multi-frame image, each frame addressable', () => {
    const file = fixture('multiframe3.dcm');
    const frames = [0, 1, 2].map((f) => decodeFrame(file, f));
    expect(frames.map((d) => d.data[0])).toEqual([0, 1000, 2000]);
    expect(new Set(frames.map(pixelHash)).size).toBe(3);
    expect(() => decodeFrame(file, 3)).toThrow(RangeError);
  });
});

describe('pixel decoding errors', () => {
  it('names the transfer syntax it cannot decode', () => {
    expect(() => decodeFrame(fixture('codecs/unsupported_jpegxl.dcm'), 0)).toThrow(
      'unsupported transfer syntax 1.2.840.10008.1.2.4.112 (JPEG XL)',
    );
  });

  it('reports pixel data shorter than the header promises as corrupt', () => {
    const file = fixture('short_pixel_data.dcm');
    expect(() => decodeFrame(file, 0)).toThrow(/pixel data holds 5120 bytes, expected 6144/);
  });
});
