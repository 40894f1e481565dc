import {
  FACET_KEYS,
  LABEL_STATES,
  type BrowseFacets,
  type BrowseFilters,
  type BrowseItem,
  type BrowseSort,
  type Facet,
  type FacetKey,
  type LabelState,
} from '../../api/browse.ts';
import {
  DEID_CODES,
  DUPLICATE_CODES,
  LABEL_CODE,
  STATUS_CODES,
  type BrowseIndex,
  type Dimension,
} from './browse-index.ts';

type DimKey = Exclude<FacetKey, 'tags'>;
const DIM_KEYS = FACET_KEYS.filter((k): k is DimKey => k !== 'tags');

/** One filter as a test per image position; `slot` says which facet it belongs to. */
interface Check {
  slot: number;
  test: (i: number) => boolean;
}

/**
 * Slots: 0..D-1 the single-valued facets (DIM_KEYS order), D the tags, D+1+k finding k of the labels.
 * Faceted counts of a slot include the images that fail no filter, or fail only that slot's filter.
 */
const TAG_SLOT = DIM_KEYS.length;
/** A filter on a finding no image has: it fails everywhere and has no counts of its own. */
const NO_SLOT = 30_000;
const labelSlot = (k: number) => DIM_KEYS.length + 1 + k;

function compile(index: BrowseIndex, filters: BrowseFilters): Check[] {
  const checks: Check[] = [];
  DIM_KEYS.forEach((key, slot) => {
    const wanted = filters[key];
    if (!wanted || wanted.length === 0) return;
    const dim: Dimension = index.dims[key];
    const allowed = new Uint8Array(dim.values.length);
    for (const v of wanted) {
      const c = dim.values.indexOf(v);
      if (c >= 0) allowed[c] = 1;
    }
    const codes = dim.codes;
    checks.push({ slot, test: (i) => allowed[codes[i]!] === 1 });
  });
  if (filters.tags && filters.tags.length > 0) {
    const allowed = new Set(filters.tags.map((t) => index.tagCode.get(t) ?? -1));
    const tags = index.tags;
    checks.push({ slot: TAG_SLOT, test: (i) => tags[i]!.some((c) => allowed.has(c)) });
  }
  for (const [name, states] of Object.entries(filters.labels ?? {})) {
    if (states.length === 0) continue;
    const k = index.labelNames.indexOf(name);
    const allowed = new Uint8Array(4);
    for (const s of states) allowed[LABEL_CODE[s]] = 1;
    // A finding no image has is "not mentioned" everywhere.
    if (k < 0) {
      if (allowed[LABEL_CODE.absent] !== 1) checks.push({ slot: NO_SLOT, test: () => false });
      continue;
    }
    const col = index.labels[k]!;
    checks.push({ slot: labelSlot(k), test: (i) => allowed[col[i]!] === 1 });
  }
  return checks;
}

/**
 * Per image: 0 when it passes every filter, slot + 1 when exactly that slot's filter fails, -1 when more
 * than one fails.
 */
function failures(index: BrowseIndex, checks: Check[]): Int16Array {
  const out = new Int16Array(index.n);
  if (checks.length === 0) return out;
  for (let i = 0; i < index.n; i++) {
    let failed = 0;
    let slot = 0;
    for (const c of checks) {
      if (c.test(i)) continue;
      failed++;
      slot = c.slot;
      if (failed > 1) break;
    }
    out[i] = failed === 0 ? 0 : failed === 1 ? slot + 1 : -1;
  }
  return out;
}

