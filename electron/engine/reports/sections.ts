/**
 * Splits a radiology report in the MIMIC-CXR house style into its sections. The raw text is kept elsewhere
 * untouched; these sections are whitespace-normalised (wrapped lines joined) for use as prompts and targets.
 *
 * Style handled: every line starts with a space and wraps at 79 columns; an indented title line
 * (`FINAL REPORT`, `FINAL ADDENDUM`); addenda come first, each separated from the report it amends by a line
 * of underscores; headers are a name and a colon at the start of a line (`FINDINGS:`), with name variants and
 * typos. Like the dataset authors' parser, when neither findings nor impression exists the last untitled
 * paragraph stands in for them.
 */

export interface ReportSections {
  indication: string | null;
  comparison: string | null;
  technique: string | null;
  findings: string | null;
  impression: string | null;
  addendum: string | null;
  /** The report's last untitled paragraph, only when it has neither findings nor impression. */
  last_paragraph: string | null;
}

type Kept = Exclude<keyof ReportSections, 'last_paragraph'>;
/** Sections we recognise but do not output (their text stays in the raw report). */
type Dropped = 'examination' | 'wet read' | 'notification' | 'recommendations' | 'other';
type Canonical = Kept | Dropped;

/**
 * Header names as written (lower-case, single spaces) → the section they mean. Our own list, covering the
 * variants and typos seen in MIMIC-CXR reports; "history" counts as the indication, "conclusion" as the
 * impression, a combined findings-and-impression as the impression.
 */
const HEADER_NAMES: Readonly<Record<string, Canonical>> = {
  indication: 'indication',
  indications: 'indication',
  idication: 'indication',
  indicaton: 'indication',
  'clinical indication': 'indication',
  history: 'indication',
  'clinical history': 'indication',
  'patient history': 'indication',
  'medical history': 'indication',
  'clinical information': 'indication',
  'clinical info': 'indication',
  'clinical information & questions to be answered': 'indication',
  'reason for exam': 'indication',
  'reason for examination': 'indication',
  'reason for study': 'indication',
  reason: 'indication',
  pfi: 'indication',
  comparison: 'comparison',
  comparisons: 'comparison',
  comparision: 'comparison',
  comparisions: 'comparison',
  comparsion: 'comparison',
  comparrison: 'comparison',
  'comparison exam': 'comparison',
  'comparison film': 'comparison',
  'comparison study': 'comparison',
  'reference exam': 'comparison',
  prior: 'comparison',
  priors: 'comparison',
  technique: 'technique',
  techniques: 'technique',
  'exam technique': 'technique',
  procedure: 'technique',
  findings: 'findings',
  finding: 'findings',
  findins: 'findings',
  findngs: 'findings',
  findnings: 'findings',
  finidngs: 'findings',
  findgings: 'findings',
  findindgs: 'findings',
  'reference findings': 'findings',
  'chest, two views': 'findings',
  'pa and lateral views of the chest': 'findings',
  impression: 'impression',
  impressions: 'impression',
  impresson: 'impression',
  impresion: 'impression',
  impession: 'impression',
  imprssion: 'impression',
  imoression: 'impression',
  impressoin: 'impression',
  imprression: 'impression',
  imperssion: 'impression',
  mpression: 'impression',
  conclusion: 'impression',
  conclusions: 'impression',
  summary: 'impression',
  opinion: 'impression',
  'findings and impression': 'impression',
  'findings/impression': 'impression',
  'findings / impression': 'impression',
  'impression/findings': 'impression',
  'findings and conclusion': 'impression',
  addendum: 'addendum',
  addenda: 'addendum',
  'final addendum': 'addendum',
  examination: 'examination',
  exam: 'examination',
  'type of examination': 'examination',
  'wet read': 'wet read',
  wetread: 'wet read',
  notification: 'notification',
  notifications: 'notification',
  recommendation: 'recommendations',
  recommendations: 'recommendations',
  'recommendation(s)': 'recommendations',
};

