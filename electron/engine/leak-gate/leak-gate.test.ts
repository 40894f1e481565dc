import { describe, expect, it } from 'vitest';
import { deidentifyTextSync } from '../deid-text/index.ts';
import type { KnownIdentifiers } from '../deid-text/index.ts';
import { scanTexts } from './index.ts';

const jane: KnownIdentifiers = {
  patientNames: ['DOE^JANE'],
  patientIds: ['MRN-FAKE-0001'],
  accessionNumbers: ['FAKEACC0001'],
  birthDate: '19570302',
  studyDates: ['20210314'],
  institutionNames: ['FAKE GENERAL HOSPITAL'],
  physicianNames: ['MÜLLER^JOSÉ'],
};

const item = (text: string, record = 'r1') => ({ file: 'train.jsonl', record, text });

describe('the leak gate', () => {
  it('lets a clean export through', async () => {
    const report = await scanTexts(
      [item('No acute cardiopulmonary process. A Foley catheter is in place. Call 555-0123 or [CONTACT].')],
      [jane],
    );
    expect(report).toEqual({ ok: true, hits: [], textsScanned: 1 });
  });

  it('finds planted identifiers in their variants, naming file, record and category only', async () => {
    const texts = [
      item('Seen with doe, jane today.', 'a'),
      item('Referred by Jose Muller.', 'b'),
      item('MRN FAKE 0001 on the label.', 'c'),
      item('accession fakeacc0001', 'd'),
      item('Born March 2, 1957.', 'e'),
      item('Imaged at Fake General Hospital.', 'f'),
      item('Ms. Doe is stable.', 'g'),
      item('Call (617) 432-1234 or jane@hospital.org.', 'h'),
    ];
    const report = await scanTexts(texts, [jane]);
    expect(report.ok).toBe(false);
    expect(report.hits.map((h) => `${h.record}:${h.category}:${h.kind}`)).toEqual([
      'a:NAME:identifier',
      'b:NAME:identifier',
      'c:ID:identifier',
      'd:ID:identifier',
      'e:DATE:identifier',
      'f:LOCATION:identifier',
      'g:NAME:identifier',
      'h:CONTACT:pattern',
    ]);
    const serialised = JSON.stringify(report);
    for (const value of ['Doe', 'Jose', '0001', '1957', '617', 'hospital.org'])
      expect(serialised).not.toContain(value);
  });

  it('passes a report de-identified with surrogates and flags the same report raw', async () => {
    const raw = 'Jane Doe (MRN-FAKE-0001) seen on 03/14/2021 by Dr. José Müller, phone (617) 432-1234.';
    const safe = deidentifyTextSync(raw, {
      mode: 'surrogates',
      secret: Buffer.from('s'),
      patientKey: 'p1',
      shiftDays: 17,
      known: jane,
    }).text;
    async function* items() {
      yield item(safe, 'safe');
      yield item(raw, 'raw');
    }
    const report = await scanTexts(items(), [jane]);
    expect(report.hits.filter((h) => h.record === 'safe')).toEqual([]);
    expect(new Set(report.hits.filter((h) => h.record === 'raw').map((h) => h.category))).toEqual(
      new Set(['NAME', 'ID', 'DATE', 'CONTACT']),
    );
  });

  it("matches a patient's original dates only in that patient's texts, so another patient's shifted date is no leak", async () => {
    const a = { scope: 'MP-A', studyDates: ['20210314'] };
    const b = { scope: 'MP-B', studyDates: ['20200101'] };
    const report = await scanTexts(
      [
        { file: 'x', record: 'a-own', scope: 'MP-A', text: 'Study of 03/14/2021.' },
        { file: 'x', record: 'b-shifted', scope: 'MP-B', text: 'Study of 03/14/2021.' },
        { file: 'x', record: 'unscoped', text: 'Card dated 2021-03-14.' },
      ],
      [a, b],
      { patterns: false },
    );
    expect(report.hits.map((h) => h.record)).toEqual(['a-own', 'unscoped']);
  });
});
