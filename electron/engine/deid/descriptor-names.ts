/**
 * People named in DICOM descriptors without a title: "Chest for Barnaby Featherstonehaugh", "tech Anna
 * Kowalska". A header descriptor is a short label, not prose, so a first and last name in Title Case after a
 * word that introduces a person (for, by, with, tech, called, …) is taken as a name unless a word of it is
 * medicine or otherwise known not to be a name. Reports keep the text engine's own rules.
 */
import type { MergeInput } from '../deid-text/index.ts';
import { isMedicalHeadNoun, isMedicalWord, isNotNameWord } from '../deid-text/index.ts';

const PERSON_CONTEXT =
  /(?<![\p{L}])(?i:for|by|with|tech|techn?ologist|radiographer|called|per|from|to|attn|cc|seen|read|reported|ordered|requested|referred|operator|physician|nurse)[ \t:]+((?:\p{Lu}\p{Ll}+(?:[-'’]\p{Lu}?\p{Ll}+)?[ \t]+){1,2}\p{Lu}\p{Ll}+(?:[-'’]\p{Lu}?\p{Ll}+)?)(?![\p{L}])/gu;

const medicine = (word: string) => isMedicalWord(word) || isNotNameWord(word) || isMedicalHeadNoun(word);

/** Name candidates of a descriptor (category NAME, source rule). */
export function descriptorNames(text: string): MergeInput[] {
  const out: MergeInput[] = [];
  for (const m of text.matchAll(PERSON_CONTEXT)) {
    const name = m[1] ?? '';
    const words = name.split(/[ \t]+/u);
    if (words.some(medicine)) continue;
    const start = m.index + m[0].length - name.length;
    out.push({
      start,
      end: start + name.length,
      category: 'NAME',
      source: 'rule:descriptor-person',
      confidence: 0.8,
    });
  }
  return out;
}
