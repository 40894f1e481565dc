/**
 * People named in DICOM descriptors without a title: "Chest for Barnaby Featherstonehaugh", "tech Anna
 * Kowalska", "READ BY ANNA KOWALSKA". A header descriptor is a short label, not prose, so two or three name
 * words after a word that introduces a person are taken as a name unless a word of them is medicine or
 * otherwise known not to be a name. Title Case names count after any such word; names in capitals only after
 * words that can only introduce a person ("by", "tech", "patient"), since "XR CHEST FOR PNEUMONIA EVAL" is
 * not a person. Reports keep the text engine's own rules.
 */
import type { MergeInput } from '../deid-text/index.ts';
import { isMedicalHeadNoun, isMedicalWord, isNotNameWord } from '../deid-text/index.ts';

const TITLE_WORD = `\\p{Lu}\\p{Ll}+(?:[-'’]\\p{Lu}?\\p{Ll}+)?`;
const CAPS_WORD = `\\p{Lu}{2,}(?:[-'’]\\p{Lu}{2,})?`;
const PERSON_ONLY =
  'by|tech|techn?ologist|radiographer|called|seen|read|reported|ordered|requested|referred|operator|physician|nurse|patient|pt|name|mother|father|wife|husband|son|daughter|relative|contact';
const ANY_CONTEXT = `${PERSON_ONLY}|for|per|attn|cc`;

const names = (context: string, word: string): RegExp =>
  new RegExp(`(?<=(?<![\\p{L}])(?i:${context})\\.?[ \\t:]+)(?:${word}[ \\t]+){1,2}${word}(?![\\p{L}])`, 'gu');
const PATTERNS = [names(ANY_CONTEXT, TITLE_WORD), names(PERSON_ONLY, CAPS_WORD)];

const medicine = (word: string) => isMedicalWord(word) || isNotNameWord(word) || isMedicalHeadNoun(word);

/** Name candidates of a descriptor (category NAME, source rule). */
export function descriptorNames(text: string): MergeInput[] {
  const out: MergeInput[] = [];
  for (const re of PATTERNS) {
    re.lastIndex = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      if (m[0].split(/[ \t]+/u).some(medicine)) {
        re.lastIndex = m.index + 1; // "BY ANNA KOWALSKA" is no name, "ANNA KOWALSKA" after it may be
        continue;
      }
      out.push({
        start: m.index,
        end: m.index + m[0].length,
        category: 'NAME',
        source: 'rule:descriptor-person',
        confidence: 0.8,
      });
    }
  }
  return out;
}
