/**
 * Deterministic archives: entries in sorted order with fixed metadata (mtime 0 in tar, 1980-01-01 in zip,
 * uid/gid 0, mode 0644), so the same bundle packs to the same bytes. Readers for verify: tar with tar-stream,
 * zip with a small central-directory reader for the archives we write (stored or deflated entries).
 */
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import tar from 'tar-stream';
import yazl from 'yazl';

export interface Entry {
  name: string;
  data: Buffer;
}

export async function tarBuffer(entries: Entry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => void chunks.push(c as Buffer));
  const done = new Promise<void>((resolve, reject) => {
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  for (const e of [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    await new Promise<void>((resolve, reject) =>
      pack.entry(
        {
          name: e.name,
          size: e.data.length,
          mtime: new Date(0),
          mode: 0o644,
          uid: 0,
          gid: 0,
          uname: '',
          gname: '',
        },
        e.data,
        (err) => (err ? reject(err) : resolve()),
      ),
    );
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

export async function readTar(data: Buffer): Promise<Entry[]> {
  const extract = tar.extract();
  const out: Entry[] = [];
  extract.on('entry', (header, stream, next) => {
    const parts: Buffer[] = [];
    stream.on('data', (c: unknown) => void parts.push(c as Buffer));
    stream.on('end', () => {
      if (header.type === 'file') out.push({ name: header.name, data: Buffer.concat(parts) });
      next();
    });
    stream.resume();
  });
  await pipeline(Readable.from([data]), extract);
  return out;
}

// DOS time fields come from local time, so a local-time date gives the same bytes in every time zone.
const ZIP_TIME = new Date(1980, 0, 1, 0, 0, 0);

export async function writeZip(file: string, entries: Entry[]): Promise<void> {
  const zip = new yazl.ZipFile();
  for (const e of [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    zip.addBuffer(e.data, e.name, {
      mtime: ZIP_TIME,
      mode: 0o100644,
      forceDosTimestamp: true,
      // Images are already compressed; deflating them again costs time and gains nothing.
      compress: !/\.(?:png|jpg|parquet|tar)$/u.test(e.name),
    });
  }
  zip.end();
  await pipeline(zip.outputStream, fs.createWriteStream(file));
}

export function readZip(data: Buffer): Entry[] {
  const eocd = data.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error('not a zip archive (no end of central directory)');
  const count = data.readUInt16LE(eocd + 10);
  let at = data.readUInt32LE(eocd + 16);
  const out: Entry[] = [];
  for (let i = 0; i < count; i++) {
    if (data.readUInt32LE(at) !== 0x02014b50) throw new Error('damaged zip central directory');
    const method = data.readUInt16LE(at + 10);
    const compressed = data.readUInt32LE(at + 20);
    const nameLen = data.readUInt16LE(at + 28);
    const extraLen = data.readUInt16LE(at + 30);
    const commentLen = data.readUInt16LE(at + 32);
    const local = data.readUInt32LE(at + 42);
    const name = data.subarray(at + 46, at + 46 + nameLen).toString('utf8');
    const start = local + 30 + data.readUInt16LE(local + 26) + data.readUInt16LE(local + 28);
    const raw = data.subarray(start, start + compressed);
    if (!name.endsWith('/')) {
      if (method === 0) out.push({ name, data: Buffer.from(raw) });
      else if (method === 8) out.push({ name, data: zlib.inflateRawSync(raw) });
      else throw new Error(`zip entry with unsupported method ${method}`);
    }
    at += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}
