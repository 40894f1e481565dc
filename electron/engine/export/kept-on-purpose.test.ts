import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DEFAULT_DEID_SETTINGS } from '../deid/settings.ts';
import { keptOnPurpose, keptOnPurposeText } from './kept-on-purpose.ts';

function dbWithRun(settings: object | null): Database.Database {
  const db = new Database(':memory:');
  db.exec('CREATE TABLE deid_runs (id INTEGER PRIMARY KEY, options TEXT NOT NULL)');
  if (settings) db.prepare('INSERT INTO deid_runs (options) VALUES (?)').run(JSON.stringify(settings));
  return db;
}

describe('values kept on purpose by the de-identification options', () => {
  it('device, institution and UIDs in DICOM bundles only; full dates in every bundle', () => {
    const db = dbWithRun({
      ...DEFAULT_DEID_SETTINGS,
      retainDeviceIdentity: true,
      retainInstitutionIdentity: true,
      retainUids: true,
      longitudinal: 'full-dates',
    });
    const dicom = keptOnPurpose(db, true).map((k) => k.option);
    expect(dicom).toEqual([
      'Retain Device Identity',
      'Retain Institution Identity',
      'Retain UIDs',
      'Retain Longitudinal Temporal Information with Full Dates',
    ]);
    expect(keptOnPurpose(db, false).map((k) => k.option)).toEqual([
      'Retain Longitudinal Temporal Information with Full Dates',
    ]);
    expect(keptOnPurposeText(keptOnPurpose(db, true))).toContain('InstitutionName, InstitutionAddress');
  });

  it('nothing with the defaults or before any de-identification run', () => {
    expect(keptOnPurpose(dbWithRun(DEFAULT_DEID_SETTINGS), true)).toEqual([]);
    expect(keptOnPurpose(dbWithRun(null), true)).toEqual([]);
    expect(keptOnPurposeText([])).toBe('No identifying header value was kept on purpose.');
  });
});
