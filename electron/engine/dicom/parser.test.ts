import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DicomError, flatHeader, getItems, getNumbers, getString, getStrings, parseDicom } from './index.ts';
import { FIXTURES, fixture, hasPydicomFile, pydicomFile } from './test-helpers.ts';

function dicomError(fn: () => unknown): DicomError {
  try {
    fn();
  } catch (err) {
    if (err instanceof DicomError) return err;
    throw err;
  }
  throw new Error('expected a DicomError');
}

/** Explicit VR LE element bytes: tag, VR, length form per VR. */
function el(group: number, elem: number, vr: string, value: Uint8Array, length = value.length): Buffer {
  const long = ['OB', 'OW', 'SQ', 'UN', 'UT'].includes(vr);
  const head = Buffer.alloc(long ? 12 : 8);
  head.writeUInt16LE(group, 0);
  head.writeUInt16LE(elem, 2);
  head.write(vr, 4, 'latin1');
  if (long) head.writeUInt32LE(length >>> 0, 8);
  else head.writeUInt16LE(length, 6);
  return Buffer.concat([head, value]);
}
const tagOnly = (group: number, elem: number, length: number): Buffer => {
  const b = Buffer.alloc(8);
  b.writeUInt16LE(group, 0);
  b.writeUInt16LE(elem, 2);
  b.writeUInt32LE(length >>> 0, 4);
  return b;
};

describe('recognising DICOM', () => {
  it('reads a Part 10 file and its transfer syntax', () => {
    const file = fixture('cr_12bit.dcm');
    expect(file.layout).toBe('part10');
    expect(file.transferSyntax).toBe('1.2.840.10008.1.2.1');
    expect(getString(file.dataset, 'Modality')).toBe('CR');
  });

  it('reads raw datasets without preamble or meta, explicit and implicit', () => {
    for (const name of ['cr_12bit_no_preamble.dcm', 'cr_12bit_no_preamble_implicit.dcm']) {
      const file = fixture(name);
      expect(file.layout).toBe('raw-dataset');
      expect(getNumbers(file.dataset, 'Rows')).toEqual([48]);
    }
  });

  it.skipIf(!hasPydicomFile('ExplVR_LitEndNoMeta.dcm'))("reads pydicom's ExplVR_LitEndNoMeta.dcm", () => {
    const file = pydicomFile('ExplVR_LitEndNoMeta.dcm');
    expect(file.transferSyntax).toBe('1.2.840.10008.1.2.1');
    expect(getString(file.dataset, 0x300a000a)).toBe('CURATIVE'); // Plan Intent
  });

  it('rejects a text file and an empty file as not DICOM', () => {
    expect(dicomError(() => parseDicom(readFileSync(`${FIXTURES}not_dicom.txt`))).code).toBe('not-dicom');
    expect(dicomError(() => parseDicom(new Uint8Array(0))).code).toBe('not-dicom');
  });
});