function compareBy(index: BrowseIndex, sort: BrowseSort): (a: number, b: number) => number {
  const dir = sort.desc ? -1 : 1;
  // Unknown values sort last in either direction; ties keep import order.
  const keyed = (key: (i: number) => number | null) => (a: number, b: number) => {
    const ka = key(a);
    const kb = key(b);
    if (ka === null || kb === null) return ka === kb ? a - b : ka === null ? 1 : -1;
    return ka !== kb ? (ka - kb) * dir : a - b;
  };
  switch (sort.key) {
    case 'studyDate':
      return keyed((i) => index.dateKey[i] || null);
    case 'age':
      return keyed((i) => (Number.isNaN(index.age[i]) ? null : index.age[i]!));
    case 'view': {
      const dim = index.dims.view;
      const unknown = dim.values.indexOf('unknown');
      const rank = new Int32Array(dim.values.length);
      [...dim.values.keys()]
        .sort((x, y) => dim.values[x]!.localeCompare(dim.values[y]!))
        .forEach((c, r) => (rank[c] = r));
      return keyed((i) => (dim.codes[i] === unknown ? null : rank[dim.codes[i]!]!));
    }
    default:
      return (a, b) => (a - b) * dir;
  }
}

/**
 * The matching positions in sort order. The last few results are kept, so scrolling (one page after another
 * with the same filters and sort) filters and sorts once.
 */
const orders = new WeakMap<BrowseIndex, Map<string, Int32Array>>();

export function matching(index: BrowseIndex, filters: BrowseFilters, sort: BrowseSort): Int32Array {
  const key = JSON.stringify([filters, sort]);
  let cache = orders.get(index);
  if (!cache) orders.set(index, (cache = new Map()));
  const hit = cache.get(key);
  if (hit) return hit;
  const fails = failures(index, compile(index, filters));
  let count = 0;
  for (let i = 0; i < index.n; i++) if (fails[i] === 0) count++;
  const out = new Int32Array(count);
  for (let i = 0, k = 0; i < index.n; i++) if (fails[i] === 0) out[k++] = i;
  if (sort.key !== 'import' || sort.desc) out.sort(compareBy(index, sort));
  if (cache.size >= 8) cache.delete(cache.keys().next().value!);
  cache.set(key, out);
  return out;
}

/** Browse's own writes change tags and exclusions in place: cached orders may no longer match. */
export function forgetOrders(index: BrowseIndex): void {
  orders.delete(index);
}

export function item(index: BrowseIndex, i: number): BrowseItem {
  const d = index.dims;
  const value = (dim: Dimension) => dim.values[dim.codes[i]!]!;
  const labels: BrowseItem['labels'] = { positive: [], uncertain: [], negative: [] };
  index.labels.forEach((col, k) => {
    const c = col[i]!;
    if (c === LABEL_CODE.positive) labels.positive.push(index.labelNames[k]!);
    else if (c === LABEL_CODE.uncertain) labels.uncertain.push(index.labelNames[k]!);
    else if (c === LABEL_CODE.negative) labels.negative.push(index.labelNames[k]!);
  });
  const view = value(d.view);
  const sex = value(d.sex);
  const official = value(d.officialSplit);
  const curated = value(d.curatedSplit);
  return {
    id: index.ids[i]!,
    path: index.paths[i]!,
    frame: index.frames[i]!,
    thumbnail: index.thumbs[i]!,
    modality: index.modality[i]!,
    view: view === 'unknown' ? null : view,
    sex: sex === 'unknown' ? null : sex,
    age: Number.isNaN(index.age[i]) ? null : Math.floor(index.age[i]!),
    studyDate: index.studyDate[i]!,
    labels,
    officialSplit: official === 'none' ? null : official,
    curatedSplit: curated === 'none' ? null : curated,
    status: STATUS_CODES[d.status.codes[i]!]!,
    deid: DEID_CODES[d.deid.codes[i]!]!,
    duplicate: DUPLICATE_CODES[d.duplicate.codes[i]!]!,
    tags: index.tags[i]!.map((c) => index.tagNames[c]!).sort(),
    excluded: index.excludedReason[i] !== null,
    excludedReason: index.excludedReason[i]!,
  };
}

const TITLES: Record<FacetKey, string> = {
  source: 'Source',
  view: 'View position',
  sex: 'Sex',
  age: 'Age',
  officialSplit: 'Official split',
  curatedSplit: 'Curated split',
  status: 'Status',
  deid: 'De-identification',
  duplicate: 'Duplicates',
  tags: 'Tags',
};

