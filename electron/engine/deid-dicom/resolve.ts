/**
 * Combined table actions resolved against the attribute's type in the image's IOD (PS3.15 E.1-1
 * legend: "Z unless D is required to maintain IOD conformance", …). Where the type is unknown (an IOD
 * we have no data for, or an attribute inside a sequence, whose type depends on the macro) we take
 * the alternative that is valid whatever the type: D for Z/D, X/D and X/Z/D, Z for X/Z, U (keep the
 * sequence, remap its UIDs, clean the rest) for X/Z/U*. Each of these carries no identity (a dummy,
 * an empty value or a keyed UID), so validity costs no privacy; removal would.
 */
import type { AttributeType } from './iod-types.ts';
import type { BasicAction } from './table.ts';

export type AppliedAction = 'D' | 'Z' | 'X' | 'K' | 'C' | 'U';

export function resolveAction(action: BasicAction, type: AttributeType | undefined): AppliedAction {
  const nonEmpty = type === '1' || type === '1C';
  switch (action) {
    case 'Z':
      return nonEmpty ? 'D' : 'Z';
    case 'Z/D':
      return type === '2' || type === '3' ? 'Z' : 'D';
    case 'X/Z':
      if (type === undefined) return 'Z';
      return nonEmpty ? 'D' : type === '2' ? 'Z' : 'X';
    case 'X/D':
      return type === '3' ? 'X' : 'D';
    case 'X/Z/D':
      if (type === undefined) return 'D';
      return nonEmpty ? 'D' : type === '2' ? 'Z' : 'X';
    case 'X/Z/U*':
      if (type === undefined) return 'U';
      return nonEmpty ? 'U' : type === '2' ? 'Z' : 'X';
    default:
      return action;
  }
}
