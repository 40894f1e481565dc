/**
 * A generated attack set: for each class of identifier that reached exports, sentences written as an attacker
 * would, each in its own case, in ALL CAPITALS and in all lower case (older systems write reports so).
 * Every identifier must be gone from the tagged text; the clinical words around it must stay.
 */
import { describe, expect, it } from 'vitest';
import { ATTACKS as CLASSES } from '../../../test/support/deid-attacks.ts';
import { deidentifyTextSync } from './index.ts';

const CASES: [string, (s: string) => string][] = [
  ['as written', (s) => s],
  ['ALL CAPITALS', (s) => s.toUpperCase()],
  ['all lower case', (s) => s.toLowerCase()],
];

const tagged = (text: string) => deidentifyTextSync(text).text;

describe('attack set: no identifier survives, in any case', () => {
  for (const [name, attacks] of Object.entries(CLASSES)) {
    for (const [caseName, write] of CASES) {
      it(`${name} (${caseName})`, () => {
        for (const { text, secrets } of attacks) {
          const out = tagged(write(text)).toLowerCase();
          for (const secret of secrets) expect(out, write(text)).not.toContain(secret.toLowerCase());
        }
      });
    }
  }

  it('keeps clinical text that only looks like those classes', () => {
    for (const text of [
      'PT REMAINS INTUBATED ON CPAP 5/5, ALERT, ORIENTED X3.',
      'pt remains intubated on cpap 5/5, alert, oriented x3.',
      'Dr. Smith noted a Foley catheter and a Swan-Ganz catheter.',
      'Give 1/2 NS at 100 ml/hr; strength 4/5 in all limbs.',
      'May consider repeat CT in 3 months.',
    ]) {
      const out = tagged(text);
      for (const word of [
        'INTUBATED',
        'CPAP',
        'ALERT',
        'ORIENTED',
        'Foley',
        'Swan-Ganz',
        'NS',
        'May',
        'CT',
      ]) {
        if (text.includes(word)) expect(out, text).toContain(word);
      }
      if (text.includes('1/2')) expect(out).toContain('1/2');
    }
  });
});
