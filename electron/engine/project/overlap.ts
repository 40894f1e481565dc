/**
 * Folders that must not overlap: a source is never written to, so no bundle goes inside one; the project
 * folder holds the original identifiers, so no bundle goes inside it and it is never imported as a source.
 * Compared after resolving symbolic links, so a link cannot hide an overlap.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ApiError } from '../errors.ts';

/** The real path of `p`, or of its nearest existing ancestor with the rest appended (for paths not yet made). */
export function realPathNearest(p: string): string {
  const abs = path.resolve(p);
  const rest: string[] = [];
  for (let at = abs; ; at = path.dirname(at)) {
    try {
      return path.join(fs.realpathSync(at), ...rest.reverse());
    } catch {
      if (path.dirname(at) === at) return abs;
      rest.push(path.basename(at));
    }
  }
}

/** True when `inner` is `outer` or lies inside it. */
export function isInside(inner: string, outer: string): boolean {
  const rel = path.relative(outer, inner);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Refuses an export folder inside a source of the project or inside the project folder. */
export function checkExportTarget(projectDir: string, sources: string[], out: string): void {
  const target = realPathNearest(out);
  for (const source of sources) {
    if (isInside(target, realPathNearest(source)))
      throw new ApiError(
        'bad-request',
        'The export folder is inside a source folder, and sources are never written to; choose a folder outside it.',
      );
  }
  if (isInside(target, realPathNearest(projectDir)))
    throw new ApiError(
      'bad-request',
      'The export folder is inside the project folder, which holds the original identifiers; choose a folder outside it.',
    );
}

/** Refuses a source that is the project folder or inside it (its database, cache or key). */
export function checkSourceOutsideProject(projectDir: string, source: string): void {
  if (isInside(realPathNearest(source), realPathNearest(projectDir)))
    throw new ApiError(
      'bad-request',
      'The source is inside the project folder; import from a folder outside it.',
    );
}
