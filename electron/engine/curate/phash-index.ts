/**
 * Near-duplicate image search over 64-bit perceptual hashes with a banded index in SQLite (multi-index
 * hashing): the 64 bits are split into k bands of nearly equal width; two hashes within Hamming distance
 * r < k differ in at most r bands, so at least one band is identical (pigeonhole). Candidates are the groups
 * of equal (band, value) rows, read with the table's primary-key index; each candidate pair is verified with
 * the exact Hamming distance. No all-pairs scan: the work is the sum of squared group sizes.
 */
import type { Db } from '../project/database.ts';

const BANDS_SETTING = 'curate.phash_bands';

/** Hex (16 characters) to its high and low 32-bit halves, unsigned. */
export function splitHash(hex: string): [number, number] {
  return [Number.parseInt(hex.slice(0, 8), 16) >>> 0, Number.parseInt(hex.slice(8, 16), 16) >>> 0];
}

export function popcount32(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

export function hamming64(ah: number, al: number, bh: number, bl: number): number {
  return popcount32((ah ^ bh) >>> 0) + popcount32((al ^ bl) >>> 0);
}

/** Band b covers bits [start, start + width) counted from the most significant bit; widths differ by ≤ 1. */
export function bandLayout(bands: number): { start: number; width: number }[] {
  const out: { start: number; width: number }[] = [];
  let start = 0;
  for (let b = 0; b < bands; b++) {
    const width = Math.floor(64 / bands) + (b < 64 % bands ? 1 : 0);
    out.push({ start, width });
    start += width;
  }
  return out;
}

function bits(hi: number, lo: number, start: number, width: number): number {
  const end = start + width;
  const take = (word: number, from: number, to: number) => {
    // Bits [from, to) of a 32-bit word, MSB first.
    const w = to - from;
    const shifted = word >>> (32 - to);
    return w === 32 ? shifted >>> 0 : shifted & ((1 << w) - 1);
  };
  if (end <= 32) return take(hi, start, end);
  if (start >= 32) return take(lo, start - 32, end - 32);
  const lowBits = end - 32;
  return take(hi, start, 32) * 2 ** lowBits + take(lo, 0, lowBits);
}

export function bandValues(hi: number, lo: number, layout: { start: number; width: number }[]): number[] {
  return layout.map((b) => bits(hi, lo, b.start, b.width));
}

/**
 * Brings the index up to date for `bands` bands: rebuilt when the band count changed, otherwise only images
 * not indexed yet are added (rows of deleted images go with them by cascade). Returns rows inserted.
 */
export function syncPhashIndex(db: Db, bands: number): number {
  const layout = bandLayout(bands);
  const current = db.prepare('SELECT value FROM settings WHERE key = ?').get(BANDS_SETTING) as
    { value: string } | undefined;
  let inserted = 0;
  db.transaction(() => {
    if (current?.value !== String(bands)) {
      db.prepare('DELETE FROM phash_bands').run();
      db.prepare(
        'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      ).run(BANDS_SETTING, String(bands));
    }
    const missing = db
      .prepare(
        `SELECT id, phash FROM images WHERE phash IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM phash_bands b WHERE b.image_id = images.id)`,
      )
      .all() as { id: number; phash: string }[];
    const insert = db.prepare('INSERT OR IGNORE INTO phash_bands (band, value, image_id) VALUES (?, ?, ?)');
    for (const row of missing) {
      if (!/^[0-9a-f]{16}$/i.test(row.phash)) continue;
      const [hi, lo] = splitHash(row.phash);
      const values = bandValues(hi, lo, layout);
      for (let b = 0; b < bands; b++) insert.run(b, values[b]!, row.id);
      inserted += bands;
    }
  })();
  return inserted;
}

export interface NearPair {
  a: number;
  b: number;
  distance: number;
}

/**
 * Pairs of images within `radius` (radius < the index's band count), each reported once (at the first band
 * the two share). `include`, when given, limits the search to those image ids.
 */
export function nearPairs(db: Db, radius: number, include?: (imageId: number) => boolean): NearPair[] {
  const bands = Number(
    (
      db.prepare('SELECT value FROM settings WHERE key = ?').get(BANDS_SETTING) as
        { value: string } | undefined
    )?.value ?? 0,
  );
  if (radius >= bands)
    throw new Error(`radius ${radius} needs at least ${radius + 1} bands (index has ${bands})`);
  const layout = bandLayout(bands);
  const hashes = new Map<number, { hi: number; lo: number; bands: number[] }>();
  for (const row of db
    .prepare('SELECT id, phash FROM images WHERE phash IS NOT NULL')
    .iterate() as IterableIterator<{
    id: number;
    phash: string;
  }>) {
    if (include && !include(row.id)) continue;
    if (!/^[0-9a-f]{16}$/i.test(row.phash)) continue;
    const [hi, lo] = splitHash(row.phash);
    hashes.set(row.id, { hi, lo, bands: bandValues(hi, lo, layout) });
  }
  const out: NearPair[] = [];
  const groups = db
    .prepare(
      `SELECT band, group_concat(image_id) AS ids FROM phash_bands
       GROUP BY band, value HAVING count(*) > 1`,
    )
    .iterate() as IterableIterator<{ band: number; ids: string }>;
  const members: { id: number; hi: number; lo: number; bands: number[] }[] = [];
  for (const g of groups) {
    members.length = 0;
    for (const s of g.ids.split(',')) {
      const id = Number(s);
      const h = hashes.get(id);
      if (h) members.push({ id, ...h });
    }
    for (let i = 0; i < members.length; i++) {
      const x = members[i]!;
      for (let j = i + 1; j < members.length; j++) {
        const y = members[j]!;
        const d = hamming64(x.hi, x.lo, y.hi, y.lo);
        if (d > radius) continue;
        let earlier = false;
        for (let b = 0; b < g.band; b++) {
          if (x.bands[b] === y.bands[b]) {
            earlier = true;
            break;
          }
        }
        if (earlier) continue;
        out.push(x.id < y.id ? { a: x.id, b: y.id, distance: d } : { a: y.id, b: x.id, distance: d });
      }
    }
  }
  return out;
}
