import type { DetailInvoke } from '../../api/detail.ts';
import { int, record } from '../args.ts';
import type { EngineContext, HandlersFor } from '../context.ts';
import { imageContext } from './context.ts';
import { dashboardCounts } from './dashboard.ts';
import { neighbours } from './neighbours.ts';
import { detailPixels } from './pixels.ts';

export function detailHandlers(ctx: EngineContext): HandlersFor<DetailInvoke> {
  const db = () => ctx.requireProject().db;
  return {
    'detail.pixels': (a) => detailPixels(ctx.requireProject(), int(a, 'imageId', 1)),
    'detail.context': (a) => imageContext(db(), int(a, 'imageId', 1)),
    'detail.neighbours': (a) =>
      neighbours(
        db(),
        int(a, 'imageId', 1),
        record(a).limit === undefined ? 12 : Math.min(int(a, 'limit', 1), 100),
      ),
    'detail.dashboard': () => dashboardCounts(db()),
  };
}
