// A seeded mutator over valid fixtures: DICOM (bytes and structure), PNG, JPEG and CSV. The same seed gives
// the same mutants, so a failure found at night is replayed by `npm run fuzz -- --seed N --cases M`.
import zlib from 'node:zlib';
import { parseDicom, type DicomDataset } from '../../../electron/engine/dicom/index.ts';
import { seededRandom } from '../../../scripts/seeded-random.ts';

/** mulberry32: small, fast and good enough to pick mutations. */
export class Rng {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = seededRandom(seed);
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
}

export interface Mutant {
  bytes: Buffer;
  /** What was done, for the failure message and the nightly report. */
  what: string;
}

// ---------- bytes ----------

function truncate(rng: Rng, b: Buffer): Mutant {
  const at = rng.int(b.length);
  return { bytes: b.subarray(0, at), what: `truncated at ${at} of ${b.length}` };
}

function flip(rng: Rng, b: Buffer): Mutant {
  const out = Buffer.from(b);
  const n = 1 + rng.int(32);
  for (let i = 0; i < n; i++) {
    const at = rng.int(out.length);
    out[at] = out[at]! ^ (1 + rng.int(255));
  }
  return { bytes: out, what: `${n} bytes flipped` };
}

// ---------- DICOM structure ----------

const LONG_VRS = new Set('OB OD OF OL OV OW SQ SV UC UN UR UT UV'.split(' '));
const ALL_VRS =
  'AE AS AT CS DA DS DT FD FL IS LO LT OB OD OF OL OV OW PN SH SL SQ SS ST SV TM UC UI UL UN UR US UT UV'.split(
    ' ',
  );
const UNDEFINED = 0xffffffff;
const ITEM = [0xfe, 0xff, 0x00, 0xe0];
const ITEM_DELIM = [0xfe, 0xff, 0x0d, 0xe0, 0, 0, 0, 0];
const SEQ_DELIM = [0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0];

interface Span {
  tag: number;
  vr: string;
  /** Header start, value start, end (exclusive). */
  start: number;
  value: number;
  end: number;
  length: number;
}

/** Top-level element spans of an explicit VR little endian file (meta and dataset share the file's bytes). */
export function elementSpans(bytes: Buffer): Span[] | null {
  let file;
  try {
    file = parseDicom(bytes);
  } catch {
    return null;
  }
  if (file.transferSyntax === '1.2.840.10008.1.2' || file.transferSyntax === '1.2.840.10008.1.2.2')
    return null;
  if (file.dataset.source !== bytes && file.dataset.source.buffer !== bytes.buffer) return null; // deflated
  const spans: Span[] = [];
  const add = (ds: DicomDataset) => {
    for (const e of ds.elements.values()) {
      const start = e.offset - (LONG_VRS.has(e.vr) ? 12 : 8);
      spans.push({ tag: e.tag, vr: e.vr, start, value: e.offset, end: -1, length: e.length });
    }
  };
  add(file.meta);
  add(file.dataset);
  spans.sort((a, b) => a.start - b.start);
  for (let i = 0; i < spans.length; i++) {
    const s = spans[i]!;
    s.end = s.length !== UNDEFINED ? s.value + s.length : (spans[i + 1]?.start ?? bytes.length);
  }
  return spans;
}

/** One explicit VR little endian element; `length` overrides the true value length. */
export function element(tag: number, vr: string, value: Uint8Array, length?: number): Buffer {
  const long = LONG_VRS.has(vr);
  const head = Buffer.alloc(long ? 12 : 8);
  head.writeUInt16LE(tag >>> 16, 0);
  head.writeUInt16LE(tag & 0xffff, 2);
  head.write(vr, 4, 'latin1');
  if (long) head.writeUInt32LE(length ?? value.length, 8);
  else head.writeUInt16LE((length ?? value.length) & 0xffff, 6);
  return Buffer.concat([head, value]);
}

function text(s: string): Buffer {
  return Buffer.from(s.length % 2 ? `${s} ` : s, 'latin1');
}

function us(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n & 0xffff);
  return b;
}

