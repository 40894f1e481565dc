/**
 * Deterministic archives, written by streaming: entries in sorted order with fixed metadata (mtime 0 in tar,
 * 1980-01-01 in zip, uid/gid 0, mode 0644), so the same bundle packs to the same bytes. Reading is
 * bundle-source.ts's (by index, zip64 and tars above 8 GiB included).
 */
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';

export interface Entry {
  name: string;
  data: Buffer;
}

/** Where archive bytes go: a bundle file (hashed as written) or a plain file. */
export interface ByteSink {
  write(chunk: Uint8Array | string): void;
}

/** A plain file written synchronously (the archive of a bundle, which the manifest does not list). */
export class FileSink implements ByteSink {
  readonly fd: number;
  constructor(file: string) {
    this.fd = fs.openSync(file, 'w');
  }
  write(chunk: Uint8Array | string): void {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    let at = 0;
    while (at < bytes.length) at += fs.writeSync(this.fd, bytes, at, bytes.length - at);
  }
  close(): void {
    fs.closeSync(this.fd);
  }
}

const BLOCK = 512;
const OCTAL_SIZE_MAX = 8 ** 11 - 1;

/** A ustar header with fixed metadata (mtime 0, mode 0644, uid/gid 0); sizes above 8 GiB in base-256. */
export function tarHeader(name: string, size: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  let prefix = '';
  let base = name;
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf('/', 155);
    if (cut <= 0 || Buffer.byteLength(name.slice(cut + 1)) > 100)
      throw new Error(`tar: the name ${JSON.stringify(name.slice(0, 40))}… is too long`);
    prefix = name.slice(0, cut);
    base = name.slice(cut + 1);
  }
  const octal = (v: number, width: number, at: number) =>
    h.write(v.toString(8).padStart(width - 1, '0') + '\0', at, 'latin1');
  h.write(base, 0, 'utf8');
  octal(0o644, 8, 100);
  octal(0, 8, 108);
  octal(0, 8, 116);
  if (size <= OCTAL_SIZE_MAX) octal(size, 12, 124);
  else {
    h[124] = 0x80;
    for (let i = 135, v = size; i > 124; i--, v = Math.floor(v / 256)) h[i] = v % 256;
  }
  octal(0, 12, 136);
  h.write('0', 156, 'latin1');
  h.write('ustar\0' + '00', 257, 'latin1');
  h.write(prefix, 345, 'utf8');
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
  return h;
}

/**
 * A deterministic tar written entry by entry to a sink: the caller adds entries in sorted order; content is
 * copied in bounded chunks, so no entry (and no archive) is ever held whole in memory.
 */
export class TarWriter<S extends ByteSink = ByteSink> {
  readonly file: S;

  constructor(file: S) {
    this.file = file;
  }

  add(name: string, data: Uint8Array): void {
    this.file.write(tarHeader(name, data.length));
    this.file.write(data);
    this.pad(data.length);
  }

  /** An entry whose content is a file on disk, copied 1 MiB at a time. */
  addFile(name: string, abs: string): void {
    const fd = fs.openSync(abs, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      this.file.write(tarHeader(name, size));
      const chunk = Buffer.allocUnsafe(1 << 20);
      for (let at = 0; at < size;) {
        const n = fs.readSync(fd, chunk, 0, Math.min(chunk.length, size - at), at);
        if (n === 0) throw new Error(`tar: ${name} shrank while being archived`);
        this.file.write(chunk.subarray(0, n));
        at += n;
      }
      this.pad(size);
    } finally {
      fs.closeSync(fd);
    }
  }

  private pad(size: number): void {
    const rest = size % BLOCK;
    if (rest) this.file.write(Buffer.alloc(BLOCK - rest));
  }

  /** The two zero blocks that end an archive. */
  finish(): void {
    this.file.write(Buffer.alloc(2 * BLOCK));
  }
}

/** Packs files of a folder (sorted bundle-relative paths) into a tar file, streaming each one. */
export function writeTar(file: string, root: string, names: string[]): void {
  const sink = new FileSink(file);
  const tar = new TarWriter(sink);
  try {
    for (const name of names) tar.addFile(name, path.join(root, name));
    tar.finish();
  } finally {
    sink.close();
  }
}

// DOS time fields come from local time, so a local-time date gives the same bytes in every time zone.
const ZIP_TIME = new Date(1980, 0, 1, 0, 0, 0);

/** A zip entry: bytes in memory, or a file on disk that yazl streams. */
export type ZipEntry = { name: string } & ({ data: Buffer } | { path: string });

/**
 * A deterministic zip, entries streamed from disk (or from memory for small ones); zip64 records appear
 * where sizes or offsets need them, or everywhere with `forceZip64` (so tests reach that path quickly).
 */
export async function writeZip(file: string, entries: ZipEntry[], forceZip64 = false): Promise<void> {
  const zip = new yazl.ZipFile();
  for (const e of [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const options = {
      mtime: ZIP_TIME,
      mode: 0o100644,
      forceDosTimestamp: true,
      forceZip64Format: forceZip64,
      // Images are already compressed; deflating them again costs time and gains nothing.
      compress: !/\.(?:png|jpg|parquet|tar)$/u.test(e.name),
    };
    if ('data' in e) zip.addBuffer(e.data, e.name, options);
    else zip.addFile(e.path, e.name, options);
  }
  zip.end({ forceZip64Format: forceZip64, comment: '' });
  await pipeline(zip.outputStream, fs.createWriteStream(file));
}
