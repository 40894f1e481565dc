/**
 * DICOM Part 10 writer for the de-identified dataset: a regenerated File Meta group (explicit VR
 * little endian, with its group length), then the dataset in the source's encoding. Sequences and
 * items are written with undefined length (valid in every transfer syntax, so no length bookkeeping
 * can go wrong), group lengths other than the meta one are never written (retired, PS3.5 7.2),
 * values are padded to even length per VR (PS3.5 6.2), and encapsulated pixel data is copied
 * fragment by fragment.
 */
import { deflateRawSync } from 'node:zlib';

export interface OutEncapsulated {
  offsetTable: number[];
  fragments: Uint8Array[];
}

export interface OutElement {
  tag: number;
  vr: string;
  value?: Uint8Array;
  items?: OutElement[][];
  encapsulated?: OutEncapsulated;
}

export interface OutEncoding {
  explicitVr: boolean;
  littleEndian: boolean;
  deflated: boolean;
}

const LONG_VRS = new Set('OB OD OF OL OV OW SQ SV UC UN UR UT UV'.split(' '));
const SPACE_PADDED = new Set('AE AS CS DA DS DT IS LO LT PN SH ST TM UC UR UT'.split(' '));
const UNDEFINED = 0xffffffff;

/** Grows as it is written; one allocation per doubling. */
class ByteSink {
  private buf = new Uint8Array(1 << 16);
  private view = new DataView(this.buf.buffer);
  length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  u16(v: number, le: boolean): void {
    this.reserve(2);
    this.view.setUint16(this.length, v, le);
    this.length += 2;
  }
  u32(v: number, le: boolean): void {
    this.reserve(4);
    this.view.setUint32(this.length, v >>> 0, le);
    this.length += 4;
  }
  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  ascii(s: string): void {
    for (let i = 0; i < s.length; i++) this.bytes(Uint8Array.of(s.charCodeAt(i) & 0xff));
  }
  result(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

function padded(vr: string, value: Uint8Array): Uint8Array {
  if (value.length % 2 === 0) return value;
  const out = new Uint8Array(value.length + 1);
  out.set(value);
  out[value.length] = SPACE_PADDED.has(vr) ? 0x20 : 0x00;
  return out;
}

function writeTag(sink: ByteSink, tag: number, le: boolean): void {
  sink.u16(tag >>> 16, le);
  sink.u16(tag & 0xffff, le);
}

function writeHeader(sink: ByteSink, tag: number, vr: string, length: number, enc: OutEncoding): void {
  const le = enc.littleEndian;
  writeTag(sink, tag, le);
  if (!enc.explicitVr) {
    sink.u32(length, le);
    return;
  }
  let outVr = vr.length === 2 ? vr : 'UN';
  if (!LONG_VRS.has(outVr) && length > 0xfffe) outVr = 'UN'; // cannot be stated in 16 bits
  sink.ascii(outVr);
  if (LONG_VRS.has(outVr)) {
    sink.u16(0, le);
    sink.u32(length, le);
  } else {
    sink.u16(length, le);
  }
}

function writeElements(sink: ByteSink, elements: OutElement[], enc: OutEncoding): void {
  const sorted = [...elements].sort((a, b) => a.tag - b.tag);
  for (const el of sorted) {
    if (el.items !== undefined) {
      writeHeader(sink, el.tag, 'SQ', UNDEFINED, enc);
      for (const item of el.items) {
        writeTag(sink, 0xfffee000, enc.littleEndian);
        sink.u32(UNDEFINED, enc.littleEndian);
        writeElements(sink, item, enc);
        writeTag(sink, 0xfffee00d, enc.littleEndian);
        sink.u32(0, enc.littleEndian);
      }
      writeTag(sink, 0xfffee0dd, enc.littleEndian);
      sink.u32(0, enc.littleEndian);
    } else if (el.encapsulated !== undefined) {
      writeHeader(sink, el.tag, 'OB', UNDEFINED, enc);
      const { offsetTable, fragments } = el.encapsulated;
      writeTag(sink, 0xfffee000, enc.littleEndian);
      sink.u32(offsetTable.length * 4, enc.littleEndian);
      for (const off of offsetTable) sink.u32(off, enc.littleEndian);
      for (const fragment of fragments) {
        const body = padded('OB', fragment);
        writeTag(sink, 0xfffee000, enc.littleEndian);
        sink.u32(body.length, enc.littleEndian);
        sink.bytes(body);
      }
      writeTag(sink, 0xfffee0dd, enc.littleEndian);
      sink.u32(0, enc.littleEndian);
    } else {
      const value = padded(el.vr, el.value ?? new Uint8Array(0));
      writeHeader(sink, el.tag, el.vr, value.length, enc);
      sink.bytes(value);
    }
  }
}

/** Bytes of a dataset alone, in the given encoding (deflated when the encoding says so). */
export function encodeDataset(elements: OutElement[], enc: OutEncoding): Uint8Array {
  const sink = new ByteSink();
  writeElements(sink, elements, enc);
  const raw = sink.result();
  return enc.deflated ? new Uint8Array(deflateRawSync(raw)) : raw;
}

export interface FileMeta {
  sopClassUid: string;
  sopInstanceUid: string;
  transferSyntaxUid: string;
  implementationClassUid: string;
  implementationVersionName: string;
}

export function asciiBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

/** Preamble, `DICM`, the File Meta group (PS3.10 7.1) and the dataset. */
export function writePart10(meta: FileMeta, dataset: OutElement[], enc: OutEncoding): Uint8Array {
  const metaEnc: OutEncoding = { explicitVr: true, littleEndian: true, deflated: false };
  const body = encodeDataset(
    [
      { tag: 0x00020001, vr: 'OB', value: Uint8Array.of(0, 1) },
      { tag: 0x00020002, vr: 'UI', value: asciiBytes(meta.sopClassUid) },
      { tag: 0x00020003, vr: 'UI', value: asciiBytes(meta.sopInstanceUid) },
      { tag: 0x00020010, vr: 'UI', value: asciiBytes(meta.transferSyntaxUid) },
      { tag: 0x00020012, vr: 'UI', value: asciiBytes(meta.implementationClassUid) },
      { tag: 0x00020013, vr: 'SH', value: asciiBytes(meta.implementationVersionName) },
    ],
    metaEnc,
  );
  const head = new ByteSink();
  head.bytes(new Uint8Array(128));
  head.ascii('DICM');
  writeHeader(head, 0x00020000, 'UL', 4, metaEnc);
  head.u32(body.length, true);
  head.bytes(body);
  head.bytes(encodeDataset(dataset, enc));
  return head.result();
}
