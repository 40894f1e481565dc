/**
 * Splits by patient. A patient with an official split (studies.official_split, e.g. MIMIC-CXR's) keeps it;
 * any other patient gets one from a keyed hash (HMAC-SHA-256 with the project key) of the patient key,
 * mapped onto the recipe's ratios: stable across runs and machines with the same project, unguessable without
 * the key. Patients linked by a duplicate image cluster are then pulled into one split (see assignSplits).
 */
import { createHmac } from 'node:crypto';
import type { Split } from '../../api/curate.ts';
import { UnionFind } from './minhash.ts';

/** test outranks validate outranks train: a conflict never moves an evaluation patient into training. */
const PRIORITY: Record<Split, number> = { test: 3, validate: 2, train: 1 };

export function normaliseSplit(v: string | null): Split | null {
  const s = (v ?? '').trim().toLowerCase();
  if (s === 'train' || s === 'training') return 'train';
  if (s === 'validate' || s === 'val' || s === 'valid' || s === 'validation' || s === 'dev')
    return 'validate';
  if (s === 'test') return 'test';
  return null;
}

export function hashedSplit(secret: Buffer, patientKey: string, ratios: Record<Split, number>): Split {
  const u = createHmac('sha256', secret).update(`split\0${patientKey}`).digest().readUInt32BE(0) / 2 ** 32;
  if (u < ratios.train) return 'train';
  if (u < ratios.train + ratios.validate) return 'validate';
  return 'test';
}

export interface PatientSplit {
  split: Split;
  source: 'official' | 'hashed' | 'linked';
}

/**
 * Splits for every patient. `links` are groups of patients sharing a duplicate image. In a linked group:
 * without any official split, all take the hashed split of the group's smallest patient key; with one
 * official split, the others join it; with several (two official splits hold copies of one image), the
 * officials stay and the rest join the highest-priority one; the caller then removes the cross-split
 * copies (leakage).
 */
export function assignSplits(
  patients: ReadonlyMap<number, { key: string; official: string | null }>,
  links: readonly number[][],
  secret: Buffer,
  ratios: Record<Split, number>,
): Map<number, PatientSplit> {
  const out = new Map<number, PatientSplit>();
  const ids = [...patients.keys()];
  const index = new Map(ids.map((id, i) => [id, i]));
  for (const [id, p] of patients) {
    const official = normaliseSplit(p.official);
    out.set(
      id,
      official
        ? { split: official, source: 'official' }
        : { split: hashedSplit(secret, p.key, ratios), source: 'hashed' },
    );
  }
  const uf = new UnionFind(ids.length);
  for (const group of links) {
    const first = index.get(group[0]!);
    if (first === undefined) continue;
    for (const p of group) {
      const i = index.get(p);
      if (i !== undefined) uf.union(first, i);
    }
  }
  const components = new Map<number, number[]>();
  ids.forEach((id, i) => {
    const r = uf.find(i);
    let c = components.get(r);
    if (!c) components.set(r, (c = []));
    c.push(id);
  });
  for (const members of components.values()) {
    if (members.length < 2) continue;
    const officials = new Set(
      members.filter((m) => out.get(m)!.source === 'official').map((m) => out.get(m)!.split),
    );
    let target: Split;
    if (officials.size === 0) {
      const smallest = members.map((m) => patients.get(m)!.key).sort()[0]!;
      target = hashedSplit(secret, smallest, ratios);
    } else {
      target = [...officials].sort((a, b) => PRIORITY[b] - PRIORITY[a])[0]!;
    }
    for (const m of members) {
      const cur = out.get(m)!;
      if (cur.source !== 'official' && cur.split !== target) out.set(m, { split: target, source: 'linked' });
    }
  }
  return out;
}
