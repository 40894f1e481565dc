/**
 * The action per Table E.1-1 row for a set of options. An option column's action replaces the Basic
 * Profile action (PS3.15 E.3). Where a row is named by several option columns (calibration dates:
 * Device Identity and Longitudinal; Device UID: UIDs and Device Identity; Allergies: Patient
 * Characteristics and Descriptors) the table does not say how they combine, so we take the most
 * protective reading: every naming column whose option is off votes for the Basic Profile action,
 * and the strongest vote wins (Basic > C > K). Retaining a calibration date thus needs both Retain
 * Device Identity and a Longitudinal option.
 */
import type { DeidOptions } from './options.ts';
import {
  type BasicAction,
  type ConfidentialityTable,
  type OptionColumn,
  type TableRow,
  loadTable,
} from './table.ts';

export type ProfileAction = BasicAction;

function enabledColumns(options: DeidOptions): Set<OptionColumn> {
  const on = new Set<OptionColumn>();
  if (options.retainSafePrivate) on.add('retain_safe_private');
  if (options.retainUids) on.add('retain_uids');
  if (options.retainDeviceIdentity) on.add('retain_device_identity');
  if (options.retainInstitutionIdentity) on.add('retain_institution_identity');
  if (options.retainPatientCharacteristics) on.add('retain_patient_characteristics');
  if (options.longitudinal === 'full-dates') on.add('retain_longitudinal_full_dates');
  if (options.longitudinal === 'modified-dates') on.add('retain_longitudinal_modified_dates');
  if (options.cleanDescriptors) on.add('clean_descriptors');
  if (options.cleanStructuredContent) on.add('clean_structured_content');
  if (options.cleanGraphics) on.add('clean_graphics');
  return on;
}

/** The two longitudinal columns are one option with two forms: either enabled answers for both. */
const TEMPORAL: OptionColumn[] = ['retain_longitudinal_full_dates', 'retain_longitudinal_modified_dates'];

export function rowAction(row: TableRow, options: DeidOptions, on = enabledColumns(options)): ProfileAction {
  const votes: ProfileAction[] = [];
  let basicVote = false;
  let temporalSeen = false;
  for (const [column, action] of Object.entries(row.options) as [OptionColumn, 'K' | 'C'][]) {
    const temporal = TEMPORAL.includes(column);
    if (on.has(column)) votes.push(action);
    else if (!temporal) basicVote = true;
    if (temporal) temporalSeen = true;
  }
  if (temporalSeen && !TEMPORAL.some((c) => on.has(c))) basicVote = true;
  if (votes.length === 0 || basicVote) return row.basic;
  return votes.includes('C') ? 'C' : 'K';
}

/** Action per row id for the options: the whole profile, for display and for the per-row tests. */
export function profileActions(
  options: DeidOptions,
  table: ConfidentialityTable = loadTable(),
): Map<string, ProfileAction> {
  const on = enabledColumns(options);
  return new Map(table.rows.map((row) => [row.id, rowAction(row, options, on)]));
}
