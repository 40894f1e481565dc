/**
 * A bundle opened for reading without loading it: a folder, a tar or a zip (zip64 included). Only an index
 * is held (name → where its bytes are); an entry is read whole when asked, streamed in chunks for hashing, or
 * read at random offsets (Parquet footers and row groups), so verify runs in bounded memory on bundles of any
 * size, archives above 4 GiB included.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';

/** Random access to one entry, in the shape hyparquet reads files (its AsyncBuffer). */
export interface EntryBuffer {
  byteLength: number;
  slice(start: number, end?: number): Promise<ArrayBuffer>;
}

export interface BundleSource {
  /** Entry names (files only), sorted. */
  readonly names: string[];
  has(name: string): boolean;
  size(name: string): number;
  read(name: string): Buffer;
  chunks(name: string): Readable;
  randomAccess(name: string): EntryBuffer;
  close(): void;
}

interface Located {
  /** Offset of the entry's (stored or deflated) bytes in the archive. */
  offset: number;
  /** Bytes stored in the archive. */
  stored: number;
  /** Bytes once read (inflated). */
  size: number;
  deflated: boolean;
}

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function readExactly(fd: number, length: number, position: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  let at = 0;
  while (at < length) {
    const n = fs.readSync(fd, out, at, length - at, position + at);
    if (n === 0) throw new Error('the archive ends early');
    at += n;
  }
  return out;
}

/** An archive read through its index: bytes at known offsets of one file. */
class ArchiveSource implements BundleSource {
  readonly names: string[];
  private readonly fd: number;
  private readonly file: string;
  private readonly index: Map<string, Located>;

  constructor(file: string, fd: number, index: Map<string, Located>) {
    this.file = file;
    this.fd = fd;
    this.index = index;
    this.names = [...index.keys()].sort(byName);
  }

  private at(name: string): Located {
    const e = this.index.get(name);
    if (!e) throw new Error(`${name} is not in the bundle`);
    return e;
  }

  has(name: string): boolean {
    return this.index.has(name);
  }

  size(name: string): number {
    return this.at(name).size;
  }

  read(name: string): Buffer {
    const e = this.at(name);
    const raw = readExactly(this.fd, e.stored, e.offset);
    return e.deflated ? zlib.inflateRawSync(raw) : raw;
  }

  chunks(name: string): Readable {
    const e = this.at(name);
    if (e.stored === 0) return Readable.from([]);
    const raw = fs.createReadStream(this.file, { start: e.offset, end: e.offset + e.stored - 1 });
    return e.deflated ? raw.pipe(zlib.createInflateRaw()) : raw;
  }

  randomAccess(name: string): EntryBuffer {
    const e = this.at(name);
    if (e.deflated) return wholeBuffer(this.read(name));
    return {
      byteLength: e.size,
      slice: (start, end = e.size) => {
        const b = readExactly(this.fd, Math.max(0, end - start), e.offset + start);
        return Promise.resolve(b.buffer.slice(b.byteOffset, b.byteOffset + b.length) as ArrayBuffer);
      },
    };
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}

function wholeBuffer(b: Buffer): EntryBuffer {
  const ab = b.buffer.slice(b.byteOffset, b.byteOffset + b.length) as ArrayBuffer;
  return { byteLength: ab.byteLength, slice: (start, end) => Promise.resolve(ab.slice(start, end)) };
}

class FolderSource implements BundleSource {
  readonly names: string[];
  private readonly root: string;
  private readonly set: Set<string>;

  constructor(root: string, names: string[]) {
    this.root = root;
    this.names = names;
    this.set = new Set(names);
  }

  has(name: string): boolean {
    return this.set.has(name);
  }

  size(name: string): number {
    return fs.statSync(path.join(this.root, name)).size;
  }

  read(name: string): Buffer {
    return fs.readFileSync(path.join(this.root, name));
  }

  chunks(name: string): Readable {
    return fs.createReadStream(path.join(this.root, name));
  }

  randomAccess(name: string): EntryBuffer {
    const file = path.join(this.root, name);
    const byteLength = fs.statSync(file).size;
    return {
      byteLength,
      slice: (start, end = byteLength) => {
        const fd = fs.openSync(file, 'r');
        try {
          const b = readExactly(fd, Math.max(0, end - start), start);
          return Promise.resolve(b.buffer.slice(b.byteOffset, b.byteOffset + b.length) as ArrayBuffer);
        } finally {
          fs.closeSync(fd);
        }
      },
    };
  }

  close(): void {}
}

/** Every file under a folder, as sorted forward-slash relative paths. */
export function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const d of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const p = rel ? `${rel}/${d.name}` : d.name;
      if (d.isDirectory()) walk(p);
      else if (d.isFile()) out.push(p);
    }
  };
  walk('');
  return out.sort(byName);
}

const BLOCK = 512;

/** A tar size field: octal, or base-256 (first byte 0x80) for sizes above 8 GiB. */
function tarNumber(field: Buffer): number {
  if (field[0]! & 0x80) {
    let v = 0;
    for (let i = 1; i < field.length; i++) v = v * 256 + field[i]!;
    return v;
  }
  const text = field
    .toString('latin1')
    .replace(/[\0 ]+$/u, '')
    .trim();
  return text === '' ? 0 : parseInt(text, 8);
}

const cString = (b: Buffer) => {
  const end = b.indexOf(0);
  return b.subarray(0, end < 0 ? b.length : end).toString('utf8');
};

