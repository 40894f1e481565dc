/**
 * The faithfulness gate, run on every candidate before it is stored: what the target asserts (the labeler on
 * its text; the question's label for yes/no and multiple-choice answers) against the study's states (the CSV
 * labels where present, else the labeler on the full report). A sample fails on the first check it breaks:
 *
 * - contradiction: an observation asserted with the opposite state (positive where the study says negative,
 *   or the reverse);
 * - missing-positive: a findings or impression target leaves out a positive finding of its source section;
 * - change-words: a single-image target still talks about an earlier study;
 * - not-about-image: an image target carries a recommendation or a notice ("Chest CT is recommended").
 */
import { SFT_GATE_CHECKS, type SftGateCheck, type SftTask } from '../../api/sft.ts';
import { labelReport } from '../labeler/index.ts';
import { observationOf } from './labels.ts';
import type { Candidate } from './tasks.ts';
import { CHANGE_WORDS, NOT_ABOUT_IMAGE } from './text.ts';

export const GATE_CHECKS = SFT_GATE_CHECKS;
export type GateCheck = SftGateCheck;

/** Tasks whose target describes one image. */
const SINGLE_IMAGE: ReadonlySet<SftTask> = new Set([
  'findings',
  'findings_with_indication',
  'impression',
  'closed_vqa',
  'open_vqa',
  'classification',
]);
/** Tasks whose target is a report section, so every positive of that section must be in it. */
const SECTION: ReadonlySet<SftTask> = new Set(['findings', 'findings_with_indication', 'impression']);

export const NO_ABNORMALITY = 'No abnormality is identified.';

/** What a target asserts, per observation: 1 present, 0 absent, -1 hedged. */
export function asserted(c: Candidate): Map<string, 1 | 0 | -1> {
  const out = new Map<string, 1 | 0 | -1>();
  if (c.task === 'closed_vqa') {
    const o = observationOf(c.discriminator);
    if (o && o !== 'No Finding') out.set(o, c.response.startsWith('Yes') ? 1 : 0);
    return out;
  }
  if (c.task === 'classification') {
    for (const label of c.correct ?? []) {
      const o = observationOf(label);
      if (o && o !== 'No Finding') out.set(o, 1);
    }
    return out;
  }
  if (c.task === 'view' || c.task === 'localization') return out;
  for (const [o, v] of labelReport(c.response).labels) if (o !== 'No Finding' && v !== null) out.set(o, v);
  return out;
}

export interface GateInput {
  candidate: Candidate;
  /** The study's states (of the current study for a comparison). */
  study: Map<string, 1 | 0 | -1>;
  /** For a section target: the observations its source section states as positive. */
  sourcePositives?: readonly string[];
}

/** The first check the candidate fails, or null when it passes them all. */
export function gate({ candidate: c, study, sourcePositives }: GateInput): GateCheck | null {
  const single = SINGLE_IMAGE.has(c.task);
  if (single && c.images.length > 0 && NOT_ABOUT_IMAGE.test(c.response)) return 'not-about-image';
  if (single && SECTION.has(c.task) && CHANGE_WORDS.test(c.response)) return 'change-words';
  const says = asserted(c);
  for (const [o, v] of says) {
    const truth = study.get(o);
    if ((v === 1 && truth === 0) || (v === 0 && truth === 1)) return 'contradiction';
  }
  if (c.task === 'open_vqa' && c.response === NO_ABNORMALITY) {
    for (const [o, v] of study) if (o !== 'Support Devices' && v === 1) return 'contradiction';
  }
  if (SECTION.has(c.task) && sourcePositives) {
    for (const o of sourcePositives) if (says.get(o) !== 1) return 'missing-positive';
  }
  return null;
}
