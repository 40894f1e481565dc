/**
 * Phrase-level prior removal for single-image targets: the comparison wording goes, what the sentence says
 * about this image stays. "Mild cardiomegaly is stable." → "Mild cardiomegaly."; "There is a new right
 * pleural effusion." → "There is a right pleural effusion."; "Interval improvement in pulmonary edema." →
 * "Pulmonary edema."; "Resolved right pneumothorax." → "No right pneumothorax."; "Compared to the prior
 * study, …" clauses go. The labeler then checks that the rewrite says the same thing (no observation lost or
 * turned around); a sentence it cannot rewrite faithfully costs the sample, never just the sentence.
 */
import { labelSentence, type Mention } from '../labeler/index.ts';

/** Words that tie a sentence to an earlier study (the gate's "change words" check uses the same list). */
export const CHANGE_WORDS =
  /\b(?:compar(?:ed|ison|e)|prior|previous(?:ly)?|interval(?:ly)?|unchanged|stable|since|again|re-?demonstrat\w*|persist\w*|improv\w*|worsen\w*|worse|resolv\w*|resolution|no longer|(?:no|without) (?:\w+ ){0,2}change|new(?:ly)?|earlier|increas\w*|decreas\w*|progress\w*|enlarging|smaller|larger|remain\w*|removed|removal|recent(?:ly)? placed)\b/iu;

type Rule = [RegExp, string | ((...m: string[]) => string)];

const STUDY = String.raw`(?:(?:the|a)\s+)?(?:(?:prior|previous|preceding|earlier|last|recent|most\s+recent|outside|comparison)\s+)*(?:\w+\s+){0,3}?(?:study|studies|exam(?:ination)?s?|radiographs?|films?|images?|ct|cxr|x-?rays?|one|\[DATE\]|___)`;
const COMPARE = String.raw`(?:as\s+)?(?:(?:when\s+)?compared\s+(?:to|with)|in\s+comparison\s+(?:to|with)|relative\s+to|since|than\s+(?:on|in))`;
const SUBJECT_END = String.raw`(?=\s*(?:[.,;]|$))`;

/** Noun phrase with its leading article dropped (for "No …"). */
const bare = (np: string) => np.replace(/^(?:the|a|an)\s+/iu, '');

