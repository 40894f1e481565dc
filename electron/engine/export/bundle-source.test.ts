// Reading archives beyond the 32-bit and octal limits by index: sparse files (no disk is used for their
// zeros) with an entry after a 4.5 GiB entry in a zip64 zip and after an 8.5 GiB entry in a tar.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tarHeader } from './archive.ts';
import { openBundle } from './bundle-source.ts';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'medprep-bigarchive-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const GIB = 2 ** 30;
const u16 = (v: number) => Buffer.from(Uint16Array.of(v).buffer);
const u32 = (v: number) => Buffer.from(Uint32Array.of(v).buffer);
const u64 = (v: number) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(v));
  return b;
};

/** A file of `size` bytes, zeros except the given pieces (a sparse file: the zeros take no disk). */
function sparse(file: string, size: number, pieces: [number, Buffer][]): void {
  const fd = fs.openSync(file, 'w');
  try {
    fs.ftruncateSync(fd, size);
    for (const [at, data] of pieces) fs.writeSync(fd, data, 0, data.length, at);
  } finally {
    fs.closeSync(fd);
  }
}

describe('archives above 4 GiB', () => {
  it('a zip64 zip: sizes and offsets past 32 bits come from the zip64 records', async () => {
    const big = 4.5 * GIB;
    const bigName = Buffer.from('big.bin');
    const smallName = Buffer.from('small.txt');
    const zip64Sizes = Buffer.concat([u16(1), u16(16), u64(big), u64(big)]);
    const localBig = Buffer.concat([
      u32(0x04034b50),
      u16(45),
      u16(0),
      u16(0),
      u16(0),
      u16(0),
      u32(0),
      u32(0xffffffff),
      u32(0xffffffff),
      u16(bigName.length),
      u16(zip64Sizes.length),
      bigName,
      zip64Sizes,
    ]);
    const smallAt = localBig.length + big;
    const localSmall = Buffer.concat([
      u32(0x04034b50),
      u16(20),
      u16(0),
      u16(0),
      u16(0),
      u16(0),
      u32(0x3610a686),
      u32(5),
      u32(5),
      u16(smallName.length),
      u16(0),
      smallName,
      Buffer.from('hello'),
    ]);
    const central = (name: Buffer, sizes: [number, number], offset: number, extra: Buffer) =>
      Buffer.concat([
        u32(0x02014b50),
        u16(45),
        u16(45),
        u16(0),
        u16(0),
        u16(0),
        u16(0),
        u32(0),
        u32(sizes[0]),
        u32(sizes[1]),
        u16(name.length),
        u16(extra.length),
        u16(0),
        u16(0),
        u16(0),
        u32(0),
        u32(offset),
        name,
        extra,
      ]);
    const cd = Buffer.concat([
      central(bigName, [0xffffffff, 0xffffffff], 0, zip64Sizes),
      central(smallName, [5, 5], 0xffffffff, Buffer.concat([u16(1), u16(8), u64(smallAt)])),
    ]);
    const cdAt = smallAt + localSmall.length;
    const eocd64At = cdAt + cd.length;
    const tail = Buffer.concat([
      u32(0x06064b50),
      u64(44),
      u16(45),
      u16(45),
      u32(0),
      u32(0),
      u64(2),
      u64(2),
      u64(cd.length),
      u64(cdAt),
      u32(0x07064b50),
      u32(0),
      u64(eocd64At),
      u32(1),
      u32(0x06054b50),
      u16(0),
      u16(0),
      u16(0xffff),
      u16(0xffff),
      u32(0xffffffff),
      u32(0xffffffff),
      u16(0),
    ]);
    const file = path.join(work, 'big.zip');
    sparse(file, eocd64At + tail.length, [
      [0, localBig],
      [smallAt, localSmall],
      [cdAt, cd],
      [eocd64At, tail],
    ]);
    const src = openBundle(file);
    try {
      expect(src.names).toEqual(['big.bin', 'small.txt']);
      expect(src.size('big.bin')).toBe(big);
      expect(src.read('small.txt').toString()).toBe('hello');
      const end = await src.randomAccess('big.bin').slice(big - 4, big);
      expect([...new Uint8Array(end)]).toEqual([0, 0, 0, 0]);
    } finally {
      src.close();
    }
  });

  it('a tar whose entry is above 8 GiB (base-256 size) and the entry after it', () => {
    const big = 8.5 * GIB;
    const smallAt = 512 + big;
    const file = path.join(work, 'big.tar');
    sparse(file, smallAt + 512 + 512 + 1024, [
      [0, tarHeader('data/big.bin', big)],
      [smallAt, tarHeader('manifest.json', 2)],
      [smallAt + 512, Buffer.from('{}')],
    ]);
    const src = openBundle(file);
    try {
      expect(src.names).toEqual(['data/big.bin', 'manifest.json']);
      expect(src.size('data/big.bin')).toBe(big);
      expect(src.read('manifest.json').toString()).toBe('{}');
    } finally {
      src.close();
    }
  });
});
