/** Shared by the tests: fixture paths and the pydicom expectations the fixture script wrote. */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type DicomFile, parseDicom } from './index.ts';

export const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/dicom/', import.meta.url));
export const PYDICOM_FILES = '/usr/lib/python3/dist-packages/pydicom/data/test_files/';

export interface Expectation {
  rows: number;
  columns: number;
  frames: number;
  samplesPerPixel: number;
  photometric: string;
  min: number;
  max: number;
  first: number[];
  hashes: string[];
}

export const expectations = JSON.parse(readFileSync(`${FIXTURES}expectations.json`, 'utf8')) as {
  fixtures: Record<string, Expectation>;
  pydicom: Record<string, Expectation>;
};

export function fixture(name: string): DicomFile {
  return parseDicom(readFileSync(FIXTURES + name));
}

export function pydicomFile(name: string): DicomFile {
  return parseDicom(readFileSync(PYDICOM_FILES + name));
}

export const hasPydicomFile = (name: string): boolean => existsSync(PYDICOM_FILES + name);
