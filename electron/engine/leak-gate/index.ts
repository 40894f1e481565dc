/**
 * The leak gate: scans every text an export writes for the original identifiers of the included patients and
 * for identifier-shaped patterns. A hit names the file, the record and the category, never the value.
 *
 * Identifiers: one combined token index over all patients (normalised: lower case, accents stripped, split on
 * anything that is not a letter or digit). A run of consecutive tokens whose concatenation is a key is a hit,
 * so "Jane Doe", "DOE, JANE", "DOE^JANE", "J. Doe", "MRN FAKE 0001" and "mrnfake0001" all meet the same key.
 * A family name alone is judged by the text engine's own decision (deid-text/name-use.ts): used as a person
 * ("Mr. Young", "called White") it is a hit; used as an ordinary or medical word ("Young adult", "white
 * blood cells", "Foley catheter") it is not; where the sentence cannot tell, it is a review hit: it stops the
 * export until a person accepts it (leak-gate/review.ts), and is identified across exports by a fingerprint
 * of its patient, word and neighbouring words. Person Name groups (`Yamada^Tarou=山田^太郎=…`) are names of their
 * own; in Han and kana, which are written without spaces, each character is a token, so 山田 is found inside
 * 患者山田様, and a family or given name of two characters counts alone (a caseless script has no capital and no
 * ordinary-word reading to judge it by). Original dates (birth, study) are found in any format by parsing every
 * date in the text and comparing the day: a date that was not shifted is a leak.
 *
 * Patterns: phone numbers, e-mail and web addresses, IP addresses and social security numbers, except the
 * reserved fictional ranges surrogates use (555-01xx, example.org, 192.0.2.0/24, SSNs starting with 9).
 * Surrogate IDs and names cannot be told from real ones by shape, so for those the identifier scan is the
 * guarantee.
 *
 * A text that is JSON (a JSONL row, a Parquet row as JSON) is scanned as its values, one per line, as a
 * reader of the data sees them: an escape ("\nDoe") cannot hide a name.
 */
import { createHash } from 'node:crypto';
import {
  dateKey,
  initialNameUse,
  nameWordUse,
  normaliseWord,
  parsePersonName,
  personNameGroups,
  scanDates,
  UNSPACED,
} from '../deid-text/index.ts';
import type { KnownIdentifiers, PhiCategory } from '../deid-text/index.ts';

export { dicomScanItems, readableRuns } from './dicom.ts';

/**
 * Identifiers with whose they are (e.g. the patient's pseudonym in a bundle): dates are then only looked for
 * in texts of the same scope, since another patient's shifted date may equal them by chance.
 */
export type ScopedIdentifiers = KnownIdentifiers & { scope?: string };

export interface ScanItem {
  file: string;
  record: string;
  text: string;
  /** The patient (scope) this text belongs to, when known: original dates are matched within it only. */
  scope?: string;
}

export type LeakKind = 'identifier' | 'pattern' | 'review';

export interface LeakHit {
  file: string;
  record: string;
  category: PhiCategory;
  kind: LeakKind;
}

export interface LeakReport {
  ok: boolean;
  hits: LeakHit[];
  textsScanned: number;
  /** Review hits a person accepted (distinct fingerprints): they pass. */
  accepted: number;
}

/**
 * A hit the gate could not decide, with the words themselves: for the review queue only (a terminal, the
 * app), never for a log, an error or --json.
 */
export interface ReviewHit {
  fingerprint: string;
  file: string;
  record: string;
  category: PhiCategory;
  scope: string | null;
  match: string;
  context: string;
}

export interface ScanOptions {
  /** Also flag identifier-shaped patterns (default true). */
  patterns?: boolean;
  /** Fingerprints of review hits a person accepted. */
  accepted?: ReadonlySet<string>;
  /** Called for every review hit not accepted. */
  onReview?: (hit: ReviewHit) => void;
  /** Collects the accepted review hits met (their fingerprints), across calls of a gate fed in batches. */
  acceptedMet?: Set<string>;
}

interface Key {
  category: PhiCategory;
  /** A single word that counts only when written with a capital. */
  capitalOnly: boolean;
  /** Starts with an initial, which counts only as a capital ("A. Small", not "a Small nodule"). */
  initialFirst: boolean;
}