const RULES: Rule[] = [
  // Comparison clauses: leading ("Compared to the prior study, …"), trailing ("… since [DATE]").
  [new RegExp(String.raw`^${COMPARE}\s+(?:${STUDY}|prior|previous)(?!\w)[^,;]*[,;:]\s*`, 'iu'), ''],
  [new RegExp(String.raw`[,;]?\s*\b${COMPARE}\s+(?:${STUDY}|prior|previous)(?!\w)[^,;.]*`, 'giu'), ''],
  [
    /[,;]?\s*\b(?:from|on)\s+(?:the\s+)?(?:prior|previous|preceding|earlier)\s+(?:\w+\s+){0,2}?(?:study|exam(?:ination)?|radiograph|film|one)\b/giu,
    '',
  ],
  [/[,;]?\s*\b(?:in|over)\s+the\s+(?:interval|interim)\b/giu, ''],
  [/[,;]?\s*\b(?:as|which\s+(?:was|were))\s+(?:previously|before)\s+(?:seen|noted|described)\b/giu, ''],
  [/\b(?:previously|recently)\s+(?:seen|noted|described|demonstrated|placed|inserted)\s+/giu, ''],
  // Resolution: "Resolved right pneumothorax." / "The pneumothorax has resolved." / "… is no longer seen."
  [/^(?:interval\s+)?(?:resolved|resolution\s+of)\s+(?:the\s+)?(.+?)\s*$/iu, (_, np) => `No ${np}`],
  [
    /^(.+?)\s+(?:has|have)\s+(?:completely\s+|since\s+)?(?:resolved|cleared|been\s+removed)\s*$/iu,
    (_, np) => `No ${bare(np)}`,
  ],
  [
    /^(.+?)\s+(?:is|are)\s+no\s+longer\s+(?:seen|visualized|visible|present|identified|evident|appreciated)\s*$/iu,
    (_, np) => `No ${bare(np)}`,
  ],
  [/\bwith\s+(?:interval\s+)?(?:resolution|removal)\s+of\s+(?:the\s+)?/giu, 'with no '],
  // "The left pneumothorax has increased in size." → "Left pneumothorax." (present now; how it was, gone).
  [
    /^(.+?)\s+(?:has|have|is|are)\s+(?:(?:slightly|mildly|minimally|markedly|significantly|somewhat|further|now)\s+)?(?:improved|decreased|increased|worsened|progressed|enlarged|grown|smaller|larger|worse|better)(?:\s+in\s+(?:size|extent|conspicuity|severity))?(?:\s+(?:slightly|somewhat|mildly|since|from)\b.*)?$/iu,
    (_, np) => np,
  ],
  // "No (significant) change in the moderate cardiomegaly." → "Moderate cardiomegaly."
  [
    /^(?:there\s+(?:is|has\s+been)\s+)?(?:no|without)\s+(?:\w+\s+){0,2}?change\s+(?:in|of)\s+(?:the\s+)?(?:(?:appearance|position|size|extent|configuration)\s+of\s+(?:the\s+)?)?/iu,
    '',
  ],
  // "Interval improvement in pulmonary edema." → "Pulmonary edema." (still present).
  [
    /^(?:there\s+(?:is|has\s+been)\s+)?(?:(?:slight|mild|minimal|marked|some|significant|further)\s+)?(?:interval\s+)?(?:improvement|increase|decrease|worsening|progression|development|appearance|placement|insertion|enlargement)\s+(?:in|of)\s+(?:the\s+)?(?:(?:size|extent|degree)\s+of\s+(?:the\s+)?)?/iu,
    '',
  ],
  // Predicates that only say how it compares: "… is stable.", "…, unchanged.", "… persists."
  [
    new RegExp(
      String.raw`\s+(?:is|are|has\s+been|have\s+been|appears?|remains?|is\s+otherwise)\s+(?:grossly\s+|essentially\s+|relatively\s+|overall\s+|otherwise\s+|again\s+)?(?:stable|unchanged|not\s+(?:significantly\s+)?changed|similar|without\s+(?:significant\s+)?change)(?:\s+(?:in|from)\s+(?:appearance|size|position|configuration|extent|alignment)|\s+from\s+before|\s+to\s+(?:the\s+)?prior)?${SUBJECT_END}`,
      'iu',
    ),
    '',
  ],
  [
    /,\s*(?:grossly\s+|essentially\s+)?(?:stable|unchanged|similar(?:\s+to\s+prior)?|not\s+significantly\s+changed)(?=\s*(?:[.;]|$))/giu,
    '',
  ],
  [
    new RegExp(
      String.raw`\s+(?:persists?|persisted|continues?|is\s+persistent|are\s+persistent)${SUBJECT_END}`,
      'iu',
    ),
    '',
  ],
  [
    /\b(?:is|are)\s+again\s+(?:seen|noted|demonstrated|identified|present|visualized)\b/giu,
    (m) => `${m.split(/\s+/u)[0]} seen`,
  ],
  [/\b(?:is|are)\s+re-?demonstrated\b/giu, (m) => `${m.split(/\s+/u)[0]} seen`],
  [/\bagain\s+(?:seen|noted|demonstrated)\s+(?:is|are)\s+/giu, ''],
  [/\bremains?\b/giu, (m) => (m.toLowerCase() === 'remain' ? 'are' : 'is')],
  [
    /^(?:grossly\s+)?(?:stable|unchanged|similar)\s+(?:position|appearance|size|configuration)\s+of\s+(?:the\s+)?/iu,
    '',
  ],
  [/\b(?:has|have)\s+(?:developed|appeared)\b/giu, (m) => (/^have/iu.test(m) ? 'are present' : 'is present')],
  // Change adjectives in front of the finding: "new", "stable", "improving", "worsening", "persistent" …
  [
    /\b(?:(?:slightly|mildly|minimally|markedly|significantly|somewhat)\s+)?(?:newly\s+(?:placed|inserted|seen)|new|stable|unchanged|persistent|persisting|re-?demonstrated|improving|improved|worsening|worsened|increasing|increased|decreasing|decreased|enlarging|progressive|progressing|resolving|residual)\s+(?!(?:in|to|from|and|or|since|compared|with|on|at|by|than|as)\b)/giu,
    '',
  ],
  [/\bno\s+new\s+/giu, 'no '],
];