/** Replaces the element `tag` (or inserts it in tag order) with `el`. */
export function setElement(bytes: Buffer, spans: Span[], tag: number, el: Buffer): Buffer {
  const found = spans.find((s) => s.tag === tag);
  if (found) return Buffer.concat([bytes.subarray(0, found.start), el, bytes.subarray(found.end)]);
  const after = spans.find((s) => s.tag > tag && s.tag >>> 16 !== 2) ?? spans[spans.length - 1]!;
  return Buffer.concat([bytes.subarray(0, after.start), el, bytes.subarray(after.start)]);
}

function nestedSequence(depth: number): Buffer {
  // SQ (undefined) > item (undefined) > SQ … with every delimiter in place.
  const open: number[] = [];
  const close: number[] = [];
  for (let i = 0; i < depth; i++) {
    open.push(0x08, 0x00, 0x40, 0x11, 0x53, 0x51, 0, 0, 0xff, 0xff, 0xff, 0xff); // (0008,1140) SQ
    open.push(...ITEM, 0xff, 0xff, 0xff, 0xff);
    close.unshift(...ITEM_DELIM, ...SEQ_DELIM);
  }
  return Buffer.from([...open, ...close]);
}

const SOP_TAG = 0x00081140;
const TRANSFER_SYNTAXES = [
  '1.2.840.10008.1.2',
  '1.2.840.10008.1.2.1',
  '1.2.840.10008.1.2.2',
  '1.2.840.10008.1.2.1.99',
  '1.2.840.10008.1.2.4.50',
  '1.2.840.10008.1.2.4.57',
  '1.2.840.10008.1.2.4.70',
  '1.2.840.10008.1.2.4.80',
  '1.2.840.10008.1.2.4.90',
  '1.2.840.10008.1.2.4.201',
  '1.2.840.10008.1.2.5',
  '1.2.3.4.5.garbage',
];

type DicomOp = (rng: Rng, b: Buffer, spans: Span[]) => Mutant | null;

