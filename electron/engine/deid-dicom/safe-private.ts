/** The documented safe private attribute list (resources/dicom/safe-private.json), indexed for lookup. */
import fs from 'node:fs';
import { resourcePath } from './table.ts';

export interface SafePrivateEntry {
  /** Private Creator value reserving the block, compared after trimming padding. */
  creator: string;
  /** Odd group, 4 hex digits. */
  group: string;
  /** Element offset within the block (the low byte of the element number), 2 hex digits. */
  offset: string;
  vr: string;
  name: string;
  reason: string;
}

export type SafePrivateIndex = Map<string, SafePrivateEntry>;

const key = (creator: string, group: number, offset: number): string =>
  `${creator.trim()}|${group.toString(16).padStart(4, '0')}|${offset.toString(16).padStart(2, '0')}`;

export function loadSafePrivate(): SafePrivateEntry[] {
  return (
    JSON.parse(fs.readFileSync(resourcePath('safe-private.json'), 'utf8')) as { entries: SafePrivateEntry[] }
  ).entries;
}

export function indexSafePrivate(entries: SafePrivateEntry[]): SafePrivateIndex {
  return new Map(entries.map((e) => [key(e.creator, parseInt(e.group, 16), parseInt(e.offset, 16)), e]));
}

export function safeEntry(
  index: SafePrivateIndex,
  creator: string,
  group: number,
  offset: number,
): SafePrivateEntry | undefined {
  return index.get(key(creator, group, offset));
}

const FIXED_SIZE: Record<string, number> = { US: 2, SS: 2, UL: 4, SL: 4, FL: 4, FD: 8, AT: 4, SV: 8, UV: 8 };
/** What the characters of a listed string VR may be (PS3.5 6.2); free-text VRs are never on the list. */
const STRING_FORM: Record<string, RegExp> = {
  CS: /^[A-Z0-9 _\\]*$/u,
  DS: /^[0-9+\-.eE \\]*$/u,
  IS: /^[0-9+\- \\]*$/u,
  DA: /^[0-9 \\]*$/u,
  TM: /^[0-9.: \\]*$/u,
  DT: /^[0-9.+\- \\]*$/u,
  UI: /^[0-9.\\]*$/u,
};

/** Do the bytes of a private value fit the VR the safe list gives its slot? */
export function valueFitsVr(value: Uint8Array, vr: string): boolean {
  const size = FIXED_SIZE[vr];
  if (size !== undefined) return value.length % size === 0;
  const form = STRING_FORM[vr];
  if (form !== undefined)
    return form.test(
      Buffer.from(value)
        .toString('latin1')
        .replace(/[\0 ]+$/u, ''),
    );
  return vr === 'OB' || vr === 'OW' || vr === 'OF' || vr === 'OD' || vr === 'OL';
}