describe('damaged files', () => {
  it('reports a truncated file as truncated, naming the element and lengths', () => {
    const err = dicomError(() => fixture('truncated.dcm'));
    expect(err.code).toBe('corrupt');
    expect(err.message).toBe('truncated: element (7FE0,0010) declares 6144 bytes, 5144 remain');
  });

  it.skipIf(!hasPydicomFile('MR_truncated.dcm'))("reports pydicom's MR_truncated.dcm as truncated", () => {
    expect(dicomError(() => pydicomFile('MR_truncated.dcm')).message).toMatch(
      /^truncated: element \(7FE0,0010\)/,
    );
  });

  it('never crashes on any prefix or on byte flips of a real file', () => {
    const bytes = readFileSync(`${FIXTURES}nested_sequence.dcm`);
    let seed = 1;
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const inputs: Uint8Array[] = [];
    for (let n = 0; n < bytes.length; n += 7) inputs.push(bytes.subarray(0, n));
    for (let i = 0; i < 300; i++) {
      const copy = Buffer.from(bytes);
      for (let k = 0; k < 4; k++) copy[Math.floor(rnd() * copy.length)] = Math.floor(rnd() * 256);
      inputs.push(copy);
    }
    for (const input of inputs) {
      try {
        parseDicom(input);
      } catch (err) {
        expect(err).toBeInstanceOf(DicomError);
      }
    }
  });

  it('caps sequence nesting depth instead of overflowing the stack', () => {
    const open = Buffer.concat([
      el(0x0040, 0xa730, 'SQ', Buffer.alloc(0), 0xffffffff),
      tagOnly(0xfffe, 0xe000, 0xffffffff),
    ]);
    const data = Buffer.concat(Array.from({ length: 200 }, () => open));
    const err = dicomError(() =>
      parseDicom(Buffer.concat([el(0x0008, 0x0060, 'CS', Buffer.from('OT')), data])),
    );
    expect(err.message).toMatch(/nested deeper than 64/);
  });

  it('handles zero-length undefined items and does not trust huge declared lengths', () => {
    const seq = Buffer.concat([
      el(0x0008, 0x1140, 'SQ', Buffer.alloc(0), 0xffffffff),
      ...Array.from({ length: 1000 }, () =>
        Buffer.concat([tagOnly(0xfffe, 0xe000, 0xffffffff), tagOnly(0xfffe, 0xe00d, 0)]),
      ),
      tagOnly(0xfffe, 0xe0dd, 0),
    ]);
    const file = parseDicom(Buffer.concat([el(0x0008, 0x0060, 'CS', Buffer.from('OT')), seq]));
    expect(getItems(file.dataset, 'ReferencedImageSequence')).toHaveLength(1000);
    const huge = Buffer.concat([
      el(0x0008, 0x0060, 'CS', Buffer.from('OT')),
      el(0x7fe0, 0x0010, 'OB', Buffer.alloc(4), 0xfffffff0),
    ]);
    expect(dicomError(() => parseDicom(huge)).message).toBe(
      'truncated: element (7FE0,0010) declares 4294967280 bytes, 4 remain',
    );
  });

  it('can stop at Pixel Data, recording where it is without reading it', () => {
    const bytes = readFileSync(`${FIXTURES}truncated.dcm`);
    const file = parseDicom(bytes, { stopAtPixelData: true });
    const pixel = file.dataset.elements.get(0x7fe00010);
    expect(pixel?.notRead).toBe(true);
    expect(pixel?.length).toBe(6144);
    expect(pixel?.offset).toBe(bytes.length - 5144);
  });
});

describe('values', () => {
  it('decodes ISO_IR 100 and ISO_IR 192 names with accents', () => {
    expect(getString(fixture('charset_latin1.dcm').dataset, 'PatientName')).toBe('Müller^Jürgen');
    expect(getString(fixture('charset_latin1.dcm').dataset, 'InstitutionName')).toBe('Clínica São José');
    expect(getString(fixture('charset_utf8.dcm').dataset, 'PatientName')).toBe('Gonçalves^José=山田^太郎');
  });

  it('splits multi-valued strings and parses numbers in both byte orders', () => {
    for (const name of ['cr_12bit.dcm', 'cr_12bit_bigendian.dcm', 'cr_12bit_implicit.dcm']) {
      const ds = fixture(name).dataset;
      expect(getStrings(ds, 'ImageType')).toEqual(['ORIGINAL', 'PRIMARY']);
      expect(getNumbers(ds, 'WindowCenter')).toEqual([2000, 3000]);
      expect(getNumbers(ds, 'Columns')).toEqual([64]);
      expect(getNumbers(ds, 'RescaleIntercept')).toEqual([-100]);
    }
  });

  it('reads a sequence nested three deep, with undefined and with explicit lengths', () => {
    for (const name of ['nested_sequence.dcm', 'nested_sequence_defined.dcm']) {
      const ds = fixture(name).dataset;
      const outer = getItems(ds, 'ContentSequence')[0];
      const middle = outer && getItems(outer, 'ContentSequence')[0];
      const inner = middle && getItems(middle, 'ConceptNameCodeSequence')[0];
      expect(inner && getString(inner, 'CodeMeaning')).toBe('Third level');
      expect(getItems(ds, 'ReferencedImageSequence')).toHaveLength(2);
    }
  });

  it('flattens the header for display without pixel data, binary values or sequences', () => {
    const header = flatHeader(fixture('cr_12bit.dcm'));
    expect(header.Modality).toBe('CR');
    expect(header.WindowWidth).toBe('4000.0\\1000.0'); // as written, not reformatted
    expect(header.TransferSyntaxUID).toBe('1.2.840.10008.1.2.1');
    expect(header.Rows).toBe('48');
    expect(header.PixelData).toBeUndefined();
    expect(flatHeader(fixture('nested_sequence.dcm')).ContentSequence).toBeUndefined();
  });
});
