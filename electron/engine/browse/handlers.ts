import {
  BROWSE_SORT_KEYS,
  FACET_KEYS,
  LABEL_STATES,
  type BrowseFilters,
  type BrowseInvoke,
  type BrowseSort,
  type BrowseSortKey,
  type LabelState,
} from '../../api/browse.ts';
import { int, optStr, record } from '../args.ts';
import type { EngineContext, HandlersFor } from '../context.ts';
import { ApiError } from '../errors.ts';
import { indexFor } from './browse-index.ts';
import { facets, item, matching } from './query.ts';
import { excludeImages, tagImages } from './writes.ts';

/** The engine answers at most this many cards per call (a few screens of the grid). */
const MAX_PAGE = 1000;
const MAX_IDS = 1_000_000;

function stringList(v: unknown, what: string): string[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string'))
    throw new ApiError('bad-request', `${what} must be a list of strings.`);
  return v as string[];
}

export function parseFilters(v: unknown): BrowseFilters {
  if (v === undefined || v === null) return {};
  const r = record(v);
  const out: BrowseFilters = {};
  for (const [key, value] of Object.entries(r)) {
    if (key === 'labels') {
      const labels: Record<string, LabelState[]> = {};
      for (const [name, states] of Object.entries(record(value))) {
        const list = stringList(states, `"filters.labels.${name}"`);
        for (const s of list)
          if (!(LABEL_STATES as readonly string[]).includes(s))
            throw new ApiError('bad-request', `Label state "${s}" is not one of ${LABEL_STATES.join(', ')}.`);
        labels[name] = list as LabelState[];
      }
      out.labels = labels;
    } else if ((FACET_KEYS as readonly string[]).includes(key)) {
      out[key as (typeof FACET_KEYS)[number]] = stringList(value, `"filters.${key}"`);
    } else throw new ApiError('bad-request', `Unknown filter "${key}".`);
  }
  return out;
}

export function parseSort(v: unknown): BrowseSort {
  if (v === undefined || v === null) return { key: 'import' };
  const r = record(v);
  if (!(BROWSE_SORT_KEYS as readonly unknown[]).includes(r.key))
    throw new ApiError('bad-request', `"sort.key" must be one of ${BROWSE_SORT_KEYS.join(', ')}.`);
  return { key: r.key as BrowseSortKey, desc: r.desc === true };
}

function idList(v: unknown): number[] {
  if (!Array.isArray(v) || v.length > MAX_IDS || !v.every((x) => Number.isInteger(x) && (x as number) > 0))
    throw new ApiError('bad-request', '"ids" must be a list of image ids.');
  return v as number[];
}

/** Tags people type: trimmed, 1–64 characters, no control characters. */
function tagList(v: unknown, what: string): string[] {
  if (v === undefined) return [];
  const tags = stringList(v, what).map((t) => t.trim());
  for (const t of tags)
    if (t.length === 0 || t.length > 64 || /\p{Cc}/u.test(t))
      throw new ApiError('bad-request', `A tag must be 1 to 64 printable characters.`);
  return [...new Set(tags)];
}

export function browseHandlers(ctx: EngineContext): HandlersFor<BrowseInvoke> {
  const db = () => ctx.requireProject().db;
  return {
    'browse.query': (a) => {
      const index = indexFor(db());
      const order = matching(index, parseFilters(record(a).filters), parseSort(record(a).sort));
      const offset = int(a, 'offset');
      const limit = Math.min(int(a, 'limit'), MAX_PAGE);
      const items = [];
      for (let k = offset; k < Math.min(order.length, offset + limit); k++)
        items.push(item(index, order[k]!));
      return { total: order.length, items };
    },
    'browse.facets': (a) => facets(indexFor(db()), parseFilters(record(a).filters)),
    'browse.ids': (a) => {
      const index = indexFor(db());
      const order = matching(index, parseFilters(record(a).filters), parseSort(record(a).sort));
      return { ids: Array.from(order, (i) => index.ids[i]!) };
    },
    'browse.tag': (a) => {
      const r = record(a);
      const add = tagList(r.add, '"add"');
      const remove = tagList(r.remove, '"remove"');
      if (add.length === 0 && remove.length === 0)
        throw new ApiError('bad-request', 'Give tags to add or to remove.');
      return { changed: tagImages(db(), idList(r.ids), add, remove) };
    },
    'browse.exclude': (a) => {
      const r = record(a);
      if (typeof r.excluded !== 'boolean')
        throw new ApiError('bad-request', '"excluded" must be true or false.');
      const reason = (optStr(a, 'reason') ?? '').trim();
      if (reason.length > 500) throw new ApiError('bad-request', 'A reason is at most 500 characters.');
      return { changed: excludeImages(db(), idList(r.ids), r.excluded, reason) };
    },
  };
}
