import type { BrowseInvoke } from '../../api/browse.ts';
import type { EngineContext, HandlersFor } from '../context.ts';
import { indexFor } from './browse-index.ts';
import { facets, item, matching } from './query.ts';
import { excludeImages, tagImages } from './writes.ts';

/** The engine answers at most this many cards per call (a few screens of the grid). */
const MAX_PAGE = 1000;

export function browseHandlers(ctx: EngineContext): HandlersFor<BrowseInvoke> {
  const db = () => ctx.requireProject().db;
  return {
    'browse.query': (a) => {
      const index = indexFor(db());
      const order = matching(index, a.filters ?? {}, a.sort ?? { key: 'import' });
      const offset = a.offset;
      const limit = Math.min(a.limit, MAX_PAGE);
      const items = [];
      for (let k = offset; k < Math.min(order.length, offset + limit); k++)
        items.push(item(index, order[k]!));
      return { total: order.length, items };
    },
    'browse.facets': (a) => facets(indexFor(db()), a.filters ?? {}),
    'browse.ids': (a) => {
      const index = indexFor(db());
      const order = matching(index, a.filters ?? {}, a.sort ?? { key: 'import' });
      return { ids: Array.from(order, (i) => index.ids[i]!) };
    },
    'browse.tag': (a) => ({ changed: tagImages(db(), a.ids, a.add ?? [], a.remove ?? []) }),
    'browse.exclude': (a) => ({ changed: excludeImages(db(), a.ids, a.excluded, a.reason ?? '') }),
  };
}