/** The combined index of every identifier; build once per export. */
export interface LeakMatcher {
  keys: Map<string, Key>;
  prefixes: Set<string>;
  /** Original date (YYYYMMDD) → the scopes it belongs to ('' for identifiers without a scope). */
  dates: Map<string, Set<string>>;
  maxTokens: number;
}

/** Words; in scripts written without spaces (Han, kana) each character is a token of its own. */
const TOKEN = new RegExp(`${UNSPACED.source}|(?:(?!${UNSPACED.source})[\\p{L}\\p{N}])+`, 'gu');
/** Identifier keys: 3 characters, or 2 in a script whose characters are syllables or words. */
const longEnough = (key: string) => key.length >= 3 || (key.length === 2 && UNSPACED.test(key));
const tokensOf = (s: string) => (normaliseWord(s).match(TOKEN) ?? []) as string[];

export function buildMatcher(identifiers: ScopedIdentifiers[]): LeakMatcher {
  const keys = new Map<string, Key>();
  const prefixes = new Set<string>();
  const dates = new Map<string, Set<string>>();
  let maxTokens = 1;
  const add = (tokens: string[], category: PhiCategory, capitalOnly = false, initialFirst = false) => {
    const key = tokens.join('');
    if (!longEnough(key)) return;
    const existing = keys.get(key);
    if (existing && !existing.capitalOnly) return;
    keys.set(key, { category, capitalOnly, initialFirst });
    maxTokens = Math.max(maxTokens, tokens.length);
    for (let i = 1; i <= key.length; i++) prefixes.add(key.slice(0, i));
  };
  for (const known of identifiers) {
    for (const raw of [
      ...(known.patientNames ?? []),
      ...(known.physicianNames ?? []),
      ...(known.operatorNames ?? []),
    ].flatMap(personNameGroups)) {
      const p = parsePersonName(raw);
      if (!p) continue;
      const family = p.family.flatMap(tokensOf);
      const given = p.given.flatMap(tokensOf);
      const middle = p.middle.flatMap(tokensOf);
      if (given.length > 0) {
        const g0 = given[0]?.[0] ?? '';
        add([...given, ...family], 'NAME');
        add([...family, ...given], 'NAME');
        add([g0, ...family], 'NAME', false, true);
        if (middle.length > 0) {
          add([...given, ...middle, ...family], 'NAME');
          add([...family, ...given, ...middle], 'NAME');
          add([...given, middle[0]?.[0] ?? '', ...family], 'NAME');
        }
      }
      if (longEnough(family.join(''))) add(family, 'NAME', true);
      // In CJK a given name alone is as telling as a family name.
      if (given.some((t) => UNSPACED.test(t)) && longEnough(given.join(''))) add(given, 'NAME', true);
    }
    for (const id of [
      ...(known.patientIds ?? []),
      ...(known.accessionNumbers ?? []),
      ...(known.otherIds ?? []),
      ...(known.otherStrings ?? []),
    ]) {
      const tokens = tokensOf(id);
      if (tokens.join('').length < 4) continue;
      add(tokens, 'ID');
      const unpadded = tokens.map((t) => (/^\d+$/u.test(t) ? t.replace(/^0+(?=\d)/u, '') : t));
      if (unpadded.join('').length >= 4) add(unpadded, 'ID');
    }
    for (const place of known.institutionNames ?? []) add(tokensOf(place), 'LOCATION');
    for (const address of known.institutionAddresses ?? []) {
      add(tokensOf(address), 'LOCATION');
      const street = address.split(',')[0] ?? '';
      if (/\d/u.test(street) && /\p{L}{3}/u.test(street)) add(tokensOf(street), 'LOCATION');
    }
    for (const d of [known.birthDate, ...(known.studyDates ?? [])]) {
      if (!d || !/^\d{8}$/u.test(d.trim())) continue;
      const owners = dates.get(d.trim()) ?? new Set<string>();
      owners.add(known.scope ?? '');
      dates.set(d.trim(), owners);
    }
  }
  return { keys, prefixes, dates, maxTokens };
}

