/**
 * Near-duplicates of an image: members of the dedup clusters it sits in, then the nearest pHashes of the
 * whole project (a linear scan: 64-bit Hamming distance is a popcount, ~10 ms per 100,000 images).
 */
import { thumbnailPath } from '../../api/contract.ts';
import type { Neighbour } from '../../api/detail.ts';
import { ApiError } from '../errors.ts';
import type { Db } from '../project/database.ts';

/** pHash distances above this are different pictures (the dedup ladder's review radius is well below). */
const MAX_DISTANCE = 16;

interface Candidate {
  id: number;
  phash: string | null;
  pixel_hash: string;
  thumbnail: string | null;
  view_position: string | null;
  study_date: string | null;
}

export function neighbours(db: Db, imageId: number, limit: number): Neighbour[] {
  const self = db.prepare('SELECT phash FROM images WHERE id = ?').get(imageId) as
    { phash: string | null } | undefined;
  if (!self) throw new ApiError('not-found', `No image ${imageId}.`);
  const clusterOf = new Map<number, string[]>();
  const members = db
    .prepare(
      `SELECT other.image_id, dedup_clusters.method FROM dedup_members mine
       JOIN dedup_clusters ON dedup_clusters.id = mine.cluster_id
       JOIN dedup_members other ON other.cluster_id = mine.cluster_id AND other.image_id != mine.image_id
       WHERE mine.image_id = ?`,
    )
    .all(imageId) as { image_id: number; method: string }[];
  for (const m of members) clusterOf.set(m.image_id, [...(clusterOf.get(m.image_id) ?? []), m.method]);

  const mine = self.phash === null ? null : BigInt(`0x${self.phash}`);
  const found = new Map<number, number | null>();
  for (const id of clusterOf.keys()) found.set(id, null);
  if (mine !== null) {
    const near: { id: number; d: number }[] = [];
    for (const r of db
      .prepare('SELECT id, phash FROM images WHERE phash IS NOT NULL AND id != ?')
      .iterate(imageId) as Iterable<{
      id: number;
      phash: string;
    }>) {
      const d = popcount(mine ^ BigInt(`0x${r.phash}`));
      if (d <= MAX_DISTANCE) near.push({ id: r.id, d });
    }
    near.sort((a, b) => a.d - b.d || a.id - b.id);
    for (const n of near) found.set(n.id, n.d);
  }
  const ids = [...found.keys()];
  const rows = new Map<number, Candidate>();
  const get = db.prepare(
    `SELECT images.id, images.phash, images.pixel_hash, images.thumbnail, images.view_position, studies.study_date
     FROM images JOIN series ON series.id = images.series_id JOIN studies ON studies.id = series.study_id
     WHERE images.id = ?`,
  );
  for (const id of ids) rows.set(id, get.get(id) as Candidate);
  const out = ids.map((id): Neighbour => {
    const r = rows.get(id)!;
    const distance =
      found.get(id) ?? (mine !== null && r.phash !== null ? popcount(mine ^ BigInt(`0x${r.phash}`)) : null);
    return {
      imageId: id,
      distance,
      clusters: clusterOf.get(id) ?? [],
      thumbnail: r.thumbnail ? thumbnailPath(r.pixel_hash) : null,
      viewPosition: r.view_position,
      studyDate: r.study_date,
    };
  });
  // Cluster co-members first (the dedup ladder said so), then by distance.
  out.sort(
    (a, b) =>
      Number(b.clusters.length > 0) - Number(a.clusters.length > 0) ||
      (a.distance ?? 99) - (b.distance ?? 99) ||
      a.imageId - b.imageId,
  );
  return out.slice(0, limit);
}

function popcount(x: bigint): number {
  let n = 0;
  let v = BigInt.asUintN(64, x);
  while (v) {
    v &= v - 1n;
    n++;
  }
  return n;
}
