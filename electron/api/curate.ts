// Curation channels: run a recipe (filters, dedup ladder, split), inspect statistics and decisions, review
// duplicate clusters. Types and constants only (the renderer imports this module).

import type { JobInfo } from './contract.ts';

export type Split = 'train' | 'validate' | 'test';
export const SPLITS: readonly Split[] = ['train', 'validate', 'test'];

export type OperatorKind = 'image' | 'report' | 'pair' | 'dedup';
export type Decision = 'keep' | 'remove' | 'review';
export type ClusterMethod = 'exact-pixels' | 'near-image' | 'exact-text' | 'near-text' | 'semantic';
export const CLUSTER_METHODS: readonly ClusterMethod[] = [
  'exact-pixels',
  'near-image',
  'exact-text',
  'near-text',
  'semantic',
];
export type ClusterStatus = 'auto' | 'review' | 'merged';

/** A threshold as the API carries it: a number (min or max), or the labels kept (categorical operators). */
export type Threshold = number | string[];

/** One filter operator of the recipe, as the last run applied it. */
export interface OperatorInfo {
  operator: string;
  kind: OperatorKind;
  /** What the statistic measures, in a few words. */
  statistic: string;
  /** 'min': kept when value ≥ threshold; 'max': kept when value ≤ threshold; 'in': kept when label is listed. */
  direction: 'min' | 'max' | 'in';
  threshold: Threshold;
  /** 'not run: no model installed' and the like when the operator could not run; never a failure. */
  status: 'ran' | string;
}

/** The model a run used for an operator or the semantic rung, and the device that ran it. */
export interface ModelUse {
  id: string;
  /** What was asked for ('auto' tries the accelerators the machine offers, then the CPU). */
  requested: string | null;
  /** The device that ran it; null when nothing was computed (every statistic came from the cache). */
  device: string | null;
  /** Devices tried and not used, with the reason. */
  fallbacks: { device: string; reason: string }[];
}

export interface OperatorSummary extends OperatorInfo {
  /** Statistics computed by this run (the rest came from the cache). */
  computed: number;
  cached: number;
  /** Samples this operator alone would remove (a sample can be removed by several). */
  removed: number;
  /** Samples without the statistic (no report, no thumbnail): kept. */
  missing: number;
  /** Model-backed operators (pair.alignment) that ran: which model, on which device. */
  model?: ModelUse;
}

export interface LeakageViolation {
  clusterId: number;
  method: ClusterMethod;
  splits: Split[];
  imageIds: number[];
}

export interface LeakageReport {
  ok: boolean;
  /** Patients whose kept images sit in more than one split (always 0 unless the store was edited). */
  patientsInSeveralSplits: number;
  violations: LeakageViolation[];
}

export interface CurateSummary {
  runId: string;
  analyse: boolean;
  samples: number;
  kept: number;
  removed: number;
  /** Kept samples in a duplicate cluster that waits for review. */
  review: number;
  statsComputed: number;
  operators: OperatorSummary[];
  /** Per dedup rung; the semantic rung, when it ran, names its model and device. */
  dedup: { method: ClusterMethod; status: string; clusters: number; removed: number; model?: ModelUse }[];
  splits: Record<Split, number>;
  leakage: LeakageReport;
}

export interface HistogramBin {
  from: number;
  to: number;
  count: number;
}

export interface OperatorHistogram extends OperatorInfo {
  /** Numeric statistics: equal-width bins from the smallest to the largest value. */
  bins: HistogramBin[];
  /** Categorical statistics: a count per label. */
  categories: { label: string; count: number }[];
  /** Samples with the statistic stored, and without it. */
  total: number;
  missing: number;
}

export interface PreviewResult {
  operator: string;
  threshold: Threshold;
  kept: number;
  removed: number;
  missing: number;
}

export interface ClusterMember {
  imageId: number;
  /** Internal row id of the patient (never the original identifier). */
  patientId: number;
  studyId: number;
  split: Split | null;
  view: 'frontal' | 'lateral' | 'other' | 'unknown';
  rows: number;
  columns: number;
  quarantined: boolean;
  /** Hamming distance (images), 1 − estimated Jaccard (text) or 1 − cosine (semantic) to the representative. */
  distance: number | null;
  /** Thumbnail URL relative to the renderer's origin, or null. */
  thumbnail: string | null;
}

export interface Cluster {
  id: number;
  method: ClusterMethod;
  status: ClusterStatus;
  representativeId: number | null;
  chosenBy: 'rule' | 'user';
  size: number;
  /** The first members (representative first); `size` counts them all. */
  members: ClusterMember[];
}

export interface SampleTrace {
  imageId: number;
  /** Kept by the latest curation run (false as well when no run has finished). */
  kept: boolean;
  runId: string | null;
  split: Split | null;
  decisions: {
    operator: string;
    statistic: number | null;
    threshold: string | null;
    decision: Decision;
  }[];
  stats: { operator: string; value: number | null; label: string | null }[];
  clusters: {
    clusterId: number;
    method: ClusterMethod;
    status: ClusterStatus;
    representativeId: number | null;
    distance: number | null;
  }[];
}

export interface FunnelStage {
  stage: string;
  /** Samples this stage removed (first removal only: a sample counts at the first stage that drops it). */
  removed: number;
  remaining: number;
}

export interface Funnel {
  runId: string | null;
  analyse: boolean;
  /** Files that failed to decode never became images; counted here, before the first stage. */
  failedDecodes: number;
  images: number;
  stages: FunnelStage[];
  kept: number;
  splits: Record<Split, number>;
}

/** The recipe `curate.run` uses when given none: the project's saved one, else the shipped default. */
export interface CurateRecipeInfo {
  yaml: string;
  source: 'default' | 'project';
}

export interface CurateInvoke {
  'curate.run': (args: { recipe?: string; analyse?: boolean }) => JobInfo;
  'curate.summary': (args: { jobId: string }) => CurateSummary;
  'curate.defaultRecipe': (args: Record<string, never>) => { text: string };
  'curate.recipe': (args: Record<string, never>) => CurateRecipeInfo;
  /** A whole recipe (validated; '' resets to the default), or one filter's threshold changed in place. */
  'curate.saveRecipe': (args: {
    yaml?: string;
    threshold?: { operator: string; value: Threshold };
  }) => CurateRecipeInfo;
  'curate.operators': (args: Record<string, never>) => OperatorInfo[];
  'curate.histogram': (args: { operator: string; bins: number }) => OperatorHistogram;
  'curate.preview': (args: { operator: string; threshold: Threshold }) => PreviewResult;
  'curate.clusters': (args: { method: ClusterMethod; offset: number; limit: number }) => {
    total: number;
    items: Cluster[];
  };
  'curate.setRepresentative': (args: { clusterId: number; imageId: number }) => Cluster;
  'curate.trace': (args: { imageId: number }) => SampleTrace;
  'curate.funnel': (args: Record<string, never>) => Funnel;
  'curate.leakage': (args: Record<string, never>) => LeakageReport;
}

export const CURATE_CHANNELS = [
  'curate.run',
  'curate.summary',
  'curate.defaultRecipe',
  'curate.recipe',
  'curate.saveRecipe',
  'curate.operators',
  'curate.histogram',
  'curate.preview',
  'curate.clusters',
  'curate.setRepresentative',
  'curate.trace',
  'curate.funnel',
  'curate.leakage',
] as const satisfies readonly (keyof CurateInvoke)[];