const DICOM_OPS: Record<string, DicomOp> = {
  absurdLength(rng, b, spans) {
    const s = rng.pick(spans);
    const out = Buffer.from(b);
    const long = LONG_VRS.has(s.vr);
    const v = rng.pick([0xffffffff, 0xfffffffe, 0x7fffffff, s.length + 1, s.length * 1000 + 7, 0xffff]);
    if (long) out.writeUInt32LE(v >>> 0, s.start + 8);
    else out.writeUInt16LE(v & 0xffff, s.start + 6);
    return { bytes: out, what: `length of (${hex(s.tag)}) set to ${v}` };
  },
  wrongVr(rng, b, spans) {
    const s = rng.pick(spans);
    const out = Buffer.from(b);
    const vr = rng.next() < 0.8 ? rng.pick(ALL_VRS) : 'Z\u0001';
    out.write(vr, s.start + 4, 'latin1');
    return { bytes: out, what: `VR of (${hex(s.tag)}) set to ${JSON.stringify(vr)}` };
  },
  hugeFrames(rng, b, spans) {
    const v = rng.pick(['2147483647', '99999', '65536', '0', '-5', '1e9', 'abc', '3']);
    return {
      bytes: setElement(b, spans, 0x00280008, element(0x00280008, 'IS', text(v))),
      what: `NumberOfFrames ${v}`,
    };
  },
  hugeDimensions(rng, b, spans) {
    const rows = rng.pick([65535, 0, 1, 40000, 16384]);
    const cols = rng.pick([65535, 0, 1, 40000, 16384]);
    let out = setElement(b, spans, 0x00280010, element(0x00280010, 'US', us(rows)));
    const s2 = elementSpans(out);
    if (s2) out = setElement(out, s2, 0x00280011, element(0x00280011, 'US', us(cols)));
    return { bytes: out, what: `Rows ${rows} Columns ${cols}` };
  },
  oddPixelModule(rng, b, spans) {
    const [tag, v] = rng.pick([
      [0x00280100, 64],
      [0x00280100, 12],
      [0x00280002, 4],
      [0x00280002, 3],
      [0x00280101, 40],
      [0x00280103, 7],
    ] as const);
    return { bytes: setElement(b, spans, tag, element(tag, 'US', us(v))), what: `(${hex(tag)}) = ${v}` };
  },
  deepSequence(rng, b, spans) {
    const depth = rng.pick([63, 65, 300, 5000]);
    return {
      bytes: setElement(b, spans, SOP_TAG, nestedSequence(depth)),
      what: `sequence nested ${depth} deep`,
    };
  },
  endlessItem(_rng, b, spans) {
    // An undefined-length item that is never closed: it swallows the rest of the file.
    const sq = Buffer.from([
      0x08,
      0x00,
      0x40,
      0x11,
      0x53,
      0x51,
      0,
      0,
      0xff,
      0xff,
      0xff,
      0xff,
      ...ITEM,
      0xff,
      0xff,
      0xff,
      0xff,
    ]);
    return { bytes: setElement(b, spans, SOP_TAG, sq), what: 'undefined-length item never closed' };
  },
  endlessSequence(rng, b) {
    // Many empty items and no sequence delimiter, appended at the end of the file.
    const n = rng.pick([1000, 100_000]);
    const items = Buffer.alloc(n * 8);
    for (let i = 0; i < n; i++) {
      items.set(ITEM, i * 8);
      items.writeUInt32LE(0, i * 8 + 4);
    }
    const sq = Buffer.from([0x09, 0x00, 0x10, 0x10, 0x53, 0x51, 0, 0, 0xff, 0xff, 0xff, 0xff]);
    return { bytes: Buffer.concat([b, sq, items]), what: `sequence of ${n} items never closed` };
  },
  wrongTransferSyntax(rng, b, spans) {
    const ts = rng.pick(TRANSFER_SYNTAXES);
    return {
      bytes: setElement(
        b,
        spans,
        0x00020010,
        element(0x00020010, 'UI', Buffer.from(ts.length % 2 ? `${ts}\0` : ts)),
      ),
      what: `transfer syntax ${ts}`,
    };
  },
  badEncapsulation(rng, b, spans) {
    const px = spans.find((s) => s.tag === 0x7fe00010);
    if (!px || px.length !== UNDEFINED) return null;
    // Items of the encapsulated pixel data: [offset of item header, length].
    const items: [number, number][] = [];
    let pos = px.value;
    while (pos + 8 <= b.length && b.readUInt32LE(pos) === 0xe000fffe) {
      const len = b.readUInt32LE(pos + 4);
      items.push([pos, len]);
      pos += 8 + len;
    }
    const out = Buffer.from(b);
    const kind = rng.pick(['hugeFragment', 'noFragments', 'badOffsetTable', 'noDelimiter', 'manyFragments']);
    switch (kind) {
      case 'hugeFragment': {
        const it = items[items.length > 1 ? 1 + rng.int(items.length - 1) : 0];
        if (!it) return null;
        out.writeUInt32LE(rng.pick([0xfffffff0, 0x7fffffff, it[1] + 2]), it[0] + 4);
        return { bytes: out, what: 'encapsulated: fragment length past the end' };
      }
      case 'noFragments':
        return {
          bytes: Buffer.concat([b.subarray(0, px.value), Buffer.from([...ITEM, 0, 0, 0, 0, ...SEQ_DELIM])]),
          what: 'encapsulated: offset table only, no fragments',
        };
      case 'badOffsetTable': {
        const bot = Buffer.alloc(16);
        bot.writeUInt32LE(0, 0);
        bot.writeUInt32LE(0xfffffff0, 4);
        bot.writeUInt32LE(7, 8);
        bot.writeUInt32LE(3, 12);
        const first = items[0];
        if (!first) return null;
        return {
          bytes: Buffer.concat([
            b.subarray(0, first[0]),
            Buffer.from([...ITEM, 16, 0, 0, 0]),
            bot,
            b.subarray(first[0] + 8 + first[1]),
          ]),
          what: 'encapsulated: offset table pointing nowhere',
        };
      }
      case 'noDelimiter':
        return { bytes: b.subarray(0, b.length - 8), what: 'encapsulated: no sequence delimiter' };
      default: {
        const n = 50_000;
        const frags = Buffer.alloc(n * 10);
        for (let i = 0; i < n; i++) {
          frags.set(ITEM, i * 10);
          frags.writeUInt32LE(2, i * 10 + 4);
        }
        return {
          bytes: Buffer.concat([b.subarray(0, b.length - 8), frags, Buffer.from(SEQ_DELIM)]),
          what: `encapsulated: ${n} tiny fragments`,
        };
      }
    }
  },
};