const PATTERNS: { re: RegExp; category: PhiCategory; fake: (m: string) => boolean }[] = [
  {
    re: /(?<![\w.+-])(?:\+?1[-. ]?)?(?:\(\d{3}\)[ ]?|\d{3}[-. ])(\d{3})[-. ](\d{4})(?![\w]|-\d)/gu,
    category: 'CONTACT',
    fake: (m) => /555[-. ]01\d\d$/u.test(m),
  },
  {
    re: /(?<![\w.+-])[\w.+-]+@([\w-]+(?:\.[\w-]+)+)/gu,
    category: 'CONTACT',
    fake: (m) => /@example\.(?:org|com|net)$/iu.test(m),
  },
  {
    re: /(?<![\w/])(?:https?:\/\/|www\.)[^\s<>"')\]]+/giu,
    category: 'CONTACT',
    fake: (m) => /^(?:https?:\/\/)?(?:www\.)?example\.(?:org|com|net)(?:[/?#]|$)/iu.test(m),
  },
  {
    re: /(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?![\w]|\.\d)/gu,
    category: 'CONTACT',
    fake: (m) => /^(?:192\.0\.2|198\.51\.100|203\.0\.113)\./u.test(m),
  },
  {
    re: /(?<![\w-])\d{3}-\d{2}-\d{4}(?![\w]|-\d)/gu,
    category: 'ID',
    fake: (m) => /^(?:9|000|666)/u.test(m),
  },
];

/** A span the gate could not decide, in the text it was found in. */
interface Undecided {
  category: PhiCategory;
  start: number;
  end: number;
}

/** The categories of leaks in one text (no values), and the spans left to a person. */
export function scanText(
  text: string,
  matcher: LeakMatcher,
  options: ScanOptions = {},
  scope?: string,
): { found: Map<PhiCategory, 'identifier' | 'pattern'>; undecided: Undecided[] } {
  const found = new Map<PhiCategory, 'identifier' | 'pattern'>();
  let undecided: Undecided[] = [];
  /** Where identifiers were found: a word inside one ("YOUNG" of "YOUNG, KEISHA") needs no review. */
  const named: [number, number][] = [];
  const tokens: { norm: string; start: number; end: number; capital: boolean }[] = [];
  for (const m of text.matchAll(TOKEN)) {
    const first = m[0][0] ?? '';
    tokens.push({
      norm: normaliseWord(m[0]),
      start: m.index,
      end: m.index + m[0].length,
      // A caseless script has no capitals to tell a name by: its names always count.
      capital: first !== first.toLowerCase() || UNSPACED.test(first),
    });
  }
  for (let i = 0; i < tokens.length; i++) {
    let concat = '';
    for (let j = i; j < tokens.length && j < i + matcher.maxTokens; j++) {
      const token = tokens[j]!;
      // Tokens of one identifier sit close together: a space, a comma, a caret, a line wrap.
      if (j > i && token.start - tokens[j - 1]!.end > 4) break;
      concat += token.norm;
      if (!matcher.prefixes.has(concat)) break;
      const key = matcher.keys.get(concat);
      if (!key) continue;
      if (key.initialFirst) {
        if (!tokens[i]!.capital) continue;
        // The scrubber's own decision: "A small effusion" is no "A. Small".
        const use = initialNameUse(text, tokens[i]!.start, token.end);
        if (use === 'ordinary') continue;
        if (use === 'undecided') {
          undecided.push({ category: key.category, start: tokens[i]!.start, end: token.end });
          continue;
        }
      }
      if (key.capitalOnly) {
        const unspaced = UNSPACED.test(tokens[i]!.norm);
        if (j > i && !unspaced) continue;
        // Han and kana have no ordinary-word reading to weigh: a known name there always counts.
        const use = unspaced ? 'person' : nameWordUse(text, token.start, token.end);
        if (use === 'ordinary') continue;
        if (use === 'undecided') {
          undecided.push({ category: key.category, start: token.start, end: token.end });
          continue;
        }
      }
      found.set(key.category, 'identifier');
      named.push([tokens[i]!.start, token.end]);
    }
  }
  undecided = undecided.filter((u) => !named.some(([s, e]) => s <= u.start && u.end <= e));
  if (matcher.dates.size > 0) {
    scanDates(text, (hit) => {
      const key = dateKey(hit.parts);
      const owners = key ? matcher.dates.get(key) : undefined;
      // A text of a known patient is checked against that patient's dates (and unscoped ones); a text of no
      // known patient against every date.
      if (owners && (scope === undefined || owners.has(scope) || owners.has('')))
        found.set('DATE', 'identifier');
    });
  }
  if (options.patterns !== false) {
    for (const { re, category, fake } of PATTERNS) {
      if (found.has(category)) continue;
      re.lastIndex = 0;
      for (const m of text.matchAll(re)) {
        if (!fake(m[0])) {
          found.set(category, 'pattern');
          break;
        }
      }
    }
  }
  return { found, undecided };
}

/** Between two JSON values: a line break and more space than one identifier's parts may have between them. */
const VALUE_BREAK = '\n      ';

/** A JSON text as its values, one per line; any other text as it is. */
function readable(text: string): string {
  const first = text.trimStart()[0];
  if (first !== '{' && first !== '[') return text;
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return text;
  }
  const values: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === 'string') values.push(v);
    else if (typeof v === 'number' || typeof v === 'boolean') values.push(String(v));
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(doc);
  return values.join(VALUE_BREAK);
}

const CONTEXT_WORDS = 4;

/**
 * Who decides a review hit is the sentence, not the file: the fingerprint is the patient, category, word and
 * up to four words either side on the same line (folded), so the same sentence in another format or a later
 * export meets the same decision, and a changed sentence asks again.
 */
function reviewHit(item: ScanItem, text: string, u: Undecided): ReviewHit {
  const lineStart = text.lastIndexOf('\n', u.start - 1) + 1;
  const lineEnd = text.indexOf('\n', u.end);
  const words = (s: string) => (normaliseWord(s).match(TOKEN) ?? []) as string[];
  const before = words(text.slice(lineStart, u.start)).slice(-CONTEXT_WORDS);
  const after = words(text.slice(u.end, lineEnd < 0 ? text.length : lineEnd)).slice(0, CONTEXT_WORDS);
  const match = text.slice(u.start, u.end);
  const fingerprint = createHash('sha256')
    .update(JSON.stringify([item.scope ?? null, u.category, normaliseWord(match), before, after]))
    .digest('hex');
  const context = text
    .slice(Math.max(lineStart, u.start - 60), Math.min(lineEnd < 0 ? text.length : lineEnd, u.end + 60))
    .replace(/\s+/gu, ' ')
    .trim();
  return {
    fingerprint,
    file: item.file,
    record: item.record,
    category: u.category,
    scope: item.scope ?? null,
    match,
    context,
  };
}

/** The hits of one item; accepted review hits go to `accepted` (their fingerprints). */
function scanItem(
  item: ScanItem,
  matcher: LeakMatcher,
  options: ScanOptions,
  accepted: Set<string>,
): LeakHit[] {
  const hits: LeakHit[] = [];
  const text = readable(item.text);
  const { found, undecided } = scanText(text, matcher, options, item.scope);
  for (const [category, kind] of found) hits.push({ file: item.file, record: item.record, category, kind });
  const open = new Set<PhiCategory>();
  for (const u of undecided) {
    const hit = reviewHit(item, text, u);
    if (options.accepted?.has(hit.fingerprint)) {
      accepted.add(hit.fingerprint);
      continue;
    }
    options.onReview?.(hit);
    if (!found.has(u.category)) open.add(u.category);
  }
  for (const category of open) hits.push({ file: item.file, record: item.record, category, kind: 'review' });
  return hits;
}

/** Scans every text; `ok` only when nothing was found. Hits never carry the matched value. */
export async function scanTexts(
  items: AsyncIterable<ScanItem> | Iterable<ScanItem>,
  identifiers: ScopedIdentifiers[] | LeakMatcher,
  options: ScanOptions = {},
): Promise<LeakReport> {
  const matcher = Array.isArray(identifiers) ? buildMatcher(identifiers) : identifiers;
  const hits: LeakHit[] = [];
  const accepted = options.acceptedMet ?? new Set<string>();
  let textsScanned = 0;
  for await (const item of items) {
    textsScanned++;
    hits.push(...scanItem(item, matcher, options, accepted));
  }
  return { ok: hits.length === 0, hits, textsScanned, accepted: accepted.size };
}

/** How many of the `accepted` review hits (distinct fingerprints) the texts meet. */
export function acceptedHitsIn(
  items: Iterable<ScanItem>,
  matcher: LeakMatcher,
  accepted: ReadonlySet<string>,
): number {
  const seen = new Set<string>();
  for (const item of items) scanItem(item, matcher, { accepted, patterns: false }, seen);
  return seen.size;
}
