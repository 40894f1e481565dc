import { describe, expect, it } from 'vitest';
import { MEDICAL_ABBREVIATIONS, MEDICAL_EPONYMS } from './medical-terms.ts';
import { deidentifyTextSync } from './index.ts';

// Typical report sentences around each term, including the trigger words the name rules listen to.
const contexts = [
  (t: string) => `There is evidence of ${t} on the current study.`,
  (t: string) => `${t} unchanged since the prior exam.`,
  (t: string) => `Findings were discussed with the team: ${t} as before.`,
  (t: string) => `IMPRESSION:  ${t}, stable.`,
];

describe('the medical allow list', () => {
  it('no allow-listed eponym or abbreviation is redacted in typical contexts', () => {
    const redacted: string[] = [];
    for (const term of [...MEDICAL_EPONYMS, ...MEDICAL_ABBREVIATIONS]) {
      for (const context of contexts) {
        const text = context(term);
        const out = deidentifyTextSync(text);
        if (out.text !== text) redacted.push(`${term}: ${out.text}`);
      }
    }
    expect(redacted).toEqual([]);
  });

  it('a person with an eponym for a family name is still a person after a title', () => {
    expect(deidentifyTextSync('Discussed with Dr. Foley at the bedside.').text).toBe(
      'Discussed with Dr. [NAME] at the bedside.',
    );
  });
});