/** Sections that hold one paragraph: a blank line ends them, so untitled paragraphs after them stay untitled. */
const ONE_PARAGRAPH: ReadonlySet<Canonical> = new Set([
  'indication',
  'comparison',
  'technique',
  'examination',
  'wet read',
  'notification',
]);

const TITLE_LINE = /^\s*(?:FINAL|PRELIMINARY|WET READ)\s+(?:REPORT|ADDENDUM|VERSION)\s*$/i;
const UNDERSCORE_LINE = /^\s*_{5,}\s*$/;
/** A colon, with or without space before it; the full-width one of CJK keyboards too. */
const COLON = '[ \\t]*[:\uFF1A]';
const HEADER = new RegExp(`^\\s*([A-Za-z][A-Za-z ()/,&-]{0,60}?)${COLON}(?:\\s+|$)`, 'u');
/** The known names, longest first so "CLINICAL HISTORY" wins over "HISTORY"; any white space between words. */
const KNOWN_NAMES = Object.keys(HEADER_NAMES)
  .sort((a, b) => b.length - a.length)
  .map((n) => n.replace(/[.*+?^${}()|[\]\\/]/gu, '\\$&').replace(/ /gu, '\\s+'))
  .join('|');
/** Longest known name, so a heading before a colon is looked for in a short window. */
const LONGEST_NAME = Math.max(...Object.keys(HEADER_NAMES).map((n) => n.length));
/**
 * A known heading that ends where a colon stands, inside a line, as RIS exports write a whole report in one
 * paragraph ("EXAMINATION: CHEST PA AND LAT INDICATION: cough FINDINGS: ..."). Upper case counts after any
 * white space; other cases only after a sentence end ("... clear. Impression: normal"), where prose cannot
 * be mistaken for one.
 */
const HEADING_BEFORE_COLON = new RegExp(`(?<=(\\S)[ \\t]+)(?:${KNOWN_NAMES})[ \\t]*$`, 'iu');
/** A known heading alone on its line, without a colon ("FINDINGS", "Impression"). */
const BARE_HEADING = new RegExp(`^\\s*(${KNOWN_NAMES})\\s*$`, 'iu');

/** A line cut before each inline heading, so every heading starts a line. */
function splitAtInlineHeadings(line: string): string[] {
  if (!/[:\uFF1A]/u.test(line)) return [line]; // no colon, no inline heading (most lines)
  // The tail of the line's own heading is no inline one: "REASON FOR EXAM:" holds "EXAM:".
  const lead = HEADER.exec(line);
  const leadEnd = lead && headerSection(lead[1]!) ? lead[0].length : 0;
  const cuts: number[] = [];
  for (const colon of line.matchAll(/[:\uFF1A]/gu)) {
    // Only the few characters before each colon are searched: the name and what precedes it.
    const from = Math.max(0, colon.index - LONGEST_NAME - 8);
    const m = HEADING_BEFORE_COLON.exec(line.slice(from, colon.index));
    if (!m) continue;
    const start = from + m.index;
    const upper = !/\p{Ll}/u.test(m[0]);
    if (start >= leadEnd && (upper || /[.?!]/u.test(m[1]!))) cuts.push(start);
  }
  if (cuts.length === 0) return [line];
  return [0, ...cuts].map((start, i) => line.slice(start, cuts[i] ?? line.length));
}

export function sectionReport(raw: string): ReportSections {
  const lines = raw.replace(/\r\n?/g, '\n').split('\n');
  // Addenda come first; the report they amend follows the last line of underscores.
  const parts: string[][] = [[]];
  for (const line of lines) {
    if (UNDERSCORE_LINE.test(line)) parts.push([]);
    else parts[parts.length - 1]!.push(line);
  }
  const main = parts.pop()!;
  const addenda: string[] = [];
  for (const part of parts) {
    const text = sectionsOf(part).addendum ?? untitledText(part);
    if (text) addenda.push(text);
  }
  const s = sectionsOf(main);
  if (s.addendum) addenda.push(s.addendum);
  const hasBody = s.findings !== null || s.impression !== null;
  return {
    indication: s.indication,
    comparison: s.comparison,
    technique: s.technique,
    findings: s.findings,
    impression: s.impression,
    addendum: addenda.length > 0 ? addenda.join(' ') : null,
    last_paragraph: hasBody ? null : s.lastUntitled,
  };
}

