/**
 * Attribute types per image IOD (resources/dicom/iod-types.json, see its provenance), used to turn the
 * table's combined actions (Z/D, X/Z, X/D, X/Z/D, X/Z/U*) into the one that keeps the output valid.
 */
import fs from 'node:fs';
import { resourcePath } from './table.ts';

/** '1' required non-empty; '2' required, may be empty; '1C' non-empty when present; '3' optional. */
export type AttributeType = '1' | '2' | '1C' | '3';

export interface IodTypes {
  iod: string;
  /** keyword → type; absent means Type 3 / not in the IOD. */
  types: Record<string, AttributeType>;
}

interface Raw {
  sopClasses: Record<string, string>;
  iods: Record<string, Record<string, AttributeType>>;
}

let raw: Raw | null = null;

function load(): Raw {
  raw ??= JSON.parse(fs.readFileSync(resourcePath('iod-types.json'), 'utf8')) as Raw;
  return raw;
}

/** The IOD types for a SOP Class; undefined for IODs we have no data for (generic handling). */
export function iodFor(sopClassUid: string | undefined): IodTypes | undefined {
  if (sopClassUid === undefined) return undefined;
  const data = load();
  const iod = data.sopClasses[sopClassUid];
  const types = iod === undefined ? undefined : data.iods[iod];
  return iod === undefined || types === undefined ? undefined : { iod, types };
}

export function typeIn(iod: IodTypes, keyword: string | null): AttributeType {
  return (keyword === null ? undefined : iod.types[keyword]) ?? '3';
}

/**
 * Attributes that may only be present together with another (PS3.3 C.7.1.3 Clinical Trial Subject:
 * Clinical Trial Protocol Ethics Committee Name is Type 1C, required if, and only allowed with, the
 * Ethics Committee Approval Number). When the table removes the partner, the dependant goes too.
 */
export const PRESENT_ONLY_WITH: ReadonlyMap<number, number> = new Map([[0x00120081, 0x00120082]]);
