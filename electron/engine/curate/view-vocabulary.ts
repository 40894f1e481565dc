/**
 * View vocabulary as data: every spelling of a radiograph's view that exports write, in View Position
 * (0018,5101), a dataset's own column (Open-i's "Frontal", PADCHEST's Projection) or a View Code Sequence's
 * code meaning (CID 4010 "DX View": "postero-anterior", "left lateral decubitus"), to the class curation
 * filters on. Keys are normalised as `viewKey` does: upper case, hyphens and underscores as spaces.
 */
export type ViewClass = 'frontal' | 'lateral' | 'other' | 'unknown';

export const VIEW_VOCABULARY: Readonly<Record<string, ViewClass>> = {
  // Frontal: the dataset-level word, PA and AP with their positions, and a portable chest (taken AP).
  FRONTAL: 'frontal',
  PA: 'frontal',
  AP: 'frontal',
  'AP SUPINE': 'frontal',
  'AP ERECT': 'frontal',
  'AP UPRIGHT': 'frontal',
  'AP SEMI ERECT': 'frontal',
  'AP HORIZONTAL': 'frontal',
  'AP PORTABLE': 'frontal',
  PORTABLE: 'frontal',
  'PORTABLE AP': 'frontal',
  'PA ERECT': 'frontal',
  'PA UPRIGHT': 'frontal',
  'POSTERO ANTERIOR': 'frontal',
  'ANTERO POSTERIOR': 'frontal',
  POSTEROANTERIOR: 'frontal',
  ANTEROPOSTERIOR: 'frontal',
  // Lateral: either side, abbreviated (LL left, RL right, L in PADCHEST), cross-table.
  LATERAL: 'lateral',
  LAT: 'lateral',
  LL: 'lateral',
  RL: 'lateral',
  L: 'lateral',
  'LEFT LATERAL': 'lateral',
  'RIGHT LATERAL': 'lateral',
  'L LATERAL': 'lateral',
  'R LATERAL': 'lateral',
  'XTABLE LATERAL': 'lateral',
  'X TABLE LATERAL': 'lateral',
  'CROSS TABLE LATERAL': 'lateral',
  // Other views: decubitus (lying on a side, horizontal beam), obliques, lordotic, rib views.
  LLD: 'other',
  RLD: 'other',
  DECUBITUS: 'other',
  'LEFT LATERAL DECUBITUS': 'other',
  'RIGHT LATERAL DECUBITUS': 'other',
  'AP LLD': 'other',
  'AP RLD': 'other',
  OBLIQUE: 'other',
  LAO: 'other',
  RAO: 'other',
  LPO: 'other',
  RPO: 'other',
  'LEFT ANTERIOR OBLIQUE': 'other',
  'RIGHT ANTERIOR OBLIQUE': 'other',
  'LEFT POSTERIOR OBLIQUE': 'other',
  'RIGHT POSTERIOR OBLIQUE': 'other',
  'AP AXIAL': 'other',
  'AP LORDOTIC': 'other',
  LORDOTIC: 'other',
  COSTAL: 'other',
  // A study label naming both views: which one this image shows cannot be told from it.
  'PA/LAT': 'unknown',
  'PA AND LAT': 'unknown',
  'PA AND LATERAL': 'unknown',
};

/** The vocabulary's key for a written view: upper case, hyphens and underscores as spaces, spaces single. */
export function viewKey(written: string): string {
  return written
    .trim()
    .toUpperCase()
    .replace(/[_-]+/gu, ' ')
    .replace(/\s+/gu, ' ')
    .replace(/ ?\/ ?/gu, '/');
}

/** The class of a written view; a value outside the vocabulary is 'other', an empty one 'unknown'. */
export function viewClass(written: string | null): ViewClass {
  const key = viewKey(written ?? '');
  if (!key) return 'unknown';
  return VIEW_VOCABULARY[key] ?? 'other';
}
