/**
 * Dates and times in the formats reports use: detection, parsing to parts, and re-rendering a shifted value in
 * the original format (padding, separators, month spelling and case, ordinal suffixes, 2- or 4-digit years).
 */

/** Whitespace inside one token sequence: spaces, or one line break with its wrap indentation. */
export const WS = '(?:[ \\t]*\\r?\\n[ \\t]*|[ \\t]+)';

export const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const MONTH =
  '(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)';
const MONTH_ABBR = '(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)';
const WEEKDAY =
  '(?:Mon(?:day)?|Tue(?:s(?:day)?)?|Wed(?:nesday)?|Thu(?:r(?:s(?:day)?)?)?|Fri(?:day)?|Sat(?:urday)?|Sun(?:day)?)';
/** A number followed by a unit is a measurement, never a day. */
const NOT_UNIT = '(?![ \\t]*(?:mm|cm|m|ml|mL|cc|kg|g|mg|%|x\\b|×|hours?\\b|days?\\b|weeks?\\b|years?\\b))';

export interface DateParts {
  y?: number;
  m?: number;
  d?: number;
}

export interface TimeParts {
  h: number;
  mi: number;
}

type Field =
  | { f: 'y'; width: number }
  | { f: 'm'; width: number }
  | { f: 'd'; width: number; ord: boolean }
  | { f: 'mon'; len: number; upper: boolean; dot: boolean };

/** A date found in text: where, its parts, and how to write another date the same way. */
export interface DateHit {
  start: number;
  end: number;
  rule: string;
  parts: DateParts;
  template: (string | Field)[];
}

export interface TimeHit {
  start: number;
  end: number;
  parts: TimeParts;
  template: (string | { f: 'h'; width: number; twelve: boolean } | { f: 'mi' })[];
}

interface DateRule {
  name: string;
  re: RegExp;
  /** Reads the groups; returns parts or null when the match is not a valid date. */
  order: 'mdy' | 'dmy' | 'ymd' | 'named';
}

const rx = (source: string, flags = 'gdu') => new RegExp(source, flags);