/** pax records (`LEN key=value\n`): the path and size a following entry takes. */
function paxRecords(data: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    if (space < 0) break;
    const len = Number(data.subarray(at, space).toString('latin1'));
    if (!(len > 0)) break;
    const record = data.subarray(space + 1, at + len - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) out.set(record.slice(0, eq), record.slice(eq + 1));
    at += len;
  }
  return out;
}

/** The tar's index, from its headers alone (ustar, pax and GNU long names); content is skipped over. */
function tarIndex(fd: number, total: number): Map<string, Located> {
  const index = new Map<string, Located>();
  let at = 0;
  let pax = new Map<string, string>();
  let longName: string | null = null;
  while (at + BLOCK <= total) {
    const h = readExactly(fd, BLOCK, at);
    if (h.every((b) => b === 0)) break;
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i]!;
    if (sum !== tarNumber(h.subarray(148, 156))) throw new Error('damaged tar header');
    const type = String.fromCharCode(h[156]!);
    let size = tarNumber(h.subarray(124, 136));
    const data = at + BLOCK;
    at = data + Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'x' || type === 'g') {
      if (type === 'x') pax = paxRecords(readExactly(fd, size, data));
      continue;
    }
    if (type === 'L') {
      longName = cString(readExactly(fd, size, data));
      continue;
    }
    const prefix = cString(h.subarray(345, 500));
    const name = pax.get('path') ?? longName ?? (prefix ? `${prefix}/` : '') + cString(h.subarray(0, 100));
    if (pax.has('size')) {
      size = Number(pax.get('size'));
      at = data + Math.ceil(size / BLOCK) * BLOCK;
    }
    pax = new Map();
    longName = null;
    if (type === '0' || type === '\0' || type === '7')
      index.set(name, { offset: data, stored: size, size, deflated: false });
  }
  return index;
}

const u64 = (b: Buffer, at: number) => Number(b.readBigUInt64LE(at));

/** The zip's index, from its central directory (zip64 end records and extra fields where present). */
function zipIndex(fd: number, total: number): Map<string, Located> {
  const tailLength = Math.min(total, 65_557);
  const tail = readExactly(fd, tailLength, total - tailLength);
  const eocd = tail.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error('not a zip archive (no end of central directory)');
  let count = tail.readUInt16LE(eocd + 10);
  let cdSize = tail.readUInt32LE(eocd + 12);
  let cdOffset = tail.readUInt32LE(eocd + 16);
  const locator = eocd - 20;
  if (locator >= 0 && tail.readUInt32LE(locator) === 0x07064b50) {
    const z64 = readExactly(fd, 56, u64(tail, locator + 8));
    if (z64.readUInt32LE(0) !== 0x06064b50) throw new Error('damaged zip64 end of central directory');
    count = u64(z64, 32);
    cdSize = u64(z64, 40);
    cdOffset = u64(z64, 48);
  }
  const cd = readExactly(fd, cdSize, cdOffset);
  const index = new Map<string, Located>();
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (cd.readUInt32LE(at) !== 0x02014b50) throw new Error('damaged zip central directory');
    const method = cd.readUInt16LE(at + 10);
    let stored = cd.readUInt32LE(at + 20);
    let size = cd.readUInt32LE(at + 24);
    const nameLen = cd.readUInt16LE(at + 28);
    const extraLen = cd.readUInt16LE(at + 30);
    const commentLen = cd.readUInt16LE(at + 32);
    let local = cd.readUInt32LE(at + 42);
    const name = cd.subarray(at + 46, at + 46 + nameLen).toString('utf8');
    // Zip64 extended information: the 64-bit values of exactly the fields that read 0xFFFFFFFF, in order.
    for (let x = at + 46 + nameLen; x + 4 <= at + 46 + nameLen + extraLen;) {
      const id = cd.readUInt16LE(x);
      const len = cd.readUInt16LE(x + 2);
      if (id === 0x0001) {
        let f = x + 4;
        const next = () => {
          const v = u64(cd, f);
          f += 8;
          return v;
        };
        if (size === 0xffffffff) size = next();
        if (stored === 0xffffffff) stored = next();
        if (local === 0xffffffff) local = next();
      }
      x += 4 + len;
    }
    at += 46 + nameLen + extraLen + commentLen;
    if (name.endsWith('/')) continue;
    if (method !== 0 && method !== 8) throw new Error(`zip entry with unsupported method ${method}`);
    const head = readExactly(fd, 30, local);
    if (head.readUInt32LE(0) !== 0x04034b50) throw new Error('damaged zip local header');
    const offset = local + 30 + head.readUInt16LE(26) + head.readUInt16LE(28);
    index.set(name, { offset, stored, size, deflated: method === 8 });
  }
  return index;
}

/** Opens a bundle folder, tar or zip for reading by index. */
export function openBundle(bundle: string): BundleSource {
  if (!fs.existsSync(bundle)) throw new Error(`${bundle} does not exist`);
  const stat = fs.statSync(bundle);
  if (stat.isDirectory()) return new FolderSource(bundle, listFiles(bundle));
  const fd = fs.openSync(bundle, 'r');
  try {
    const magic = readExactly(fd, Math.min(2, stat.size), 0).toString('latin1');
    const index = magic === 'PK' ? zipIndex(fd, stat.size) : tarIndex(fd, stat.size);
    return new ArchiveSource(bundle, fd, index);
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
}