/**
 * A time bomb: a valid file of `frames` 1×1 frames (2 bytes each). Every frame is decoded, hashed and
 * thumbnailed, so reading it takes minutes: only the per-file time limit ends it.
 */
export function manyFrames(seed: Buffer, frames: number): Buffer {
  let out = seed;
  const set = (tag: number, el: Buffer) => {
    out = setElement(out, elementSpans(out)!, tag, el);
  };
  set(0x00280010, element(0x00280010, 'US', us(1)));
  set(0x00280011, element(0x00280011, 'US', us(1)));
  set(0x00280008, element(0x00280008, 'IS', text(String(frames))));
  const px = Buffer.alloc(frames * 2);
  for (let i = 0; i < frames; i++) px.writeUInt16LE(i & 0xfff, i * 2);
  set(0x7fe00010, element(0x7fe00010, 'OW', px));
  return out;
}

function hex(tag: number): string {
  return `${(tag >>> 16).toString(16).padStart(4, '0')},${(tag & 0xffff).toString(16).padStart(4, '0')}`;
}

/** One DICOM mutant: a structural change (when the seed is explicit VR LE), then sometimes a byte-level one. */
export function mutateDicom(rng: Rng, seed: Buffer): Mutant {
  const spans = elementSpans(seed);
  let m: Mutant | null = null;
  if (spans && rng.next() < 0.7) {
    const name = rng.pick(Object.keys(DICOM_OPS));
    m = DICOM_OPS[name]!(rng, seed, spans);
    if (m) m.what = `${name}: ${m.what}`;
  }
  m ??= rng.next() < 0.5 ? truncate(rng, seed) : flip(rng, seed);
  if (rng.next() < 0.2) {
    const more = rng.next() < 0.5 ? truncate(rng, m.bytes) : flip(rng, m.bytes);
    m = { bytes: more.bytes, what: `${m.what}; ${more.what}` };
  }
  return m;
}

// ---------- PNG ----------

