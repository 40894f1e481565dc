import type { DetailInvoke } from '../../api/detail.ts';
import type { EngineContext, HandlersFor } from '../context.ts';
import { imageContext } from './context.ts';
import { dashboardCounts } from './dashboard.ts';
import { neighbours } from './neighbours.ts';
import { detailPixels } from './pixels.ts';

export function detailHandlers(ctx: EngineContext): HandlersFor<DetailInvoke> {
  const db = () => ctx.requireProject().db;
  return {
    'detail.pixels': (a) => detailPixels(ctx.requireProject(), a.imageId),
    'detail.context': (a) => imageContext(db(), a.imageId),
    'detail.neighbours': (a) => neighbours(db(), a.imageId, a.limit ?? 12),
    'detail.dashboard': () => dashboardCounts(db()),
  };
}
