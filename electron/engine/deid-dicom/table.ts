/**
 * DICOM PS3.15 Table E.1-1 (resources/dicom/ps3.15-e1-1.json) loaded once and indexed by tag, with the
 * table's three pattern rows: curves (50xx,xxxx), overlay data/comments (60xx,3000|4000) and private
 * attributes (odd groups).
 */
import fs from 'node:fs';
import { resourceFile } from '../app-root.ts';

/** Option columns of the table, as named in the JSON. */
export const OPTION_COLUMNS = [
  'retain_safe_private',
  'retain_uids',
  'retain_device_identity',
  'retain_institution_identity',
  'retain_patient_characteristics',
  'retain_longitudinal_full_dates',
  'retain_longitudinal_modified_dates',
  'clean_descriptors',
  'clean_structured_content',
  'clean_graphics',
] as const;
export type OptionColumn = (typeof OPTION_COLUMNS)[number];

export type BasicAction = 'D' | 'Z' | 'X' | 'K' | 'C' | 'U' | 'Z/D' | 'X/Z' | 'X/D' | 'X/Z/D' | 'X/Z/U*';

export interface TableRow {
  /** `00100020`, or the pattern ids `50xxxxxx`, `60xx3000`, `60xx4000`, `ggggeeee-where-gggg-is-odd`. */
  id: string;
  tag: string;
  name: string;
  keyword: string | null;
  vr: string | null;
  basic: BasicAction;
  options: Partial<Record<OptionColumn, 'K' | 'C'>>;
}

export interface ConfidentialityTable {
  edition: string;
  rows: TableRow[];
  byTag: Map<number, TableRow>;
  curves: TableRow;
  overlayData: TableRow;
  overlayComments: TableRow;
  privateAttributes: TableRow;
}

interface RawRow {
  tag: string;
  id: string;
  name: string;
  keyword_pydicom_2_3_1: string | null;
  vr_pydicom_2_3_1: string | null;
  basic_profile: BasicAction;
  [column: string]: unknown;
}

let cached: ConfidentialityTable | null = null;

export function resourcePath(name: string): string {
  return resourceFile('dicom', name);
}

export function loadTable(): ConfidentialityTable {
  if (cached !== null) return cached;
  const raw = JSON.parse(fs.readFileSync(resourcePath('ps3.15-e1-1.json'), 'utf8')) as {
    source: { dicom_edition: string };
    attributes: RawRow[];
  };
  const rows: TableRow[] = raw.attributes.map((r) => {
    const options: TableRow['options'] = {};
    for (const col of OPTION_COLUMNS) {
      const v = r[col];
      if (v === 'K' || v === 'C') options[col] = v;
    }
    return {
      id: r.id,
      tag: r.tag,
      name: r.name,
      keyword: r.keyword_pydicom_2_3_1,
      vr: r.vr_pydicom_2_3_1,
      basic: r.basic_profile,
      options,
    };
  });
  const byTag = new Map<number, TableRow>();
  const pattern = (id: string): TableRow => {
    const row = rows.find((r) => r.id === id);
    if (row === undefined) throw new Error(`Table E.1-1 has no row ${id}`);
    return row;
  };
  for (const row of rows) if (/^[0-9a-f]{8}$/.test(row.id)) byTag.set(parseInt(row.id, 16) >>> 0, row);
  cached = {
    edition: raw.source.dicom_edition,
    rows,
    byTag,
    curves: pattern('50xxxxxx'),
    overlayData: pattern('60xx3000'),
    overlayComments: pattern('60xx4000'),
    privateAttributes: pattern('ggggeeee-where-gggg-is-odd'),
  };
  return cached;
}

/** Repeating groups 5000-501E (curves) and 6000-601E (overlays), even groups only (PS3.5 7.6). */
export const isCurveGroup = (group: number): boolean => group >= 0x5000 && group <= 0x501e && group % 2 === 0;
export const isOverlayGroup = (group: number): boolean =>
  group >= 0x6000 && group <= 0x601e && group % 2 === 0;
export const isPrivateGroup = (group: number): boolean => group % 2 === 1;

/** The table row governing a tag, patterns included; undefined when the table does not name it. */
export function rowFor(table: ConfidentialityTable, tag: number): TableRow | undefined {
  const group = tag >>> 16;
  const element = tag & 0xffff;
  if (isPrivateGroup(group)) return table.privateAttributes;
  if (isCurveGroup(group)) return table.curves;
  if (isOverlayGroup(group)) {
    if (element === 0x3000) return table.overlayData;
    if (element === 0x4000) return table.overlayComments;
  }
  return table.byTag.get(tag);
}