const DATE_RULES: DateRule[] = [
  {
    name: 'date-numeric',
    order: 'mdy',
    re: rx('(?<![\\w./-])(?<a>\\d{1,2})(?<s>[/-])(?<b>\\d{1,2})\\k<s>(?<y>\\d{4}|\\d{2})(?![\\w/]|[.-]\\d)'),
  },
  {
    name: 'date-dotted',
    order: 'dmy',
    re: rx('(?<![\\w.])(?<a>\\d{1,2})\\.(?<b>\\d{1,2})\\.(?<y>\\d{4}|\\d{2})(?![\\w]|\\.\\d)'),
  },
  {
    name: 'date-iso',
    order: 'ymd',
    re: rx(
      '(?<![\\w./-])(?<y>(?:19|20)\\d{2})(?<s>[-/.])(?<a>\\d{1,2})\\k<s>(?<b>\\d{1,2})(?![\\w]|[./-]\\d)|(?<![\\w./-])(?<y2>(?:19|20)\\d{2})(?<s2>[-/.])(?<a2>\\d{1,2})\\k<s2>(?<b2>\\d{1,2})(?=T\\d)',
    ),
  },
  {
    name: 'date-compact',
    order: 'ymd',
    re: rx('(?<![\\w.])(?<y>(?:19|20)\\d{2})(?<a>0[1-9]|1[0-2])(?<b>0[1-9]|[12]\\d|3[01])(?![\\w]|\\.\\d)'),
  },
  {
    name: 'date-month-day',
    order: 'named',
    re: rx(
      `(?<![\\w])(?:${WEEKDAY}\\.?,?${WS})?(?<mon>${MONTH})\\.?${WS}(?<d>\\d{1,2})(?<ord>st|nd|rd|th)?${NOT_UNIT}(?:,?${WS}(?:of${WS})?(?<y>(?:1[89]|20)\\d{2}))?(?![\\w]|[.:,]\\d)`,
      'gdiu',
    ),
  },
  {
    name: 'date-day-month',
    order: 'named',
    re: rx(
      `(?<![\\w.])(?:${WEEKDAY}\\.?,?${WS})?(?<d>\\d{1,2})(?<ord>st|nd|rd|th)?(?:${WS}of)?${WS}(?<mon>${MONTH})\\.?(?:,?${WS}(?<y>(?:1[89]|20)\\d{2}))?(?![\\w])`,
      'gdiu',
    ),
  },
  {
    name: 'date-day-mon-year',
    order: 'named',
    re: rx(
      `(?<![\\w.])(?<d>\\d{1,2})(?<s>[- ]?)(?<mon>${MONTH_ABBR})\\k<s>(?<y>(?:1[89]|20)\\d{2}|\\d{2})(?![\\w])`,
      'gdiu',
    ),
  },
  {
    name: 'date-month-year',
    order: 'named',
    re: rx(`(?<![\\w])(?<mon>${MONTH})\\.?,?${WS}(?:of${WS})?(?<y>(?:1[89]|20)\\d{2})(?![\\w])`, 'gdiu'),
  },
  {
    name: 'date-month-slash-day',
    order: 'mdy',
    re: rx(
      `(?<=\\b(?:on|dated|since|from|until|through|by|of)${WS})(?<a>\\d{1,2})/(?<b>\\d{1,2})(?![\\w/]|\\.\\d)`,
      'gdiu',
    ),
  },
  {
    // "7/22" standing alone (nursing and radiology notes leave out the year): a valid month and day, not a
    // fraction, ratio or score ("1/2 NS", "4/5 strength", "2/2 cultures").
    name: 'date-month-day-bare',
    order: 'mdy',
    re: rx(
      `(?<![\\w./:+-])(?<a>0?[1-9]|1[0-2])/(?<b>0?[1-9]|[12]\\d|3[01])(?![\\w/%]|[.,]\\d|[ \\t]*(?:strength|str|NS|normal|cultures?|bottles?|sets?|tabs?|doses?|units?|beats?|views?|of|x|mm|cm|ml|cc|mg)\\b)`,
      'gdiu',
    ),
  },
  {
    name: 'date-ordinal-day',
    order: 'named',
    re: rx(
      `(?<=\\b(?:on|since|until|from|by|before|after|dated)${WS}the${WS})(?<d>\\d{1,2})(?<ord>st|nd|rd|th)(?![\\w])(?!${WS}(?:and${WS}\\d|rib|ribs|intercostal|interspace|space|metacarpal|metatarsal|vertebra|cervical|thoracic|lumbar|toe|finger|digit|percentile|ventricle|cranial|nerve|anterior|posterior|lateral|right|left|through|to|-))`,
      'gdiu',
    ),
  },
];

const TIME_RULES: RegExp[] = [
  rx(
    '(?<![\\w:.])(?<h>[01]?\\d|2[0-3]):(?<mi>[0-5]\\d)(?::[0-5]\\d)?(?:(?:[ \\t]?|[ \\t]*\\n[ \\t]*)(?<ap>[AaPp]\\.[Mm]\\.|[AaPp][Mm]))?(?![\\w:]|\\.\\d)',
  ),
  rx(
    '(?<![\\w:.])(?<h>1[0-2]|0?[1-9])(?:[ \\t]?|[ \\t]*\\n[ \\t]*)(?<ap>[AaPp]\\.[Mm]\\.|[AaPp][Mm])(?![\\w])',
  ),
  rx(
    '(?<![\\w:.])(?<h>[01]\\d|2[0-3])(?<mi>[0-5]\\d)(?:[ \\t]?|[ \\t]*\\n[ \\t]*)(?:hours|hrs|hr|h)(?![\\w])',
  ),
];