/** Canonical section for a header name, or null when the text before the colon is not a header. */
export function headerSection(name: string): Canonical | null {
  const key = name.toLowerCase().replace(/\s+/g, ' ').trim();
  const known = HEADER_NAMES[key];
  if (known) return known;
  const upper = /[A-Z]/.test(name) && !/[a-z]/.test(name);
  if (!upper) return null; // "the patient: ..." mid-report is text, not a header
  const fuzzy = fuzzyHeader(key);
  if (fuzzy) return fuzzy;
  // An unknown upper-case title of a few words is a header we do not keep (MIMIC has dozens of rare ones).
  return key.split(' ').length <= 6 ? 'other' : null;
}

/** Typos one or two edits away from a main section name (IMPRESSON, FINDNGS, INDCATION). */
function fuzzyHeader(key: string): Canonical | null {
  const targets: [string, Canonical][] = [
    ['impression', 'impression'],
    ['findings', 'findings'],
    ['indication', 'indication'],
    ['comparison', 'comparison'],
    ['technique', 'technique'],
    ['conclusion', 'impression'],
    ['history', 'indication'],
  ];
  for (const [name, canonical] of targets) {
    const allowed = name.length >= 9 ? 2 : 1;
    if (Math.abs(key.length - name.length) <= allowed && editDistance(key, name) <= allowed) return canonical;
  }
  return null;
}

function editDistance(a: string, b: string): number {
  // Optimal string alignment distance: insertions, deletions, substitutions and adjacent transpositions.
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

interface Parsed {
  indication: string | null;
  comparison: string | null;
  technique: string | null;
  findings: string | null;
  impression: string | null;
  addendum: string | null;
  lastUntitled: string | null;
}

function sectionsOf(lines: string[]): Parsed {
  const found = new Map<Canonical, string[]>();
  const untitled: string[][] = [];
  let current: Canonical | null = null;
  let paragraph: string[] = [];

  const endParagraph = () => {
    if (paragraph.length === 0) return;
    if (current === null) untitled.push(paragraph);
    else {
      let list = found.get(current);
      if (!list) found.set(current, (list = []));
      list.push(...paragraph);
    }
    paragraph = [];
  };

  for (const line of lines.flatMap(splitAtInlineHeadings)) {
    if (TITLE_LINE.test(line)) continue;
    if (line.trim() === '') {
      endParagraph();
      if (current !== null && ONE_PARAGRAPH.has(current)) current = null;
      continue;
    }
    const bare = BARE_HEADING.exec(line);
    if (bare) {
      endParagraph();
      current = headerSection(bare[1]!);
      continue;
    }
    const m = HEADER.exec(line);
    const section = m ? headerSection(m[1]!) : null;
    if (m && section) {
      endParagraph();
      current = section;
      const rest = line.slice(m[0].length);
      if (rest.trim()) paragraph.push(rest);
      continue;
    }
    paragraph.push(line);
  }
  endParagraph();

  const text = (c: Canonical) => normalise(found.get(c)?.join(' ') ?? '');
  const last = untitled.at(-1);
  return {
    indication: text('indication'),
    comparison: text('comparison'),
    technique: text('technique'),
    findings: text('findings'),
    impression: text('impression'),
    addendum: text('addendum'),
    lastUntitled: last ? normalise(last.join(' ')) : null,
  };
}

function untitledText(lines: string[]): string | null {
  return normalise(lines.filter((l) => !TITLE_LINE.test(l)).join(' '));
}

/** Joins wrapped lines and collapses runs of white space; an empty section is no section. */
export function normalise(text: string): string | null {
  const t = text.replace(/\s+/g, ' ').trim();
  return t === '' ? null : t;
}
