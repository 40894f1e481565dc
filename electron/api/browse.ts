// Browse channels: query, facet, tag and exclude images at 100,000+ rows. Types and constants only (the
// renderer imports this module).

/** A finding's state for one image: 1 positive, 0 negative, -1 uncertain, no row (or NULL) not mentioned. */
export type LabelState = 'positive' | 'negative' | 'uncertain' | 'absent';
export const LABEL_STATES: readonly LabelState[] = ['positive', 'negative', 'uncertain', 'absent'];

/** The single-valued facets (plus tags, which is multi-valued); labels are faceted per finding. */
export type FacetKey =
  | 'source'
  | 'view'
  | 'sex'
  | 'age'
  | 'officialSplit'
  | 'curatedSplit'
  | 'status'
  | 'deid'
  | 'duplicate'
  | 'tags';
export const FACET_KEYS: readonly FacetKey[] = [
  'source',
  'view',
  'sex',
  'age',
  'officialSplit',
  'curatedSplit',
  'status',
  'deid',
  'duplicate',
  'tags',
];

/**
 * Filters: within a facet the chosen values are alternatives (OR), facets combine with AND; each finding
 * of `labels` is its own facet. `tags` matches images carrying any of the tags. An empty list is no filter.
 */
export type BrowseFilters = Partial<Record<FacetKey, string[]>> & {
  labels?: Record<string, LabelState[]>;
};

export type BrowseSortKey = 'import' | 'studyDate' | 'age' | 'view';
export const BROWSE_SORT_KEYS: readonly BrowseSortKey[] = ['import', 'studyDate', 'age', 'view'];
export interface BrowseSort {
  key: BrowseSortKey;
  desc?: boolean;
}

/** Curation status of an image, the first that applies in this order. */
export type BrowseStatus = 'excluded' | 'quarantined' | 'removed' | 'kept' | 'imported';
export type DeidState = 'not-run' | 'done' | 'quarantined' | 'stale' | 'error';
export type DuplicateState = 'unique' | 'representative' | 'duplicate';

/** What a grid card shows. */
export interface BrowseItem {
  id: number;
  /** Path relative to its source folder. */
  path: string;
  frame: number;
  /** Thumbnail URL relative to the renderer's origin (media route), or null. */
  thumbnail: string | null;
  modality: string | null;
  view: string | null;
  sex: string | null;
  /** Whole years at the study, or null. */
  age: number | null;
  studyDate: string | null;
  /** Findings by state (not-mentioned ones are left out). */
  labels: { positive: string[]; uncertain: string[]; negative: string[] };
  officialSplit: string | null;
  curatedSplit: string | null;
  status: BrowseStatus;
  deid: DeidState;
  duplicate: DuplicateState;
  tags: string[];
  excluded: boolean;
  excludedReason: string | null;
}

export interface FacetValue {
  value: string;
  label: string;
  count: number;
}

export interface Facet {
  key: FacetKey;
  title: string;
  values: FacetValue[];
}

export interface LabelFacet {
  name: string;
  counts: Record<LabelState, number>;
}

export interface BrowseFacets {
  /** Images matching every filter. */
  total: number;
  /** Images in the project. */
  all: number;
  /** Counts per value with every other facet's filter applied (faceted-search semantics). */
  facets: Facet[];
  labels: LabelFacet[];
  /** Ages in 5-year bins (the age filter itself not applied), for the sidebar's histogram. */
  ageHistogram: { from: number; to: number; count: number }[];
}

export interface BrowseInvoke {
  'browse.query': (args: { filters?: BrowseFilters; sort?: BrowseSort; offset: number; limit: number }) => {
    total: number;
    items: BrowseItem[];
  };
  'browse.facets': (args: { filters?: BrowseFilters }) => BrowseFacets;
  /** Every matching id in the sort order: "select all N matching". */
  'browse.ids': (args: { filters?: BrowseFilters; sort?: BrowseSort }) => { ids: number[] };
  'browse.tag': (args: { ids: number[]; add?: string[]; remove?: string[] }) => { changed: number };
  /** Excluded images are removed by the next curation run (and left out of SFT and export at once). */
  'browse.exclude': (args: { ids: number[]; excluded: boolean; reason?: string }) => { changed: number };
}

export const BROWSE_CHANNELS = [
  'browse.query',
  'browse.facets',
  'browse.ids',
  'browse.tag',
  'browse.exclude',
] as const satisfies readonly (keyof BrowseInvoke)[];
