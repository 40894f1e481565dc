/**
 * The dedup ladder over the samples that passed the filters: exact pixels, near-duplicate images (perceptual
 * hash, banded index), exact and near-duplicate report text (MinHash), semantic (embeddings, when a model is
 * installed). Image duplicates of one patient within the automatic radius are removed; anything across
 * patients, or farther apart, becomes a review cluster that removes nothing. Text duplicates never remove a
 * distinct image: a text cluster is only capped.
 */
import { createHmac } from 'node:crypto';
import type { ClusterMethod, ClusterStatus } from '../../api/curate.ts';
import { clusterSignatures, signaturesParallel, similarity } from './minhash.ts';
import { nearPairs, syncPhashIndex } from './phash-index.ts';
import type { Recipe } from './recipe.ts';
import { reportBody, viewClass, type Sample } from './samples.ts';
import { normalisedBody } from './text-stats.ts';
import type { Db } from '../project/database.ts';

export interface BuiltCluster {
  method: ClusterMethod;
  status: ClusterStatus;
  representative: number;
  chosenBy: 'rule' | 'user';
  members: { imageId: number; distance: number | null }[];
}

export interface Removal {
  imageId: number;
  operator: string;
  statistic: number | null;
  threshold: string;
}

const VIEW_RANK = { frontal: 0, lateral: 1, other: 2, unknown: 3 } as const;

/**
 * The representative rule: not quarantined first, then frontal over lateral over other views, then the
 * larger image (rows × columns), then the lower image id (the first imported).
 */
export function compareRepresentative(a: Sample, b: Sample): number {
  const qa = a.quarantine === 'quarantined' || a.quarantine === 'excluded' ? 1 : 0;
  const qb = b.quarantine === 'quarantined' || b.quarantine === 'excluded' ? 1 : 0;
  return (
    qa - qb ||
    VIEW_RANK[viewClass(a.viewPosition)] - VIEW_RANK[viewClass(b.viewPosition)] ||
    b.rows * b.columns - a.rows * a.columns ||
    a.id - b.id
  );
}

function pickRepresentative(members: Sample[]): Sample {
  return [...members].sort(compareRepresentative)[0]!;
}

/** Same patient and same view class: the only clusters removed without review. */
function autoMergeable(members: Sample[]): boolean {
  const p = members[0]!.patientId;
  const v = viewClass(members[0]!.viewPosition);
  return members.every((m) => m.patientId === p && viewClass(m.viewPosition) === v);
}

export function exactPixelClusters(survivors: Sample[]): BuiltCluster[] {
  const groups = new Map<string, Sample[]>();
  for (const s of survivors) {
    let g = groups.get(s.pixelHash);
    if (!g) groups.set(s.pixelHash, (g = []));
    g.push(s);
  }
  const out: BuiltCluster[] = [];
  for (const g of groups.values()) {
    if (g.length < 2) continue;
    const rep = pickRepresentative(g);
    out.push({
      method: 'exact-pixels',
      status: autoMergeable(g) ? 'auto' : 'review',
      representative: rep.id,
      chosenBy: 'rule',
      members: g.map((m) => ({ imageId: m.id, distance: 0 })),
    });
  }
  return out;
}

/**
 * Near-duplicate images: pairs within the review radius from the banded index, grouped by leader clustering
 * (no chaining): images in representative order, each unassigned one takes its unassigned neighbours. So every
 * member is within the review radius of its representative, and a cluster never grows through a chain of
 * look-alike films of different patients.
 */
export function nearImageClusters(
  db: Db,
  survivors: Sample[],
  cfg: Recipe['dedup']['nearImage'],
): BuiltCluster[] {
  const byId = new Map(survivors.map((s) => [s.id, s]));
  syncPhashIndex(db, cfg.reviewRadius + 1);
  const pairs = nearPairs(db, cfg.reviewRadius, (id) => byId.has(id));
  const neighbours = new Map<number, Map<number, number>>();
  const link = (a: number, b: number, d: number) => {
    let m = neighbours.get(a);
    if (!m) neighbours.set(a, (m = new Map()));
    m.set(b, d);
  };
  for (const p of pairs) {
    link(p.a, p.b, p.distance);
    link(p.b, p.a, p.distance);
  }
  const order = [...neighbours.keys()].map((id) => byId.get(id)!).sort(compareRepresentative);
  const assigned = new Set<number>();
  const out: BuiltCluster[] = [];
  for (const leader of order) {
    if (assigned.has(leader.id)) continue;
    const members = [{ imageId: leader.id, distance: 0 }];
    for (const [id, d] of neighbours.get(leader.id)!)
      if (!assigned.has(id)) members.push({ imageId: id, distance: d });
    if (members.length < 2) continue;
    for (const m of members) assigned.add(m.imageId);
    const samples = members.map((m) => byId.get(m.imageId)!);
    const auto = autoMergeable(samples) && members.every((m) => m.distance <= cfg.autoRadius);
    out.push({
      method: 'near-image',
      status: auto ? 'auto' : 'review',
      representative: leader.id,
      chosenBy: 'rule',
      members,
    });
  }
  return out;
}

export interface TextDedupResult {
  clusters: BuiltCluster[];
  removals: Removal[];
  /** Unique report texts hashed. */
  texts: number;
}

/**
 * Exact and near-duplicate report text, per study (a study's frontal and lateral images share one report and
 * are never duplicates of each other). Identical texts are grouped first, so MinHash runs once per distinct
 * text. Near-text clusters are capped: at most max(minKeep, maxShare × studies with a report) studies of a
 * cluster keep their samples, chosen by a keyed hash of the study id (stable, not biased by import order).
 */
