import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { csvHeaderSync, parseCsv, readCsvFile } from './csv.ts';
import { dicomDate, dicomTime, normaliseSplit, parseLabelValue, parseYear } from './layouts/values.ts';
import { ReprError, parseReprList, reprStrings } from './py-repr.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'medprep-parsers-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('reading PADCHEST list columns (Python and numpy reprs)', () => {
  it('drops the stray leading space pandas left on later items', () => {
    expect(reprStrings("['infiltrates', ' pneumonia']")).toEqual(['infiltrates', 'pneumonia']);
  });

  it('collapses a double space inside an item', () => {
    expect(reprStrings("['loc  cardiac']")).toEqual(['loc cardiac']);
  });

  it('reads numpy arrays, which have no commas', () => {
    expect(reprStrings("['C0032227' 'C0239029']")).toEqual(['C0032227', 'C0239029']);
    expect(reprStrings("['C0032227'\n 'C0239029']")).toEqual(['C0032227', 'C0239029']);
  });

  it('reads an empty cell and an empty list as no items', () => {
    expect(reprStrings('')).toEqual([]);
    expect(reprStrings('[]')).toEqual([]);
    expect(reprStrings('nan')).toEqual([]);
  });

  it('flattens nested lists and keeps the first of repeated items', () => {
    expect(parseReprList("[['normal'], ['normal']]")).toEqual([['normal'], ['normal']]);
    expect(reprStrings("[['cardiomegaly', 'loc  cardiac'], ['exclude']]")).toEqual([
      'cardiomegaly',
      'loc cardiac',
      'exclude',
    ]);
    expect(reprStrings("['normal', 'normal']")).toEqual(['normal']);
  });

  it('reads double-quoted items and escapes', () => {
    expect(reprStrings(`["patient's position", 'a\\'b']`)).toEqual(["patient's position", "a'b"]);
  });

  it('refuses malformed text instead of guessing', () => {
    for (const bad of ["['a'", "['a' 'b", "['a''b']", 'normal', "['a'] x"]) {
      expect(() => parseReprList(bad), bad).toThrow(ReprError);
    }
  });
});

describe('streaming CSV', () => {
  it('reads quoted fields with commas, quotes and line breaks, and CRLF line ends', async () => {
    const text = 'a,b,c\r\n1,"x, y","say ""hi"""\r\n2,"two\nlines",\r\n';
    expect(await all(parseCsv([text]))).toEqual([
      ['a', 'b', 'c'],
      ['1', 'x, y', 'say "hi"'],
      ['2', 'two\nlines', ''],
    ]);
  });

  it('gives the same records however the text is chunked', async () => {
    const text = ",ImageID,Labels\n0,a.png,\"['x', ' y']\"\n1,b.png,\n";
    const whole = await all(parseCsv([text]));
    expect(await all(parseCsv(text.split('')))).toEqual(whole);
    expect(whole[0]).toEqual(['', 'ImageID', 'Labels']);
  });

  it('reads a gzipped file by its magic bytes, and its header synchronously', async () => {
    const file = path.join(tmp, 'x.csv.gz');
    fs.writeFileSync(file, gzipSync('subject_id,study_id\n10000032,50414267\n'));
    const rows = await all(readCsvFile(file));
    expect(rows.map((r) => [r.get('subject_id'), r.get('study_id')])).toEqual([['10000032', '50414267']]);
    expect(csvHeaderSync(file)).toEqual(['subject_id', 'study_id']);
  });

  it('fails on a file that ends inside a quote', async () => {
    await expect(all(parseCsv(['a,"b\n']))).rejects.toThrow(/quoted/);
  });
});

describe('layout values', () => {
  it('keeps four label states and refuses anything else', () => {
    expect(['1.0', '0.0', '-1.0', '', '1', '-1'].map(parseLabelValue)).toEqual([1, 0, -1, null, 1, -1]);
    expect([1, 0, -1, null, true, false].map(parseLabelValue)).toEqual([1, 0, -1, null, 1, 0]);
    expect(['2.0', 'yes', '0.5', 2].map(parseLabelValue)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('turns pandas float times and dates back into DICOM values', () => {
    expect(dicomTime('91512.0')).toBe('091512');
    expect(dicomTime('103245.12')).toBe('103245.12');
    expect(dicomTime('142200.5')).toBe('142200.5');
    expect(dicomTime('')).toBeNull();
    expect(dicomDate('20210314')).toBe('20210314');
    expect(dicomDate('20210314.0')).toBe('20210314');
    expect(dicomDate('2021')).toBeNull();
  });

  it('reads float birth years and split names', () => {
    expect(parseYear('1959.0')).toBe(1959);
    expect(parseYear('')).toBeNull();
    expect(normaliseSplit('Val')).toBe('validate');
    expect(normaliseSplit('train')).toBe('train');
  });
});
