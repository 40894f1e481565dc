// SFT generation: the channels and shapes of the instruction–response stage (types and constants only).
import type { JobInfo } from './contract.ts';

export const SFT_TASKS = [
  'findings',
  'findings_with_indication',
  'impression',
  'summarization',
  'closed_vqa',
  'open_vqa',
  'classification',
  'view',
  'localization',
  'comparison',
] as const;
export type SftTask = (typeof SFT_TASKS)[number];

/** Patient-level splits; MIMIC-CXR's official names. */
export type SftSplit = 'train' | 'validate' | 'test';

export interface SftTaskSetting {
  task: SftTask;
  enabled: boolean;
  /** Share of the task's candidate samples kept (0–1), chosen with the recipe's seed. */
  weight: number;
}

export interface SftRecipeInfo {
  /** The effective recipe as YAML (the project's saved one, else the shipped default). */
  yaml: string;
  source: 'default' | 'project';
  tasks: SftTaskSetting[];
  /** Instruction pools per task (at least eight each). */
  templates: Record<SftTask, string[]>;
}

export interface SftCounts {
  eligibleImages: number;
  studies: number;
  patients: number;
  /** Kept samples per task. */
  byTask: Partial<Record<SftTask, number>>;
  bySplit: Partial<Record<SftSplit, number>>;
  /**
   * Candidates dropped, by `task:reason` (`prior-unrewritable`, `prior-sentences-only`, `redaction`,
   * `gate:contradiction`, `no-finding-cap`, `weight`, `model-filter:…`).
   */
  dropped: Record<string, number>;
  /** The faithfulness gate: candidates checked, passed, and failed per check (absent in runs before it). */
  gate?: SftGateCounts;
  /** The report labeler: studies it labeled, and its agreement with the CSV labels where both exist. */
  labeler?: SftLabelerCounts;
  /** Why an enabled task produced no sample. */
  emptyTasks?: Partial<Record<SftTask, string>>;
}

export const SFT_GATE_CHECKS = [
  'contradiction',
  'missing-positive',
  'change-words',
  'not-about-image',
] as const;
export type SftGateCheck = (typeof SFT_GATE_CHECKS)[number];

export interface SftGateCounts {
  checked: number;
  passed: number;
  failed: Record<SftGateCheck, number>;
}

export interface SftLabelerCounts {
  /** Studies whose report the labeler read (its labels are the `report-labeler` source). */
  studies: number;
  /** Label values compared with a CSV source (chexpert, negbio) where that source has a value. */
  compared: number;
  agreed: number;
  perObservation: Record<string, { compared: number; agreed: number }>;
}

/** A candidate the stage dropped, with its reason: the sample (gate) or the text it would have come from. */
export interface SftDroppedView {
  /** Keyed pseudonym (of the sample, or of task and study for a text dropped before it became a sample). */
  key: string;
  task: SftTask;
  reason: string;
  instruction: string | null;
  response: string | null;
  /** The de-identified text a hygiene drop came from, or what a label task lacked. */
  source: string | null;
}

export interface SftSampleView {
  /** Keyed pseudonym of the sample (never an original identifier). */
  key: string;
  task: SftTask;
  templateId: string;
  generator: string;
  split: SftSplit;
  instruction: string;
  response: string;
  /** Number of images the sample shows. */
  images: number;
}

export interface SftPreview {
  counts: SftCounts;
  samples: SftSampleView[];
}

export interface SftRunSummary {
  runId: string;
  counts: SftCounts;
  /** Model id when model-based generation ran, else null. */
  model: string | null;
  createdAt: string;
}

export interface SftRecipeEdit {
  /** A whole recipe as YAML; '' resets the project to the shipped default. */
  yaml?: string;
  tasks?: SftTaskSetting[];
  templates?: Partial<Record<SftTask, string[]>>;
}

export interface SftInvoke {
  'sft.recipe': (args: Record<string, never>) => SftRecipeInfo;
  'sft.saveRecipe': (args: SftRecipeEdit) => SftRecipeInfo;
  'sft.preview': (args: { yaml?: string; task?: SftTask; limit?: number }) => SftPreview;
  'sft.run': (args: { yaml?: string }) => JobInfo;
  'sft.summary': (args: Record<string, never>) => SftRunSummary | null;
  /**
   * What the current recipe drops and why (regenerated, no model): optionally one task or one reason
   * (`task:reason` as in `dropped`), a page of `limit` from `offset`.
   */
  'sft.dropped': (args: {
    yaml?: string;
    task?: SftTask;
    reason?: string;
    offset?: number;
    limit?: number;
  }) => {
    total: number;
    samples: SftDroppedView[];
  };
}

export const SFT_CHANNELS = [
  'sft.recipe',
  'sft.saveRecipe',
  'sft.preview',
  'sft.run',
  'sft.summary',
  'sft.dropped',
] as const satisfies readonly (keyof SftInvoke)[];
