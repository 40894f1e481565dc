/**
 * The leak gate's review queue (table leak_reviews): what the gate could not decide waits for a person
 * instead of failing every export for good. A gate run records each open hit it met and drops open hits it no
 * longer meets; a person accepts a hit with a reason; accepted hits pass that gate and every later one, and
 * are counted on the dataset card. The matched word and its sentence leave this module only on request
 * (`withText`), for a terminal or the app.
 */
import type { LeakQueue, LeakReviewItem } from '../../api/export.ts';
import { ApiError } from '../errors.ts';
import type { Db } from '../project/database.ts';
import {
  acceptedHitsIn,
  type LeakMatcher,
  type ReviewHit,
  type ScanItem,
  type ScanOptions,
} from './index.ts';

/** A row of leak_reviews as read: the item's fields in the table's names, with the words. */
type Row = Required<Omit<LeakReviewItem, 'decidedAt'>> & { decided_at: string | null };

function itemOf(row: Row, withText: boolean): LeakReviewItem {
  const item: LeakReviewItem = {
    id: row.id,
    file: row.file,
    record: row.record,
    category: row.category,
    state: row.state,
    reason: row.reason,
    decidedAt: row.decided_at,
  };
  if (withText) {
    item.match = row.match;
    item.context = row.context;
  }
  return item;
}

export function acceptedFingerprints(db: Db): Set<string> {
  return new Set(
    db.prepare("SELECT fingerprint FROM leak_reviews WHERE state = 'accepted'").pluck().all() as string[],
  );
}

/**
 * The review queue's side of a gate run: scan options that let accepted hits pass and collect the open ones,
 * and `record` to call once the run has seen every text: it stores the open hits and drops open rows this run
 * no longer met.
 */
export function reviewRun(db: Db): { options: ScanOptions; record: () => void } {
  const open = new Map<string, ReviewHit>();
  const options: ScanOptions = {
    accepted: acceptedFingerprints(db),
    onReview: (hit) => {
      if (!open.has(hit.fingerprint)) open.set(hit.fingerprint, hit);
    },
  };
  const record = () => {
    const now = new Date().toISOString();
    const upsert = db.prepare(
      `INSERT INTO leak_reviews (fingerprint, file, record, category, scope, match, context, state, seen_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, 'open', ?)
       ON CONFLICT (fingerprint) DO UPDATE SET file = excluded.file, record = excluded.record,
         seen_at = excluded.seen_at`,
    );
    db.transaction(() => {
      for (const h of open.values())
        upsert.run(h.fingerprint, h.file, h.record, h.category, h.scope, h.match, h.context, now);
      db.prepare("DELETE FROM leak_reviews WHERE state = 'open' AND seen_at <> ?").run(now);
    })();
  };
  return { options, record };
}

/** How many accepted review hits `items` meet (for the dataset card, before the bundle is written). */
export function acceptedIn(db: Db, items: Iterable<ScanItem>, matcher: LeakMatcher): number {
  const accepted = acceptedFingerprints(db);
  return accepted.size === 0 ? 0 : acceptedHitsIn(items, matcher, accepted);
}

export function leakQueue(db: Db, withText = false): LeakQueue {
  const rows = db.prepare("SELECT * FROM leak_reviews WHERE state = 'open' ORDER BY id").all() as Row[];
  const accepted = (
    db.prepare("SELECT COUNT(*) AS n FROM leak_reviews WHERE state = 'accepted'").get() as { n: number }
  ).n;
  return { open: rows.map((r) => itemOf(r, withText)), accepted };
}

/** Records a person's decision that an open hit is no identifier. */
export function acceptLeak(db: Db, id: number, reason: string): LeakReviewItem {
  const why = reason.trim();
  if (why === '') throw new ApiError('bad-request', 'Accepting a leak-gate hit needs a reason.');
  const row = db.prepare('SELECT * FROM leak_reviews WHERE id = ?').get(id) as Row | undefined;
  if (!row) throw new ApiError('not-found', `No leak-gate hit ${id} in the review queue.`);
  if (row.state === 'accepted') return itemOf(row, false);
  db.prepare("UPDATE leak_reviews SET state = 'accepted', reason = ?, decided_at = ? WHERE id = ?").run(
    why,
    new Date().toISOString(),
    id,
  );
  return itemOf(db.prepare('SELECT * FROM leak_reviews WHERE id = ?').get(id) as Row, false);
}
