/**
 * Patient-level splits: every study of a patient lands in one split, so no patient is in two. A patient whose
 * split curation fixed keeps it (duplicates never straddle splits); else a patient with an official split
 * (MIMIC-CXR's split CSV) keeps it; the others are stratified by their first positive label
 * (or "normal" / "unlabeled") and dealt out in seeded order by the recipe's ratios.
 */
import type { SftSplit } from '../../api/sft.ts';
import type { SftRecipe } from './recipe.ts';
import type { Seeded } from './rng.ts';
import type { StudyRec } from './source.ts';
import type { LabelView } from './labels.ts';

export function officialSplit(v: string | null): SftSplit | null {
  const s = (v ?? '').toLowerCase();
  if (s === 'train') return 'train';
  if (s === 'validate' || s === 'validation' || s === 'val') return 'validate';
  if (s === 'test') return 'test';
  return null;
}

export function assignSplits(
  studies: StudyRec[],
  labels: Map<number, LabelView | null>,
  recipe: SftRecipe,
  seeded: Seeded,
  /** Splits curation already fixed per patient (its leakage check relies on them): they win. */
  curated: ReadonlyMap<number, SftSplit> = new Map(),
): Map<number, SftSplit> {
  // Grouped by identity: keys a person linked as one person (patientKey is the identity key) share a split.
  const byPerson = new Map<string, StudyRec[]>();
  for (const s of studies) byPerson.set(s.patientKey, [...(byPerson.get(s.patientKey) ?? []), s]);
  const out = new Map<number, SftSplit>();
  const strata = new Map<string, { ids: number[]; key: string }[]>();
  for (const [key, list] of byPerson) {
    const ids = [...new Set(list.map((s) => s.patientId))];
    const fixed = ids.map((id) => curated.get(id)).find((s) => s !== undefined);
    const official = list.map((s) => officialSplit(s.officialSplit)).find((s) => s !== null);
    if (fixed ?? official) {
      for (const id of ids) out.set(id, (fixed ?? official)!);
      continue;
    }
    const views = list.map((s) => labels.get(s.id)).filter((l): l is LabelView => !!l);
    const positives = views.flatMap((l) => l.positives).sort();
    const stratum = positives[0] ?? (views.some((l) => l.normal) ? 'normal' : 'unlabeled');
    strata.set(stratum, [...(strata.get(stratum) ?? []), { ids, key }]);
  }
  const { train, validate } = recipe.splits;
  for (const [stratum, patients] of strata) {
    const order = seeded.shuffle(`split:${stratum}`, patients, (p) => p.key);
    order.forEach((p, k) => {
      const at = (k + 0.5) / order.length;
      for (const id of p.ids) out.set(id, at < train ? 'train' : at < train + validate ? 'validate' : 'test');
    });
  }
  return out;
}
