// What real archives hold, against what pydicom reads from the same files (scripts/make-real-world-fixtures.py
// wrote both): attributes stored as UN, a Modality LUT beside rescale values, PALETTE COLOR in every LUT
// form, Float and Double Float Pixel Data, 1-bit native and JPEG 2000, and the retired progressive JPEG
// syntaxes (compared with dcmdjpeg's decoding, which pydicom 2.3 cannot do).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { deidentifyDicom } from '../deid-dicom/index.ts';
import {
  decodeFrame,
  flatHeader,
  getItems,
  getString,
  modalityValues,
  paletteToRgb,
  parseDicom,
  pixelHash,
  prepareDecoding,
  renderFrame,
} from './index.ts';

const DIR = fileURLToPath(new URL('../../../test/fixtures/dicom/real-world/', import.meta.url));

interface Expected {
  frames: number;
  hashes?: string[];
  floatHashes?: string[];
  paletteHashes?: string[];
  paletteFirst?: number[];
  modalityHashes?: string[];
  modalityFirst?: number[];
}

const expected = JSON.parse(readFileSync(`${DIR}expectations.json`, 'utf8')) as Record<string, Expected>;

async function load(name: string) {
  const file = parseDicom(readFileSync(DIR + name));
  await prepareDecoding(file);
  return file;
}

function float64Hash(values: Float64Array): string {
  return createHash('sha256').update(new Uint8Array(values.buffer)).digest('hex');
}

describe('real-world files decode to the values pydicom reads', () => {
  for (const [name, want] of Object.entries(expected)) {
    it(name, async () => {
      const file = await load(name);
      for (let frame = 0; frame < want.frames; frame++) {
        const decoded = decodeFrame(file, frame);
        const stored = want.hashes ?? want.floatHashes;
        expect(pixelHash(decoded), `stored values of frame ${frame}`).toBe(stored?.[frame]);
        if (want.paletteHashes) {
          const rgb = paletteToRgb(file.dataset, decoded);
          if (frame === 0) expect(Array.from(rgb.data.subarray(0, 6))).toEqual(want.paletteFirst);
          expect(pixelHash(rgb), `colours of frame ${frame}`).toBe(want.paletteHashes[frame]);
        }
        if (want.modalityHashes) {
          const modality = modalityValues(file.dataset, decoded);
          if (frame === 0) expect(Array.from(modality.subarray(0, 4))).toEqual(want.modalityFirst);
          expect(float64Hash(modality), `modality values of frame ${frame}`).toBe(want.modalityHashes[frame]);
        }
      }
    });
  }
});

describe('attributes stored with VR UN', () => {
  it('a CT whose rescale and window are UN comes out in Hounsfield units through its window', async () => {
    const file = await load('un_ct.dcm');
    const decoded = decodeFrame(file, 0);
    expect(modalityValues(file.dataset, decoded)[0]).toBe(-1000 - 1024);
    expect(renderFrame(file.dataset, decoded).window).toEqual({ center: 40, width: 400, source: 'window' });
  });

  it('a PET slope of 1.94 stored as UN is applied', async () => {
    const file = await load('un_pet_slope.dcm');
    const decoded = decodeFrame(file, 0);
    const last = decoded.data.length - 1;
    expect(modalityValues(file.dataset, decoded)[last]).toBeCloseTo(30000 * 1.94, 6);
  });

  it('UN text is read with its dictionary VR by the header view, and a UN sequence as its items', async () => {
    const file = await load('un_ct.dcm');
    const header = flatHeader(file);
    expect(header.SeriesDescription).toBe('UN series text');
    expect(header.PatientName).toBe('Unknown^Vr');
    const items = getItems(file.dataset, 0x00081140);
    expect(items).toHaveLength(1);
    expect(getString(items[0]!, 0x00081155)).toBe('1.2.3.4');
  });

  it('de-identification sees a patient name stored as UN and replaces it', async () => {
    const r = await deidentifyDicom(readFileSync(`${DIR}un_ct.dcm`), {
      secret: Buffer.alloc(32, 7),
      appVersion: 'test',
      patientKey: 'un',
    });
    expect(Buffer.from(r.bytes).includes('Unknown^Vr')).toBe(false);
  });
});

describe('a Modality LUT beside rescale values', () => {
  it('is read through the LUT, as pydicom does (PS3.3 C.11.1 allows only one)', async () => {
    const file = await load('modality_lut_and_rescale.dcm');
    const decoded = decodeFrame(file, 0);
    const values = modalityValues(file.dataset, decoded);
    const i = decoded.data.length - 1;
    expect(values[i]).toBe(Math.round(Math.sqrt(decoded.data[i]!) * 1000));
  });
});

