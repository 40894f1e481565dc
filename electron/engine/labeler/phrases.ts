/**
 * The labeler's phrase lists (resources/labeler/phrases.json, data with its provenance) compiled once into
 * regular expressions: one alternation per class, longest phrase first so "no evidence of" wins over "no".
 */
import fs from 'node:fs';
import { resourceFile } from '../app-root.ts';

export const OBSERVATIONS = [
  'Enlarged Cardiomediastinum',
  'Cardiomegaly',
  'Lung Lesion',
  'Lung Opacity',
  'Edema',
  'Consolidation',
  'Pneumonia',
  'Atelectasis',
  'Pneumothorax',
  'Pleural Effusion',
  'Pleural Other',
  'Fracture',
  'Support Devices',
] as const;
export type Observation = (typeof OBSERVATIONS)[number];

export type Change = 'new' | 'increased' | 'decreased' | 'stable' | 'resolved';
export type Severity = 'trace' | 'small' | 'moderate' | 'large';
export type Laterality = 'bilateral' | 'right' | 'left';

interface PhraseFile {
  observations: Record<
    Observation,
    { mention: string[]; unmention?: string[]; negative: string[]; uncertain: string[] }
  >;
  preNegationUncertainty: { pre: string[]; post: string[] };
  negation: { pre: string[]; post: string[] };
  uncertainty: { pre: string[]; post: string[] };
  pseudoNegation: string[];
  scopeEnd: string[];
  change: Record<Change, string[]>;
  severity: Record<Severity, string[]>;
  laterality: Record<Laterality, string[]>;
  location: string[];
  padchestMap: Record<string, string>;
}

export interface Compiled {
  /** Per observation: its phrases as groups 1 (states absence), 2 (hedged) and 3 (a plain mention). */
  mentions: { observation: Observation; re: RegExp; unmention: RegExp }[];
  hedgePre: RegExp;
  hedgePost: RegExp;
  negationPre: RegExp;
  negationPost: RegExp;
  uncertaintyPre: RegExp;
  uncertaintyPost: RegExp;
  pseudoNegation: RegExp;
  scopeEnd: RegExp;
  change: [Change, RegExp][];
  severity: [Severity, RegExp][];
  laterality: [Laterality, RegExp][];
  location: RegExp;
  padchestMap: Map<string, string>;
}

function phrasesPath(): string {
  return resourceFile('labeler', 'phrases.json');
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/gu, '\\$&');

/** One phrase as a regex source: words separated by any space, `word*` with any ending. */
function phraseSource(p: string): string {
  if (p === '?') return '\\?';
  return p
    .trim()
    .split(/\s+/u)
    .map((w) => (w.endsWith('*') ? `${escape(w.slice(0, -1))}[\\w-]*` : escape(w)))
    .join('\\s+');
}

function alternation(phrases: readonly string[]): string {
  const sorted = [...new Set(phrases)].sort((a, b) => b.length - a.length);
  return sorted.map(phraseSource).join('|');
}

/** Word-bounded, global, case-insensitive; matches nothing when the list is empty. */
function wordRegex(phrases: readonly string[]): RegExp {
  if (phrases.length === 0) return /(?!)/gu;
  return new RegExp(`(?<![\\w-])(?:${alternation(phrases)})(?![\\w-])`, 'giu');
}

const group = (list: readonly string[]) => (list.length === 0 ? '(?!)' : alternation(list));

export function compile(file: PhraseFile): Compiled {
  // One expression per observation, so one phrase can name two ("hydropneumothorax"); the fixed-state
  // groups come first so "heart size is normal" wins over a plain mention starting at the same place.
  const mentions = OBSERVATIONS.map((observation) => {
    const o = file.observations[observation];
    if (!o) throw new Error(`labeler phrases: no entry for ${observation}`);
    const re = new RegExp(
      `(?<![\\w-])(?:(${group(o.negative)})|(${group(o.uncertain)})|(${group(o.mention)}))(?![\\w-])`,
      'giu',
    );
    return { observation, re, unmention: wordRegex(o.unmention ?? []) };
  });
  const post = (list: string[]) =>
    new RegExp(
      `(?:${alternation(list.filter((p) => p !== '?'))})(?![\\w-])${list.includes('?') ? '|\\?' : ''}`,
      'giu',
    );
  return {
    mentions,
    hedgePre: wordRegex(file.preNegationUncertainty.pre),
    hedgePost: wordRegex(file.preNegationUncertainty.post),
    negationPre: wordRegex(file.negation.pre),
    negationPost: wordRegex(file.negation.post),
    uncertaintyPre: wordRegex(file.uncertainty.pre),
    uncertaintyPost: post(file.uncertainty.post),
    pseudoNegation: wordRegex(file.pseudoNegation),
    scopeEnd: new RegExp(`[;:]|(?<![\\w-])(?:${alternation(file.scopeEnd)})(?![\\w-])`, 'giu'),
    change: Object.entries(file.change).map(([k, v]) => [k as Change, wordRegex(v)]),
    severity: Object.entries(file.severity).map(([k, v]) => [k as Severity, wordRegex(v)]),
    laterality: Object.entries(file.laterality).map(([k, v]) => [k as Laterality, wordRegex(v)]),
    location: wordRegex(file.location),
    padchestMap: new Map(Object.entries(file.padchestMap).map(([k, v]) => [k.toLowerCase(), v])),
  };
}

let cached: Compiled | null = null;

/** The shipped phrase lists, compiled on first use. */
export function phrases(): Compiled {
  cached ??= compile(JSON.parse(fs.readFileSync(phrasesPath(), 'utf8')) as PhraseFile);
  return cached;
}