/** Fixes what edits leave: doubled spaces, ". .", ", .", "a effusion", a lower-case start. */
export function tidy(sentence: string): string {
  let s = sentence
    .replace(/\s+/gu, ' ')
    .replace(/\s+([.,;:!?])/gu, '$1')
    .replace(/([,;:])(?:\s*[,;:])+/gu, '$1')
    .replace(/[,;:]\s*([.!?])/gu, '$1')
    .replace(/([.!?])(?:\s*[.!?])+/gu, '$1')
    .replace(/^[\s,;:.]+/u, '')
    .replace(/\b([Aa])\s+(?=[aeiouAEIOU]\w)(?!(?:one|uni|use|eu)\w*)/gu, '$1n ')
    // Lower case only: "an NG tube", "an MRI" are right as they are.
    .replace(/\b([Aa])n\s+(?=[b-df-hj-np-tv-z]\w)(?!hour|honest|heir)/gu, '$1 ')
    .trim();
  if (s === '') return s;
  s = s.charAt(0).toUpperCase() + s.slice(1);
  return /[.!?]$/u.test(s) ? s : `${s}.`;
}

export type PriorRewrite =
  /** The sentence, unchanged or rewritten, says the same about this image. */
  | { text: string }
  /** Only about the comparison (no finding in it): leave the sentence out. */
  | { omit: true }
  /** A finding whose wording cannot be freed of the comparison without changing it: drop the sample. */
  | { unrewritable: true };

type States = Map<string, 'positive' | 'negative' | 'uncertain'>;

function states(mentions: Mention[]): States {
  const out: States = new Map();
  const rank = { positive: 3, uncertain: 2, negative: 1 } as const;
  for (const m of mentions) {
    const had = out.get(m.observation);
    if (!had || rank[m.state] > rank[had]) out.set(m.observation, m.state);
  }
  return out;
}

/** True when `after` says what `before` said: every observation kept, none turned positive ↔ negative. */
function sameMeaning(before: States, after: States): boolean {
  for (const [o, s] of before) {
    const t = after.get(o);
    if (t === undefined) return false;
    if ((s === 'positive' && t === 'negative') || (s === 'negative' && t === 'positive')) return false;
  }
  for (const [o, t] of after) if (!before.has(o) && t !== 'negative') return false;
  return true;
}

/** Rewrites one sentence of a single-image target without its comparison wording. */
export function rewritePrior(sentence: string): PriorRewrite {
  if (!CHANGE_WORDS.test(sentence)) return { text: sentence };
  let s = sentence.trim().replace(/[.!?]+$/u, '');
  for (const [re, to] of RULES) {
    s = typeof to === 'string' ? s.replace(re, to) : s.replace(re, to as (...m: string[]) => string);
  }
  // "The pacemaker leads are unchanged." → "Pacemaker leads." (a finding, as "Mild cardiomegaly." is).
  if (!/\b(?:is|are|was|were|has|have|seen|noted|present)\b/iu.test(s)) s = s.replace(/^the\s+/iu, '');
  const text = tidy(s);
  const before = labelSentence(sentence);
  const words = text.match(/[\p{L}\p{N}]+/gu) ?? [];
  if (before.length === 0) {
    // Nothing the labeler knows: keep it only when a whole, comparison-free statement is left.
    // "The lungs remain clear." → "The lungs are clear." stays; "Stable appearance of the chest." goes.
    const statement = /\b(?:is|are)\b/iu.test(text) && words.length >= 3;
    return CHANGE_WORDS.test(text) || !statement ? { omit: true } : { text };
  }
  if (CHANGE_WORDS.test(text) || words.length === 0) return { unrewritable: true };
  return sameMeaning(states(before), states(labelSentence(text))) ? { text } : { unrewritable: true };
}
