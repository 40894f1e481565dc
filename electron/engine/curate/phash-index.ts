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
 * not indexed yet (or whose hash changed) are added; rows of images that are gone are swept first.
 * Returns rows inserted.
 */
export function syncPhashIndex(db: Db, bands: number): number {
  const layout = bandLayout(bands);
  const current = db.prepare('SELECT value FROM settings WHERE key = ?').get(BANDS_SETTING) as
    { value: string } | undefined;
  let inserted = 0;
  db.transaction(() => {
    if (current?.value !== String(bands)) {
      db.prepare('DELETE FROM phash_bands').run();
      db.prepare('DELETE FROM phash_indexed').run();
      db.prepare(
        'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      ).run(BANDS_SETTING, String(bands));
    }
    // Images re-hashed since they were indexed lose their entry; then band rows without an entry are swept
    // (one pass, only when something went away).
    db.prepare(
      `DELETE FROM phash_indexed WHERE image_id IN (SELECT x.image_id FROM phash_indexed x JOIN images i
         ON i.id = x.image_id WHERE i.phash IS NOT x.phash)`,
    ).run();
    const indexed = (db.prepare('SELECT count(*) AS n FROM phash_indexed').get() as { n: number }).n;
    const bandRows = (
      db.prepare('SELECT count(*) AS n FROM phash_bands WHERE band = 0').get() as { n: number }
    ).n;
    if (bandRows !== indexed)
      db.prepare('DELETE FROM phash_bands WHERE image_id NOT IN (SELECT image_id FROM phash_indexed)').run();
    const missing = db
      .prepare(
        `SELECT id, phash FROM images WHERE phash IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM phash_indexed x WHERE x.image_id = images.id)`,
      )
      .all() as { id: number; phash: string }[];
    // Rows go in sorted by (band, value, image) so they append to the primary-key B-tree in order, and many
    // per statement.
    const keys: number[] = [];
    const packed = layout.every((b) => b.width <= 22);
    const rows: [number, number, number][] = [];
    const entry = db.prepare('INSERT INTO phash_indexed (image_id, phash) VALUES (?, ?)');
    for (const row of missing) {
      if (!/^[0-9a-f]{16}$/i.test(row.phash)) continue;
      entry.run(row.id, row.phash);
      const [hi, lo] = splitHash(row.phash);
      const values = bandValues(hi, lo, layout);
      for (let b = 0; b < bands; b++) {
        // band (4 bits) · value (≤ 22 bits) · id (≤ 27 bits) fit a double exactly.
        if (packed && row.id < 2 ** 27) keys.push((b * 2 ** 22 + values[b]!) * 2 ** 27 + row.id);
        else rows.push([b, values[b]!, row.id]);
      }
    }
    for (const k of Float64Array.from(keys).sort()) {
      const id = k % 2 ** 27;
      const bv = (k - id) / 2 ** 27;
      rows.push([Math.floor(bv / 2 ** 22), bv % 2 ** 22, id]);
    }
    if (!packed) rows.sort((x, y) => x[0] - y[0] || x[1] - y[1] || x[2] - y[2]);
    const BATCH = 300;
    const many = db.prepare(
      `INSERT OR IGNORE INTO phash_bands (band, value, image_id) VALUES ${Array(BATCH).fill('(?, ?, ?)').join(', ')}`,
    );
    const one = db.prepare('INSERT OR IGNORE INTO phash_bands (band, value, image_id) VALUES (?, ?, ?)');
    let i = 0;
    for (; i + BATCH <= rows.length; i += BATCH) many.run(rows.slice(i, i + BATCH).flat());
    for (; i < rows.length; i++) one.run(rows[i]!);
    inserted = rows.length;
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
  // Hashes and band values by image id in typed arrays (ids are dense row ids).
  const rows = db.prepare('SELECT id, phash FROM images WHERE phash IS NOT NULL').raw().all() as [
    number,
    string,
  ][];
  const maxId = rows.reduce((m, r) => Math.max(m, r[0]), 0);
  const his = new Uint32Array(maxId + 1);
  const los = new Uint32Array(maxId + 1);
  const bandOf = new Float64Array((maxId + 1) * bands).fill(-1);
  const present = new Uint8Array(maxId + 1);
  for (const [id, phash] of rows) {
    if ((include && !include(id)) || !/^[0-9a-f]{16}$/i.test(phash)) continue;
    const [hi, lo] = splitHash(phash);
    his[id] = hi;
    los[id] = lo;
    present[id] = 1;
    const values = bandValues(hi, lo, layout);
    for (let b = 0; b < bands; b++) bandOf[id * bands + b] = values[b]!;
  }
  const out: NearPair[] = [];
  const members: number[] = [];
  let curBand = -1;
  let curValue = -1;
  const flush = () => {
    for (let i = 0; i < members.length; i++) {
      const x = members[i]!;
      for (let j = i + 1; j < members.length; j++) {
        const y = members[j]!;
        const d = hamming64(his[x]!, los[x]!, his[y]!, los[y]!);
        if (d > radius) continue;
        let earlier = false;
        for (let b = 0; b < curBand; b++) {
          if (bandOf[x * bands + b] === bandOf[y * bands + b]) {
            earlier = true;
            break;
          }
        }
        if (!earlier) out.push(x < y ? { a: x, b: y, distance: d } : { a: y, b: x, distance: d });
      }
    }
    members.length = 0;
  };
  // One ordered scan of the primary-key index: runs of equal (band, value) are the candidate groups.
  for (const [band, value, id] of db
    .prepare('SELECT band, value, image_id FROM phash_bands ORDER BY band, value')
    .raw()
    .iterate() as IterableIterator<[number, number, number]>) {
    if (band !== curBand || value !== curValue) {
      flush();
      curBand = band;
      curValue = value;
    }
    if (id <= maxId && present[id] === 1) members.push(id);
  }
  flush();
  return out;
}