export async function textClusters(
  survivors: Sample[],
  cfg: Recipe['dedup']['nearText'],
  secret: Buffer,
  workers: number,
): Promise<TextDedupResult> {
  const imagesOfStudy = new Map<number, Sample[]>();
  const textOfStudy = new Map<number, string>();
  for (const s of survivors) {
    if (s.reportId === null) continue;
    let list = imagesOfStudy.get(s.studyId);
    if (!list) {
      imagesOfStudy.set(s.studyId, (list = []));
      const body = normalisedBody(reportBody(s.sections, s.reportRaw));
      if (body) textOfStudy.set(s.studyId, body);
    }
    list.push(s);
  }
  const byText = new Map<string, number[]>();
  for (const [study, text] of textOfStudy) {
    let g = byText.get(text);
    if (!g) byText.set(text, (g = []));
    g.push(study);
  }
  const texts = [...byText.keys()];
  const groups = [...byText.values()];
  const clusters: BuiltCluster[] = [];
  const membersOf = (studies: number[]) => studies.flatMap((st) => imagesOfStudy.get(st)!);

  for (const studies of groups) {
    if (studies.length < 2) continue;
    const members = membersOf(studies);
    clusters.push({
      method: 'exact-text',
      status: 'auto',
      representative: pickRepresentative(members).id,
      chosenBy: 'rule',
      members: members.map((m) => ({ imageId: m.id, distance: 0 })),
    });
  }

  const sig = await signaturesParallel(texts, cfg.shingle, cfg.permutations, workers);
  const uf = clusterSignatures(sig, texts.length, cfg.permutations, cfg.bands, cfg.threshold);
  const comps = new Map<number, number[]>();
  for (let t = 0; t < texts.length; t++) {
    const r = uf.find(t);
    let c = comps.get(r);
    if (!c) comps.set(r, (c = []));
    c.push(t);
  }

  const removals: Removal[] = [];
  const cap = cfg.cap ? Math.max(cfg.cap.minKeep, Math.floor(cfg.cap.maxShare * textOfStudy.size)) : Infinity;
  for (const textIdx of comps.values()) {
    const studies = textIdx.flatMap((t) => groups[t]!);
    if (textIdx.length >= 2) {
      const first = textIdx[0]!;
      const distance = new Map<number, number>();
      for (const t of textIdx)
        for (const st of groups[t]!) distance.set(st, 1 - similarity(sig, first, t, cfg.permutations));
      const members = membersOf(studies);
      clusters.push({
        method: 'near-text',
        status: 'auto',
        representative: pickRepresentative(membersOf(groups[first]!)).id,
        chosenBy: 'rule',
        members: members.map((m) => ({
          imageId: m.id,
          distance: Math.round(distance.get(m.studyId)! * 1000) / 1000,
        })),
      });
    }
    if (studies.length > cap) {
      const ranked = studies
        .map((st) => ({ st, h: createHmac('sha256', secret).update(`cap\0${st}`).digest().readUInt32BE(0) }))
        .sort((a, b) => a.h - b.h || a.st - b.st);
      for (const { st } of ranked.slice(cap)) {
        for (const m of imagesOfStudy.get(st)!) {
          removals.push({
            imageId: m.id,
            operator: 'dedup.text_cap',
            statistic: studies.length,
            threshold: `≤ ${cap} studies per text cluster`,
          });
        }
      }
    }
  }
  return { clusters, removals, texts: texts.length };
}

/**
 * Semantic duplicates from image embeddings (L2-normalised, so a dot product is the cosine): a brute-force
 * search, review clusters only. As for near-duplicate images, clusters form around representatives without
 * chaining: samples are taken in the order of `compare` (the representative rule), and each one not yet in a
 * cluster gathers the others not yet in one whose cosine with it reaches `threshold`. A member's distance is
 * 1 − cosine to its representative. A threshold above 1 forms no cluster.
 */
export function semanticClusters(
  ids: number[],
  vectors: Float32Array[],
  threshold: number,
  compare: (a: number, b: number) => number = (a, b) => a - b,
): BuiltCluster[] {
  const cosine = (i: number, j: number) => {
    const a = vectors[i]!;
    const b = vectors[j]!;
    let dot = 0;
    for (let k = 0; k < a.length; k++) dot += a[k]! * b[k]!;
    return dot;
  };
  const order = ids.map((_, i) => i).sort((i, j) => compare(ids[i]!, ids[j]!));
  const assigned = new Set<number>();
  const out: BuiltCluster[] = [];
  for (const leader of order) {
    if (assigned.has(leader)) continue;
    const members = [{ imageId: ids[leader]!, distance: 0 }];
    const taken = [leader];
    for (const j of order) {
      if (j === leader || assigned.has(j)) continue;
      const cos = cosine(leader, j);
      if (cos < threshold) continue;
      // Rounded to 1e-3, never below 0 (float error around a cosine of 1).
      members.push({ imageId: ids[j]!, distance: Math.max(0, Math.round((1 - cos) * 1000) / 1000) });
      taken.push(j);
    }
    if (members.length < 2) continue;
    for (const t of taken) assigned.add(t);
    out.push({
      method: 'semantic',
      status: 'review',
      representative: ids[leader]!,
      chosenBy: 'rule',
      members,
    });
  }
  return out;
}
