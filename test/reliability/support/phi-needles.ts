// Every planted identifier of the sample data in the forms a log could carry it: names as stored, with
// spaces, in either order and "LAST, FIRST"; IDs; dates as YYYYMMDD, YYYY-MM-DD, MM/DD/YYYY, DD.MM.YYYY and
// "March 2, 1957"; the address, phone numbers and report phrases as written. Matching is case-insensitive;
// values under 5 characters and single name components are matched as whole tokens only.
import fs from 'node:fs';
import path from 'node:path';
import { MONTH_NAMES } from '../../../electron/engine/deid-text/dates.ts';
import { sampleMimic } from '../../support/dicom-tree.ts';

const planted = path.join(sampleMimic, 'planted-identifiers.json');
/** Name components that are ordinary words in MedPrep's own output ("1 sample", "fake"); matched only in full names. */
const COMMON_WORDS = new Set(['sample', 'fake', 'q']);
const NAME_KEYS = /Name$/u;

export interface Needles {
  substrings: Set<string>;
  tokens: Set<string>;
}

function addDate(n: Needles, d: string): void {
  const m = /^(\d{4})(\d{2})(\d{2})$/u.exec(d);
  if (!m) return;
  const [, y, mo, da] = m as unknown as [string, string, string, string];
  for (const f of [
    d,
    `${y}-${mo}-${da}`,
    `${mo}/${da}/${y}`,
    `${da}.${mo}.${y}`,
    `${MONTH_NAMES[Number(mo) - 1]} ${Number(da)}, ${y}`,
  ])
    n.substrings.add(f.toLowerCase());
}

function addName(n: Needles, name: string): void {
  const parts = name.split('^').filter(Boolean);
  const [last, first, middle] = parts;
  const forms = [name, parts.join(' ')];
  if (first && last)
    forms.push(`${first} ${last}`, `${last}, ${first}`, `${first} ${middle ? `${middle} ` : ''}${last}`);
  for (const f of forms) n.substrings.add(f.toLowerCase());
  for (const p of parts)
    if (p.length >= 3 && !COMMON_WORDS.has(p.toLowerCase())) n.tokens.add(p.toLowerCase());
}

function addValue(n: Needles, v: string): void {
  const s = v.trim().toLowerCase();
  if (s.length >= 5) n.substrings.add(s);
  else if (s) n.tokens.add(s);
}

export function plantedNeedles(): Needles {
  const doc = JSON.parse(fs.readFileSync(planted, 'utf8')) as {
    dicom_headers: Record<string, string[]>;
    reports: Record<string, string[]>;
  };
  const n: Needles = { substrings: new Set(), tokens: new Set() };
  for (const [key, values] of Object.entries(doc.dicom_headers)) {
    for (const v of values) {
      if (/Date$/u.test(key)) addDate(n, v);
      else if (NAME_KEYS.test(key) && key !== 'InstitutionName' && key !== 'StationName') addName(n, v);
      else addValue(n, v);
    }
  }
  for (const phrases of Object.values(doc.reports)) for (const p of phrases) addValue(n, p);
  // Phone numbers also as bare digits.
  for (const s of [...n.substrings])
    if (/^\(\d{3}\) \d{3}-\d{4}$/u.test(s)) n.substrings.add(s.replace(/\D/gu, ''));
  return n;
}

/** The needles found in `text`, with a little context, for a failure message that says where. */
export function findNeedles(text: string, n: Needles): string[] {
  const hay = text.toLowerCase();
  const found: string[] = [];
  const context = (i: number, len: number) => JSON.stringify(text.slice(Math.max(0, i - 40), i + len + 40));
  for (const s of n.substrings) {
    const i = hay.indexOf(s);
    if (i >= 0) found.push(`${s} in ${context(i, s.length)}`);
  }
  for (const t of n.tokens) {
    const re = new RegExp(
      `(?<![\\p{L}\\p{N}])${t.replace(/[.*+?^${}()|[\]\\]/gu, '\\$&')}(?![\\p{L}\\p{N}])`,
      'u',
    );
    const m = re.exec(hay);
    if (m) found.push(`${t} in ${context(m.index, t.length)}`);
  }
  return found;
}