function monthIndex(name: string): number {
  return MONTH_NAMES.findIndex((m) => m.slice(0, 3).toLowerCase() === name.slice(0, 3).toLowerCase()) + 1;
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function validDay(m: number | undefined, d: number | undefined): boolean {
  if (m !== undefined && (m < 1 || m > 12)) return false;
  if (d === undefined) return true;
  return d >= 1 && d <= (m === undefined ? 31 : (DAYS_IN_MONTH[m - 1] ?? 31));
}

function fullYear(y: number, width: number): number {
  if (width > 2) return y;
  return y <= 50 ? 2000 + y : 1900 + y;
}

type Indices = Record<string, [number, number] | undefined>;

/** Calls `found` for every date in `text`, each with its parts and a template for rewriting it. */
export function scanDates(text: string, found: (hit: DateHit) => void): void {
  for (const rule of DATE_RULES) {
    rule.re.lastIndex = 0;
    for (const match of text.matchAll(rule.re)) {
      const hit = readDate(rule, match, text);
      if (hit && !(rule.name === 'date-month-day-bare' && notBareDate(text, hit))) found(hit);
    }
  }
}

/** Just before a bare "5/5": ventilator settings, scales and scores use the same shape. */
const SETTING_BEFORE =
  /(?:cpap|bipap|peep|psv?|imv|simv|a\/c|wean(?:ed|ing)?|pressure support|pain|strength|grade|scale|score)\b[^.;\n]{0,20}$/iu;

function notBareDate(text: string, hit: DateHit): boolean {
  const { m = 0, d = 0 } = hit.parts;
  const fraction = m < d && d <= 4;
  return fraction || SETTING_BEFORE.test(text.slice(Math.max(0, hit.start - 32), hit.start));
}

function readDate(rule: DateRule, match: RegExpExecArray | RegExpMatchArray, text: string): DateHit | null {
  const g = match.groups ?? {};
  const idx = (match as RegExpMatchArray & { indices?: { groups?: Indices } }).indices?.groups ?? {};
  const start = match.index ?? 0;
  const end = start + match[0].length;
  const fields: { range: [number, number]; field: Field }[] = [];
  const parts: DateParts = {};

  if (rule.order === 'named') {
    const mon = g.mon;
    if (mon !== undefined) {
      // Month names are proper nouns: "may 2" and "mar 14" in lower case are words, not dates.
      // "may" and "mar" in lower case are words; every other month is a month in any case ("jan 3", "OCT 4").
      const first = mon[0] ?? '';
      if (first !== first.toUpperCase() && /^(?:may|mar)$/iu.test(mon) && g.y === undefined) return null;
      const range = idx.mon;
      const after = range ? text[range[1]] : undefined;
      const isUpper = mon.length > 1 && mon === mon.toUpperCase();
      parts.m = monthIndex(mon);
      if (range)
        fields.push({ range, field: { f: 'mon', len: mon.length, upper: isUpper, dot: after === '.' } });
    }
    if (g.d !== undefined && idx.d) {
      parts.d = Number(g.d);
      const ordEnd = idx.ord ? idx.ord[1] : idx.d[1];
      fields.push({
        range: [idx.d[0], ordEnd],
        field: { f: 'd', width: g.d.startsWith('0') ? 2 : 1, ord: g.ord !== undefined },
      });
    }
    if (g.y !== undefined && idx.y) {
      parts.y = fullYear(Number(g.y), g.y.length);
      fields.push({ range: idx.y, field: { f: 'y', width: g.y.length } });
    }
  } else {
    const a = g.a ?? g.a2;
    const b = g.b ?? g.b2;
    const yText = g.y ?? g.y2;
    const ra = idx.a ?? idx.a2;
    const rb = idx.b ?? idx.b2;
    const ry = idx.y ?? idx.y2;
    if (a === undefined || b === undefined || !ra || !rb) return null;
    let [m, d, rm, rd] = [Number(a), Number(b), ra, rb];
    if (rule.order === 'dmy' || (rule.order === 'mdy' && m > 12 && d <= 12)) [m, d, rm, rd] = [d, m, rb, ra];
    if (rule.order === 'ymd') [m, d, rm, rd] = [Number(a), Number(b), ra, rb];
    parts.m = m;
    parts.d = d;
    // Zero padding is kept where the original shows it ("03/14"), so "3/14/21" stays unpadded.
    const padded = rule.name === 'date-iso' || rule.name === 'date-compact' || /(?:^|\D)0\d/u.test(match[0]);
    fields.push({ range: rm, field: { f: 'm', width: padded ? 2 : 1 } });
    fields.push({ range: rd, field: { f: 'd', width: padded ? 2 : 1, ord: false } });
    if (yText !== undefined && ry) {
      parts.y = fullYear(Number(yText), yText.length);
      fields.push({ range: ry, field: { f: 'y', width: yText.length } });
    }
  }
  if (!validDay(parts.m, parts.d) || (parts.m === 0 && rule.order === 'named')) return null;
  if (parts.y !== undefined && (parts.y < 1850 || parts.y > 2100)) return null;

  fields.sort((x, y) => x.range[0] - y.range[0]);
  const template: (string | Field)[] = [];
  let at = start;
  for (const { range, field } of fields) {
    if (range[0] > at) template.push(text.slice(at, range[0]));
    template.push(field);
    at = range[1];
  }
  if (at < end) template.push(text.slice(at, end));
  return { start, end, rule: rule.name, parts, template };
}

/** Calls `found` for every clock time in `text`. */
export function scanTimes(text: string, found: (hit: TimeHit) => void): void {
  for (const re of TIME_RULES) {
    re.lastIndex = 0;
    for (const match of text.matchAll(re)) {
      const g = match.groups ?? {};
      const idx = (match as RegExpMatchArray & { indices?: { groups?: Indices } }).indices?.groups ?? {};
      const start = match.index;
      const end = start + match[0].length;
      let h = Number(g.h);
      const twelve = g.ap !== undefined;
      if (twelve && /^[Pp]/.test(g.ap ?? '') && h < 12) h += 12;
      if (twelve && /^[Aa]/.test(g.ap ?? '') && h === 12) h = 0;
      const template: TimeHit['template'] = [];
      const hRange = idx.h;
      if (!hRange) continue;
      template.push(text.slice(start, hRange[0]));
      template.push({ f: 'h', width: (g.h ?? '').length, twelve });
      let at = hRange[1];
      if (idx.mi) {
        template.push(text.slice(at, idx.mi[0]));
        template.push({ f: 'mi' });
        at = idx.mi[1];
      }
      template.push(text.slice(at, end));
      found({ start, end, parts: { h, mi: g.mi === undefined ? 0 : Number(g.mi) }, template });
    }
  }
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

function ordinal(n: number): string {
  if (n % 100 >= 11 && n % 100 <= 13) return 'th';
  return ['th', 'st', 'nd', 'rd'][n % 10] ?? 'th';
}

/** Writes `parts` moved by `shiftDays` in the format the template recorded. */
export function renderShiftedDate(hit: DateHit, shiftDays: number): string {
  const { y, m, d } = hit.parts;
  // Partial dates shift against a leap reference year, so "Feb 29" and "the 31st" stay writable.
  const base = Date.UTC(y ?? 2000, (m ?? 1) - 1, d ?? 15);
  const shifted = new Date(base + shiftDays * 86_400_000);
  const out = { y: shifted.getUTCFullYear(), m: shifted.getUTCMonth() + 1, d: shifted.getUTCDate() };
  let text = '';
  for (const piece of hit.template) {
    if (typeof piece === 'string') {
      text += piece;
      continue;
    }
    switch (piece.f) {
      case 'y':
        text += piece.width <= 2 ? pad(out.y % 100, 2) : String(out.y);
        break;
      case 'm':
        text += pad(out.m, piece.width);
        break;
      case 'd':
        text += pad(out.d, piece.width) + (piece.ord ? ordinal(out.d) : '');
        break;
      case 'mon': {
        const full = MONTH_NAMES[out.m - 1] ?? 'January';
        let name = piece.len <= 4 && !(piece.len === 4 && full.length === 4) ? full.slice(0, 3) : full;
        if (piece.len === 4 && full.length > 4 && full.startsWith('Sept')) name = 'Sept';
        text += piece.upper ? name.toUpperCase() : name;
        break;
      }
    }
  }
  return text;
}

/** Writes a time moved by `shiftMinutes` (wrapping within the day) in its original format. */
export function renderShiftedTime(hit: TimeHit, shiftMinutes: number): string {
  const total = (((hit.parts.h * 60 + hit.parts.mi + shiftMinutes) % 1440) + 1440) % 1440;
  const h = Math.floor(total / 60);
  const mi = total % 60;
  let text = '';
  for (const piece of hit.template) {
    if (typeof piece === 'string') text += piece;
    else if (piece.f === 'mi') text += pad(mi, 2);
    else text += pad(piece.twelve ? ((h + 11) % 12) + 1 : h, piece.width);
  }
  if (hit.template.some((p) => typeof p !== 'string' && p.f === 'h' && p.twelve)) {
    const pm = h >= 12;
    text = text.replace(/([AaPp])(\.?[Mm]\.?)$/u, (_all, letter: string, rest: string) => {
      const upper = letter === letter.toUpperCase();
      return (pm ? (upper ? 'P' : 'p') : upper ? 'A' : 'a') + rest;
    });
  }
  return text;
}

/** The `YYYYMMDD` key of complete dates, for comparing against header dates. */
export function dateKey(parts: DateParts): string | null {
  if (parts.y === undefined || parts.m === undefined || parts.d === undefined) return null;
  return `${parts.y}${pad(parts.m, 2)}${pad(parts.d, 2)}`;
}

/** Every common way of writing the `YYYYMMDD` date, for finding a header date verbatim. */
export function dateVariants(yyyymmdd: string): string[] {
  const match = /^(\d{4})(\d{2})(\d{2})$/u.exec(yyyymmdd.trim());
  if (!match) return [];
  const [, ys, ms, ds] = match as unknown as [string, string, string, string];
  const y = Number(ys);
  const m = Number(ms);
  const d = Number(ds);
  const yy = ys.slice(2);
  const full = MONTH_NAMES[m - 1];
  if (!full || d < 1 || d > 31) return [];
  const abbr = full.slice(0, 3);
  const out = new Set<string>([
    ys + ms + ds,
    `${ys}-${ms}-${ds}`,
    `${ys}/${ms}/${ds}`,
    `${ys}.${ms}.${ds}`,
    `${y}-${m}-${d}`,
  ]);
  for (const mm of [ms, String(m)]) {
    for (const dd of [ds, String(d)]) {
      for (const yr of [ys, yy]) {
        out.add(`${mm}/${dd}/${yr}`);
        out.add(`${mm}-${dd}-${yr}`);
        out.add(`${dd}.${mm}.${yr}`);
        out.add(`${dd}/${mm}/${yr}`);
      }
    }
  }
  for (const name of [full, abbr, `${abbr}.`]) {
    out.add(`${name} ${d}, ${y}`);
    out.add(`${name} ${d} ${y}`);
    out.add(`${name} ${d}${ordinal(d)}, ${y}`);
    out.add(`${d} ${name} ${y}`);
    out.add(`${d}${ordinal(d)} ${name} ${y}`);
    out.add(`${d}${ordinal(d)} of ${name} ${y}`);
  }
  out.add(`${ds}-${abbr}-${ys}`);
  out.add(`${d}-${abbr}-${ys}`);
  out.add(`${ds}${abbr}${ys}`);
  return [...out];
}
