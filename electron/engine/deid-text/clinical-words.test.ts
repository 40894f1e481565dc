import { describe, expect, it } from 'vitest';
import { deidentifyTextSync } from './index.ts';

// Already de-identified reports in the Open-i style ("XXXX" where the collection scrubbed a value): nothing
// but the placeholders may be marked, however much the capitals and commas look like "LAST, FIRST".
const SCRUBBED = [
  'INDICATION: PAIN, AFIB. Chest pain for XXXX days.',
  'HISTORY: s/p REPAIR, OBESITY. Evaluate for pneumonia.',
  'IMPRESSION: Calcified granulomas, likely from HISTOPLASMOSIS, OR MALIGNANCY less likely.',
  'INDICATION: POD 3 from CABG, shortness of breath.',
  'HISTORY: Prior CVA, now with cough.',
  'INDICATION: XXXX-year-old male, MVC. Chest pain.',
  'INDICATION: FEVER, COUGH. Rule out pneumonia.',
  'HISTORY: SARCOIDOSIS, DYSPNEA ON EXERTION.',
];

describe('comma-separated medical terms are not names', () => {
  it.each(SCRUBBED)('"%s" keeps all its words', (text) => {
    const r = deidentifyTextSync(text);
    const marked = r.spans.filter((s) => !s.source.startsWith('placeholder'));
    expect(marked.map((s) => text.slice(s.start, s.end))).toEqual([]);
  });

  it.each([
    ['Patient DOE, JANE seen in clinic.', 'DOE, JANE'],
    ['Films reviewed with SMITH, JOHN at the bedside.', 'SMITH, JOHN'],
    ['Worklist: GARCIA, PALOMA.', 'GARCIA, PALOMA'],
  ])('"%s" still loses the name %s', (text, name) => {
    expect(deidentifyTextSync(text).text).not.toContain(name);
  });
});