const VALUE_LABELS: Partial<Record<FacetKey, Record<string, string>>> = {
  sex: { M: 'Male', F: 'Female', O: 'Other', unknown: 'Unknown' },
  view: { unknown: 'Unknown' },
  age: { unknown: 'Unknown' },
  officialSplit: { none: 'None', train: 'Train', validate: 'Validate', test: 'Test' },
  curatedSplit: { none: 'Not kept', train: 'Train', validate: 'Validate', test: 'Test' },
  status: {
    excluded: 'Excluded by user',
    quarantined: 'Quarantined',
    removed: 'Removed by curation',
    kept: 'Kept by curation',
    imported: 'Imported',
  },
  deid: {
    'not-run': 'Not run',
    done: 'Done',
    quarantined: 'Quarantined',
    stale: 'Stale (settings changed)',
    error: 'Failed',
  },
  duplicate: { unique: 'Unique', representative: 'Representative', duplicate: 'Duplicate' },
};

/** Facets whose values have a natural order; the others list the most frequent first. */
const ORDERED: ReadonlySet<FacetKey> = new Set([
  'age',
  'status',
  'deid',
  'duplicate',
  'officialSplit',
  'curatedSplit',
]);

export function facets(index: BrowseIndex, filters: BrowseFilters): BrowseFacets {
  const fails = failures(index, compile(index, filters));
  const dimCounts = DIM_KEYS.map((k) => new Int32Array(index.dims[k].values.length));
  const tagCounts = new Int32Array(index.tagNames.length);
  const labelCounts = index.labels.map(() => new Int32Array(4));
  const hist = new Int32Array(21);
  const codes = DIM_KEYS.map((k) => index.dims[k].codes);
  const ageSlot = DIM_KEYS.indexOf('age');
  let total = 0;
  const countAge = (i: number) => {
    const a = index.age[i]!;
    if (!Number.isNaN(a)) hist[Math.min(20, Math.max(0, Math.floor(a / 5)))]!++;
  };
  for (let i = 0; i < index.n; i++) {
    const f = fails[i]!;
    if (f === 0) {
      total++;
      for (let s = 0; s < codes.length; s++) dimCounts[s]![codes[s]![i]!]!++;
      for (const c of index.tags[i]!) tagCounts[c]!++;
      for (let k = 0; k < labelCounts.length; k++) labelCounts[k]![index.labels[k]![i]!]!++;
      countAge(i);
    } else if (f > 0) {
      const slot = f - 1;
      if (slot < DIM_KEYS.length) {
        dimCounts[slot]![codes[slot]![i]!]!++;
        if (slot === ageSlot) countAge(i);
      } else if (slot === TAG_SLOT) for (const c of index.tags[i]!) tagCounts[c]!++;
      else if (slot !== NO_SLOT) labelCounts[slot - TAG_SLOT - 1]![index.labels[slot - TAG_SLOT - 1]![i]!]!++;
    }
  }
  const out: Facet[] = DIM_KEYS.map((key, s) => {
    const dim = index.dims[key];
    const values = dim.values.map((value, c) => ({
      value,
      label:
        key === 'source'
          ? (index.sourceLabels.get(value) ?? `source ${value}`)
          : (VALUE_LABELS[key]?.[value] ?? value),
      count: dimCounts[s]![c]!,
    }));
    if (!ORDERED.has(key)) values.sort((a, b) => b.count - a.count || a.label.localeCompare(b.label));
    return { key, title: TITLES[key], values };
  });
  out.push({
    key: 'tags',
    title: TITLES.tags,
    values: index.tagNames
      .map((t, c) => ({ value: t, label: t, count: tagCounts[c]! }))
      .sort((a, b) => b.count - a.count || a.value.localeCompare(b.value)),
  });
  return {
    total,
    all: index.n,
    facets: out,
    labels: index.labelNames.map((name, k) => ({
      name,
      counts: Object.fromEntries(
        LABEL_STATES.map((st: LabelState) => [st, labelCounts[k]![LABEL_CODE[st]]!]),
      ) as Record<LabelState, number>,
    })),
    ageHistogram: [...hist].map((count, b) => ({ from: b * 5, to: b === 20 ? 130 : b * 5 + 5, count })),
  };
}
