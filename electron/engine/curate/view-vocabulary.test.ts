import { describe, expect, it } from 'vitest';
import { VIEW_VOCABULARY, type ViewClass, viewClass, viewKey } from './view-vocabulary.ts';

// The view values real exports write (View Position, a dataset's own column) and the DICOM code meanings of
// CID 4010 "DX View", each as written, with the class curation must give it.
const WRITTEN: [string, ViewClass][] = [
  ['FRONTAL', 'frontal'],
  ['Frontal', 'frontal'],
  ['PA', 'frontal'],
  ['AP', 'frontal'],
  ['AP SUPINE', 'frontal'],
  ['AP ERECT', 'frontal'],
  ['ap_supine', 'frontal'],
  ['PORTABLE', 'frontal'],
  ['LATERAL', 'lateral'],
  ['Lateral', 'lateral'],
  ['LAT', 'lateral'],
  ['LL', 'lateral'],
  ['RL', 'lateral'],
  ['LLD', 'other'],
  ['RLD', 'other'],
  ['OBLIQUE', 'other'],
  ['DECUBITUS', 'other'],
  ['PA/LAT', 'unknown'],
  ['PA / LAT', 'unknown'],
  ['postero-anterior', 'frontal'],
  ['antero-posterior', 'frontal'],
  ['lateral', 'lateral'],
  ['left lateral', 'lateral'],
  ['right lateral', 'lateral'],
  ['left lateral decubitus', 'other'],
  ['right lateral decubitus', 'other'],
  ['left anterior oblique', 'other'],
  ['right posterior oblique', 'other'],
];

describe('view vocabulary', () => {
  it.each(WRITTEN)('%s is %s', (written, expected) => {
    expect(viewClass(written)).toBe(expected);
  });

  it('every vocabulary key is already in normal form', () => {
    for (const key of Object.keys(VIEW_VOCABULARY)) expect(viewKey(key)).toBe(key);
  });

  it('an unlisted value is another view, an empty one unknown', () => {
    expect(viewClass('SWIMMERS')).toBe('other');
    expect(viewClass('  ')).toBe('unknown');
    expect(viewClass(null)).toBe('unknown');
  });
});
