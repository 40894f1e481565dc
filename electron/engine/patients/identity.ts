/**
 * One patient identity. A patient key is what a source calls a patient (`mimic-cxr:10000032`, a DICOM Patient
 * ID, `<issuer>:<id>` when the file names the issuer). Two keys are one person only when a person says so
 * (`patient_links`): the linked patient then takes its root's key as its identity, so pseudonyms, date shifts,
 * splits and the identifiers its reports are scrubbed of are those of one person. Demographics that disagree
 * under one key are recorded at import (`patient_conflicts`) and listed here for review; nothing is merged by
 * guess.
 */
import type {
  IdentityCandidate,
  IdentityConflict,
  IdentityLink,
  IdentityReview,
} from '../../api/patients.ts';
import { ApiError } from '../errors.ts';
import type { Db } from '../project/database.ts';

/**
 * SQL for a patient's identity key, given the alias of a `patients` row: its root's key when it is linked,
 * else its own. Pseudonyms, date shifts and splits are keyed on this.
 */
export function identityKeySql(alias: string): string {
  return `coalesce((SELECT pl_root.patient_key FROM patient_links pl_link JOIN patients pl_root ON pl_root.id = pl_link.same_as
    WHERE pl_link.patient_id = ${alias}.id), ${alias}.patient_key)`;
}

/** The patient's identity key (its root's key when linked). */
export function identityKey(db: Db, patientId: number): string {
  const row = db
    .prepare(`SELECT ${identityKeySql('p')} AS k FROM patients p WHERE p.id = ?`)
    .get(patientId) as { k: string } | undefined;
  if (!row) throw new ApiError('not-found', `No patient ${patientId}.`);
  return row.k;
}

/** Every patient that is the same person as this one (itself included), root first. */
export function identityGroup(db: Db, patientId: number): number[] {
  const root = rootOf(db, patientId);
  const linked = db
    .prepare('SELECT patient_id FROM patient_links WHERE same_as = ? ORDER BY patient_id')
    .pluck()
    .all(root) as number[];
  return [root, ...linked];
}

/** Every group of patients a person linked as one person, root first. */
export function identityGroups(db: Db): number[][] {
  const groups = new Map<number, number[]>();
  const rows = db
    .prepare('SELECT patient_id, same_as FROM patient_links ORDER BY same_as, patient_id')
    .all() as { patient_id: number; same_as: number }[];
  for (const r of rows) groups.set(r.same_as, [...(groups.get(r.same_as) ?? [r.same_as]), r.patient_id]);
  return [...groups.values()];
}

function rootOf(db: Db, patientId: number): number {
  const r = db.prepare('SELECT same_as FROM patient_links WHERE patient_id = ?').pluck().get(patientId) as
    number | undefined;
  return r ?? patientId;
}

function requirePatient(db: Db, id: number): void {
  if (!db.prepare('SELECT 1 FROM patients WHERE id = ?').get(id))
    throw new ApiError('not-found', `No patient ${id}.`);
}

/**
 * Records that `patientId` is the same person as `sameAs`. The whole group of `patientId` joins the group of
 * `sameAs` under its root, so links never chain. Returns the root.
 */
export function linkPatients(db: Db, patientId: number, sameAs: number, reason: string): number {
  requirePatient(db, patientId);
  requirePatient(db, sameAs);
  const text = reason.trim();
  if (text === '') throw new ApiError('bad-request', 'Say why the two are one person (a reason).');
  if (text.length > 500) throw new ApiError('bad-request', 'A reason is at most 500 characters.');
  const root = rootOf(db, sameAs);
  const moving = identityGroup(db, patientId);
  if (moving.includes(root)) throw new ApiError('conflict', 'The two patients are already one person.');
  const now = new Date().toISOString();
  db.transaction(() => {
    const upsert = db.prepare(
      `INSERT INTO patient_links (patient_id, same_as, reason, linked_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (patient_id) DO UPDATE SET same_as = excluded.same_as, reason = excluded.reason,
         linked_at = excluded.linked_at`,
    );
    for (const id of moving) upsert.run(id, root, text, now);
  })();
  return root;
}

/** Undoes a link: the patient is its own person again (the others of its group stay linked). */
export function unlinkPatient(db: Db, patientId: number): boolean {
  requirePatient(db, patientId);
  const linked = db.prepare('SELECT 1 FROM patient_links WHERE patient_id = ?').get(patientId);
  if (!linked) {
    // A root: its group is dissolved onto its first member, so nobody else changes identity silently.
    const members = identityGroup(db, patientId).slice(1);
    if (members.length === 0) return false;
    const next = members[0]!;
    db.transaction(() => {
      db.prepare('DELETE FROM patient_links WHERE patient_id = ?').run(next);
      db.prepare('UPDATE patient_links SET same_as = ? WHERE same_as = ?').run(next, patientId);
    })();
    return true;
  }
  db.prepare('DELETE FROM patient_links WHERE patient_id = ?').run(patientId);
  return true;
}

/** The bare id inside a key (after a source prefix or an issuer), folded for comparison. */
function bareId(key: string): string {
  return key
    .slice(key.lastIndexOf(':') + 1)
    .trim()
    .toLowerCase();
}

/**
 * What a person should look at: conflicting demographics under one key, and pairs of keys that may be one
 * person (the same id in another letter case, another source or under another issuer) and are not linked yet.
 * Ids and field names only: keys and values are shown by a front that asks for them (`withKeys`), never in
 * logs or `--json`.
 */
export function identityReview(db: Db, withKeys = false): IdentityReview {
  const keyStmt = db.prepare('SELECT patient_key FROM patients WHERE id = ?').pluck();
  const keyOf = (id: number) => (withKeys ? { key: keyStmt.get(id) as string } : {});
  const sameAsKeyOf = (id: number) => (withKeys ? { sameAsKey: keyStmt.get(id) as string } : {});
  const conflicts = (
    db
      .prepare(
        `SELECT patient_id AS patientId, field, count(*) AS files FROM patient_conflicts
         GROUP BY patient_id, field ORDER BY patient_id, field`,
      )
      .all() as IdentityConflict[]
  ).map((c) => ({ ...c, ...keyOf(c.patientId) }));

  const byBare = new Map<string, number[]>();
  const rows = db
    .prepare(
      "SELECT id, patient_key FROM patients WHERE patient_key NOT LIKE 'missing-patient-id:%' ORDER BY id",
    )
    .all() as { id: number; patient_key: string }[];
  for (const r of rows) {
    const b = bareId(r.patient_key);
    if (b === '') continue;
    byBare.set(b, [...(byBare.get(b) ?? []), r.id]);
  }
  const candidates: IdentityCandidate[] = [];
  for (const ids of byBare.values()) {
    for (let i = 1; i < ids.length; i++) {
      const [a, b] = [ids[0]!, ids[i]!];
      if (rootOf(db, a) === rootOf(db, b)) continue;
      candidates.push({ patientId: b, sameAs: a, why: 'same id in another case, source or issuer' });
    }
  }
  const links = (
    db
      .prepare(
        'SELECT patient_id AS patientId, same_as AS sameAs, reason, linked_at AS linkedAt FROM patient_links ORDER BY patient_id',
      )
      .all() as IdentityLink[]
  ).map((l) => ({ ...l, ...keyOf(l.patientId), ...sameAsKeyOf(l.sameAs) }));
  return {
    conflicts,
    candidates: candidates.map((c) => ({ ...c, ...keyOf(c.patientId), ...sameAsKeyOf(c.sameAs) })),
    links,
  };
}
