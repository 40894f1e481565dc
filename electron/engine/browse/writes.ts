import { ApiError } from '../errors.ts';
import type { Db } from '../project/database.ts';
import { STATUS_CODES, indexFor, markCurrent, type BrowseIndex } from './browse-index.ts';
import { forgetOrders } from './query.ts';

/** Positions of the ids in a current index; an id the project does not have is refused before any write. */
function positions(index: BrowseIndex, ids: number[]): number[] {
  return ids.map((id) => {
    const i = index.pos.get(id);
    if (i === undefined) throw new ApiError('not-found', `No image ${id}.`);
    return i;
  });
}

/** Applies a write to the store and the same change to the index, which then stays current. */
function write(db: Db, ids: number[], body: (index: BrowseIndex, at: number[]) => number): number {
  const index = indexFor(db, { fresh: true });
  const at = positions(index, ids);
  const changed = db.transaction(() => body(index, at))();
  forgetOrders(index);
  markCurrent(db, index);
  return changed;
}

export function tagImages(db: Db, ids: number[], add: string[], remove: string[]): number {
  return write(db, ids, (index, at) => {
    const ins = db.prepare('INSERT INTO tags (image_id, tag) VALUES (?, ?) ON CONFLICT DO NOTHING');
    const del = db.prepare('DELETE FROM tags WHERE image_id = ? AND tag = ?');
    const code = (t: string) => {
      let c = index.tagCode.get(t);
      if (c === undefined) {
        index.tagCode.set(t, (c = index.tagNames.length));
        index.tagNames.push(t);
      }
      return c;
    };
    let changed = 0;
    at.forEach((i, k) => {
      let touched = false;
      let tags = index.tags[i]!;
      for (const t of add)
        if (ins.run(ids[k]!, t).changes > 0) {
          tags = [...tags, code(t)];
          touched = true;
        }
      for (const t of remove)
        if (del.run(ids[k]!, t).changes > 0) {
          const c = index.tagCode.get(t);
          tags = tags.filter((x) => x !== c);
          touched = true;
        }
      index.tags[i] = tags;
      if (touched) changed++;
    });
    return changed;
  });
}

export function excludeImages(db: Db, ids: number[], excluded: boolean, reason: string): number {
  const why = reason || 'no reason given';
  return write(db, ids, (index, at) => {
    const set = db.prepare(
      `INSERT INTO exclusions (image_id, reason, excluded_at) VALUES (?, ?, ?)
       ON CONFLICT (image_id) DO UPDATE SET reason = excluded.reason WHERE reason <> excluded.reason`,
    );
    const clear = db.prepare('DELETE FROM exclusions WHERE image_id = ?');
    const now = new Date().toISOString();
    const excludedCode = STATUS_CODES.indexOf('excluded');
    let changed = 0;
    at.forEach((i, k) => {
      const n = excluded ? set.run(ids[k]!, why, now).changes : clear.run(ids[k]!).changes;
      if (n > 0) changed++;
      index.excludedReason[i] = excluded ? why : null;
      index.dims.status.codes[i] = excluded ? excludedCode : index.baseStatus[i]!;
    });
    return changed;
  });
}
