import { franc } from 'franc-min';
import { describe, expect, it } from 'vitest';
import { REPORT_LANGUAGES, reportLanguage } from './text-stats.ts';

// Short English reports in the Open-i style, each of which the trigram detector alone (franc) takes for
// another language.
const SHORT_ENGLISH = [
  'Normal heart size. Clear lungs. Normal chest exam.',
  'Normal chest exam. Heart size normal. Lungs clear.',
  'Clear lungs. Normal heart size. Normal mediastinum.',
  'Heart size normal. Lungs clear. No pneumothorax.',
  'Normal heart size and mediastinal contours. Clear lungs.',
  'Normal cardiomediastinal silhouette. Clear lungs. Normal exam.',
  'Lungs clear. Heart size normal. Normal exam.',
  'Stable normal chest. Clear lungs. Normal heart size.',
  'Normal heart size, clear lungs, normal osseous structures.',
  // The one Open-i report the first vocabulary missed.
  'No pneumonia. Heart size normal. Scoliosis.',
];

const OTHER_LANGUAGES: [string, string][] = [
  ['Tamaño cardiaco normal. No se observan consolidaciones ni derrame pleural.', 'spa'],
  ['Silhouette cardiaque normale. Pas d épanchement pleural ni de pneumothorax.', 'fra'],
  ['Herz normal groß. Kein Pleuraerguss, kein Pneumothorax. Lunge frei.', 'deu'],
  ['Cuore di dimensioni normali. Non versamento pleurico. Polmoni liberi.', 'ita'],
];

describe('report language', () => {
  it.each(SHORT_ENGLISH)('"%s" is English (franc alone misreads it)', (text) => {
    expect(franc(text, { minLength: 40, only: REPORT_LANGUAGES })).not.toBe('eng');
    expect(reportLanguage(text, false, 40)).toBe('eng');
  });

  it.each(OTHER_LANGUAGES)('"%s" keeps its language (%s)', (text, language) => {
    expect(reportLanguage(text, false, 40)).toBe(language);
  });

  it('text under the minimum length is undetermined', () => {
    expect(reportLanguage('Clear lungs.', false, 40)).toBe('und');
  });
});
