import { describe, expect, it } from 'vitest';
import { decodeFrame, modalityValues, renderFrame } from './index.ts';
import { shiftMask16 } from './pixels.ts';
import { fixture } from './test-helpers.ts';

function render(name: string, frame = 0) {
  const file = fixture(name);
  const decoded = decodeFrame(file, frame);
  return { file, decoded, rendered: renderFrame(file.dataset, decoded) };
}

/** PS3.3 C.11.2.1.2.1 LINEAR, to 8 bits. */
function linear(x: number, c: number, w: number): number {
  if (x <= c - 0.5 - (w - 1) / 2) return 0;
  if (x > c - 0.5 + (w - 1) / 2) return 255;
  return Math.round(((x - (c - 0.5)) / (w - 1) + 0.5) * 255);
}

describe('rendering like a viewer', () => {
  it('renders a 12-bit radiograph with the first of its header windows, after rescale', () => {
    const { decoded, rendered } = render('cr_12bit.dcm');
    expect(rendered.window).toEqual({ center: 2000, width: 4000, source: 'window' });
    expect(rendered.channels).toBe(1);
    for (const i of [0, 100, 1500, 3071]) {
      const stored = decoded.data[i] ?? 0;
      expect(rendered.data[i]).toBe(linear(stored * 2 - 100, 2000, 4000));
    }
  });

  it('applies SIGMOID when the header asks for it', () => {
    const { decoded, rendered } = render('cr_12bit_sigmoid.dcm');
    const i = 2000;
    const x = decoded.data[i] ?? 0;
    expect(rendered.data[i]).toBe(Math.round(255 / (1 + Math.exp((-4 * (x - 2048)) / 1024))));
  });

  it('renders MONOCHROME1 with bright bone (low stored values white)', () => {
    const { decoded, rendered } = render('dx_mono1.dcm');
    expect(decoded.data[0]).toBe(0);
    expect(rendered.data[0]).toBe(255);
    expect(rendered.data[rendered.data.length - 1]).toBe(0);
  });

  it('renders a signed CT in Hounsfield units through a soft-tissue window', () => {
    const { file, decoded, rendered } = render('ct_signed.dcm');
    const hu = modalityValues(file.dataset, decoded);
    expect(hu[0]).toBe(-2024); // stored -1000 + intercept -1024
    expect(Math.max(...hu)).toBe(1976);
    const i = hu.findIndex((v) => v >= 40);
    expect(rendered.data[i]).toBe(linear(hu[i] ?? 0, 40, 400));
    expect(rendered.data[0]).toBe(0);
  });

  it('uses the VOI LUT Sequence when there is no window', () => {
    const { decoded, rendered } = render('voi_lut.dcm');
    expect(rendered.window).toEqual({ center: null, width: null, source: 'voi-lut' });
    expect(rendered.data[1000]).toBe(Math.min(255, Math.floor((decoded.data[1000] ?? 0) / 8)));
  });

  it('falls back to the min-max range of the frame', () => {
    const { rendered } = render('mono8.dcm');
    expect(rendered.window).toEqual({ center: 120, width: 200, source: 'min-max' });
    expect(rendered.data[0]).toBe(0);
    expect(rendered.data[rendered.data.length - 1]).toBe(255);
  });

  it('passes RGB through and converts YBR_FULL to RGB', () => {
    const rgb = render('rgb_planar1.dcm');
    expect(rgb.rendered.channels).toBe(3);
    expect(Array.from(rgb.rendered.data.subarray(3, 6))).toEqual([8, 0, 4]);
    const ybr = render('ybr_full.dcm').rendered;
    expect(Array.from(ybr.data.subarray(0, 3))).toEqual([254, 0, 0]); // (76, 85, 255) is red
    const row1 = 32 * 3;
    expect(Array.from(ybr.data.subarray(row1 + 6, row1 + 9))).toEqual([16, 16, 16]); // neutral chroma is gray
  });
});

describe('word-at-a-time fast paths give the scalar results', () => {
  it('renders a 16-bit frame the same whatever its alignment and length', () => {
    const { file, decoded } = render('cr_12bit.dcm');
    const want = renderFrame(file.dataset, decoded).data;
    const n = decoded.data.length;
    // The same samples at a 4-byte and a 2-byte offset, and one sample short (odd length).
    for (const [offset, count] of [
      [0, n],
      [1, n],
      [0, n - 1],
      [1, n - 1],
    ] as const) {
      const data = new Uint16Array(new ArrayBuffer((n + 2) * 2), offset * 2, count);
      data.set(decoded.data.subarray(0, count));
      const info = { ...decoded.info, rows: 1, columns: count };
      const got = renderFrame(file.dataset, { ...decoded, info, data }).data;
      expect(Buffer.from(got).equals(Buffer.from(want.subarray(0, count))), `${offset} ${count}`).toBe(true);
    }
  });

  it('masks 16-bit samples the same at any alignment, in place or not', () => {
    const samples = Uint16Array.from({ length: 101 }, (_, i) => (i * 40503) & 0xffff);
    const shift = 2;
    const mask = 0x3ff;
    const want = samples.map((v) => (v >>> shift) & mask);
    for (const offset of [0, 1, 2, 3]) {
      const src = new Uint16Array(new ArrayBuffer(220), offset * 2, 101);
      src.set(samples);
      const out = new Uint16Array(new ArrayBuffer(220), ((offset + 1) % 2) * 2, 101);
      shiftMask16(src, out, shift, mask);
      expect(Array.from(out), `copy at ${offset}`).toEqual(Array.from(want));
      shiftMask16(src, src, shift, mask);
      expect(Array.from(src), `in place at ${offset}`).toEqual(Array.from(want));
    }
  });
});