describe('PALETTE COLOR', () => {
  it('renders in colour: each channel the 16-bit entry scaled to 8 bits', async () => {
    const file = await load('palette_16bit_entries.dcm');
    const decoded = decodeFrame(file, 0);
    const rendered = renderFrame(file.dataset, decoded);
    const rgb = paletteToRgb(file.dataset, decoded);
    expect(rendered.channels).toBe(3);
    const i = 3 * 500;
    expect(Array.from(rendered.data.subarray(i, i + 3))).toEqual(
      Array.from(rgb.data.subarray(i, i + 3)).map((v) => Math.min(255, Math.round(v / 256))),
    );
  });

  it('has no modality values (its stored values are indices, not measurements)', async () => {
    const file = await load('palette_8bit_entries.dcm');
    expect(() => modalityValues(file.dataset, decodeFrame(file, 0))).toThrow(/PALETTE COLOR/u);
  });
});

describe('Float and Double Float Pixel Data', () => {
  it('renders a parametric map through the window its header states; NaN is black', async () => {
    const file = await load('float_pixels.dcm');
    const decoded = decodeFrame(file, 0);
    expect(decoded.data).toBeInstanceOf(Float32Array);
    const rendered = renderFrame(file.dataset, decoded);
    expect(rendered.window).toEqual({ center: 1.5, width: 4, source: 'window' });
    expect(rendered.data[0]).toBe(0);
    const i = 100; // 100 / 37 - 2.5 = 0.2027: inside the window
    const x = decoded.data[i]!;
    expect(rendered.data[i]).toBe(Math.round(((x - 1) / 3 + 0.5) * 255));
  });

  it('renders double floats without a window over their own range, frame by frame', async () => {
    const file = await load('double_float_pixels.dcm');
    const decoded = decodeFrame(file, 1);
    expect(decoded.data).toBeInstanceOf(Float64Array);
    const rendered = renderFrame(file.dataset, decoded);
    expect(rendered.window.source).toBe('min-max');
    expect(rendered.data[0]).toBe(0);
    expect(rendered.data[rendered.data.length - 1]).toBe(255);
  });
});

describe('1-bit images', () => {
  for (const name of ['seg_1bit_j2k.dcm', 'seg_1bit_rle.dcm']) {
    it(`${name}, a compressed 1-bit segmentation, decodes to the same values as the native one`, async () => {
      const native = await load('seg_1bit.dcm');
      const compressed = await load(name);
      for (const frame of [0, 1]) {
        const a = decodeFrame(native, frame);
        expect(Array.from(decodeFrame(compressed, frame).data)).toEqual(Array.from(a.data));
        expect(Array.from(a.data).includes(1)).toBe(true);
      }
    });
  }
});

describe('retired progressive JPEG syntaxes', () => {
  for (const name of ['jpeg_spectral_mono8.dcm', 'jpeg_progressive_mono8.dcm', 'jpeg_progressive_cr12.dcm']) {
    it(`${name} decodes like dcmdjpeg, within 1 of each sample`, async () => {
      const file = await load(name);
      const ref = await load(name.replace('.dcm', '.ref.dcm'));
      const ours = decodeFrame(file, 0).data;
      const theirs = decodeFrame(ref, 0).data;
      expect(ours.length).toBe(theirs.length);
      let worst = 0;
      for (let i = 0; i < ours.length; i++) worst = Math.max(worst, Math.abs(ours[i]! - theirs[i]!));
      expect(worst).toBeLessThanOrEqual(1);
    });
  }
});

describe('writer slips', () => {
  it('an item outside any sequence (after a zero-length sequence) is stepped over, and the rest read', () => {
    const el = (group: number, element: number, vr: string, value: string) => {
      const head = Buffer.alloc(8);
      head.writeUInt16LE(group, 0);
      head.writeUInt16LE(element, 2);
      head.write(vr, 4, 'latin1');
      head.writeUInt16LE(value.length, 6);
      return Buffer.concat([head, Buffer.from(value, 'latin1')]);
    };
    const strayItem = Buffer.from([0xfe, 0xff, 0x00, 0xe0, 4, 0, 0, 0, 1, 2, 3, 4]);
    const file = parseDicom(
      Buffer.concat([el(0x0008, 0x0060, 'CS', 'US'), strayItem, el(0x0010, 0x0010, 'PN', 'Doe^Jo')]),
    );
    expect(getString(file.dataset, 0x00100010)).toBe('Doe^Jo');
    expect(file.warnings).toContain('skipped an item outside any sequence at offset 10');
  });
});
