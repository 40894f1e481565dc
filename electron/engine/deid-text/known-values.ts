/**
 * Which known identifier values are worth looking for. A value that carries no information (`-`, `----`,
 * `a`) would become a pattern that matches everything or nothing at all (an empty match loops forever), so
 * a word counts only with two letters or digits, or one ideograph (a one-character CJK given name is a
 * name). A DICOM Person Name holds up to three component groups, alphabetic=ideographic=phonetic
 * (PS3.5 6.2.1); each group is a name of its own.
 */

const IDEOGRAPH = /[\p{Script=Han}\p{Script=Hangul}]/u;
const LETTER_OR_DIGIT = /[\p{L}\p{N}]/gu;

/** Scripts written without spaces between words: a name is found inside a run of letters. */
export const UNSPACED = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;

export function informativeWord(word: string): boolean {
  return IDEOGRAPH.test(word) || (word.match(LETTER_OR_DIGIT)?.length ?? 0) >= 2;
}

/** The component groups of a Person Name value, each non-empty (`Yamada^Tarou=山田^太郎=やまだ^たろう`). */
export function personNameGroups(raw: string): string[] {
  return raw
    .split('=')
    .map((g) => g.trim())
    .filter((g) => g.replace(/\^/gu, '').trim() !== '');
}