function crc32(buf: Uint8Array): number {
  return zlib.crc32(buf) >>> 0;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** A small PNG that declares `w`×`h` pixels (gray, or RGB) and holds all of them, zero-filled and deflated. */
export function pngBomb(w: number, h: number, rgb = false): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = rgb ? 2 : 0;
  const raw = Buffer.alloc((w * (rgb ? 3 : 1) + 1) * h); // filter byte + row, all zeros
  const idat = zlib.deflateSync(raw, { level: 1 });
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', idat),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

export function mutatePng(rng: Rng, seed: Buffer): Mutant {
  const op = rng.pick(['truncate', 'flip', 'badCrc', 'badChunkLength', 'hugeDims']);
  if (op === 'truncate') return truncate(rng, seed);
  if (op === 'flip') return flip(rng, seed);
  const out = Buffer.from(seed);
  // Chunks start at 8: length(4) type(4) data crc(4). Pick one.
  const chunks: number[] = [];
  for (let p = 8; p + 12 <= out.length; p += 12 + out.readUInt32BE(p)) chunks.push(p);
  const at = rng.pick(chunks);
  if (op === 'badCrc') {
    const crcAt = at + 8 + out.readUInt32BE(at);
    out[crcAt] = out[crcAt]! ^ 0xff;
    return { bytes: out, what: 'png: bad CRC' };
  }
  if (op === 'badChunkLength') {
    out.writeUInt32BE(rng.pick([0x7fffffff, 0xffffffff, out.readUInt32BE(at) + 1]) >>> 0, at);
    return { bytes: out, what: 'png: bad chunk length' };
  }
  const w = rng.pick([0x7fffffff, 65535, 100_000, 1]);
  const h = rng.pick([0x7fffffff, 65535, 100_000, 1]);
  out.writeUInt32BE(w, 16);
  out.writeUInt32BE(h, 20);
  out.writeUInt32BE(crc32(out.subarray(12, 29)), 29); // keep the IHDR valid so the decoder believes it
  return { bytes: out, what: `png: declares ${w}x${h}` };
}

// ---------- JPEG ----------

export function mutateJpeg(rng: Rng, seed: Buffer): Mutant {
  const op = rng.pick(['truncate', 'flip', 'hugeDims', 'noEoi']);
  if (op === 'truncate') return truncate(rng, seed);
  if (op === 'flip') return flip(rng, seed);
  if (op === 'noEoi') return { bytes: seed.subarray(0, seed.length - 2), what: 'jpeg: no EOI' };
  const out = Buffer.from(seed);
  for (let p = 2; p + 9 < out.length;) {
    if (out[p] !== 0xff) break;
    const marker = out[p + 1]!;
    if (marker >= 0xc0 && marker <= 0xc3) {
      const h = rng.pick([65535, 60000, 0]);
      const w = rng.pick([65535, 60000, 0]);
      out.writeUInt16BE(h, p + 5);
      out.writeUInt16BE(w, p + 7);
      return { bytes: out, what: `jpeg: SOF declares ${w}x${h}` };
    }
    p += 2 + out.readUInt16BE(p + 2);
  }
  return flip(rng, seed);
}

// ---------- CSV ----------

const CSV_OPS = [
  'quote',
  'hugeField',
  'badUtf8',
  'nul',
  'dropColumn',
  'extraColumns',
  'emptyFile',
  'headerOnly',
  'truncate',
  'bom',
  'crlf',
  'flip',
] as const;

/** One CSV mutant: rows stay mostly intact so the import has real work left beside the damage. */
export function mutateCsv(rng: Rng, seed: Buffer): Mutant {
  const op = rng.pick(CSV_OPS);
  const lines = seed.toString('utf8').split('\n');
  const row = 1 + rng.int(Math.max(1, lines.length - 2));
  const cols = (lines[row] ?? '').split(',');
  const col = rng.int(cols.length);
  switch (op) {
    case 'quote':
      cols[col] = rng.pick(['"', '"unterminated', 'a"b', '""""', '"x\ny"']);
      lines[row] = cols.join(',');
      break;
    case 'hugeField':
      cols[col] = 'A'.repeat(rng.pick([70_000, 2_000_000]));
      lines[row] = cols.join(',');
      break;
    case 'badUtf8': {
      const i = seed.indexOf('\n') + 1 + rng.int(Math.max(1, seed.length - 1 - seed.indexOf('\n')));
      return {
        bytes: Buffer.concat([
          seed.subarray(0, i),
          Buffer.from([0xc3, 0x28, 0xff, 0xfe, 0xa0]),
          seed.subarray(i),
        ]),
        what: 'csv: invalid UTF-8',
      };
    }
    case 'nul':
      cols[col] = `${cols[col]}\0\0`;
      lines[row] = cols.join(',');
      break;
    case 'dropColumn':
      lines[rng.next() < 0.5 ? 0 : row] = cols.filter((_, i) => i !== col).join(',');
      break;
    case 'extraColumns':
      lines[row] = `${lines[row]},x,y,"z"`;
      break;
    case 'emptyFile':
      return { bytes: Buffer.alloc(0), what: 'csv: empty' };
    case 'headerOnly':
      return { bytes: Buffer.from(`${lines[0]}\n`), what: 'csv: header only' };
    case 'truncate':
      return { ...truncate(rng, seed), what: 'csv: truncated' };
    case 'bom':
      return { bytes: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), seed]), what: 'csv: BOM' };
    case 'crlf':
      return { bytes: Buffer.from(lines.join('\r\n')), what: 'csv: CRLF' };
    case 'flip':
      return { ...flip(rng, seed), what: 'csv: bytes flipped' };
  }
  return { bytes: Buffer.from(lines.join('\n')), what: `csv: ${op} at row ${row} column ${col}` };
}
