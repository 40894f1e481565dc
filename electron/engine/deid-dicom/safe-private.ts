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
