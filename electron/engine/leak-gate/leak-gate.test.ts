import { describe, expect, it } from 'vitest';
import { deidentifyTextSync, nameWordUse } from '../deid-text/index.ts';
import type { KnownIdentifiers } from '../deid-text/index.ts';
import { scanTexts, type ReviewHit } from './index.ts';

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
    expect(report).toEqual({ ok: true, hits: [], textsScanned: 1, accepted: 0 });
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

describe('a surname that is also an ordinary word', () => {
  const patients: KnownIdentifiers[] = [
    { patientNames: ['YOUNG^KEISHA'] },
    { patientNames: ['WHITE^MARCUS'], physicianNames: ['SMALL^ANN'] },
    { patientNames: ['BELL^TOM'], operatorNames: ['HILL^JOSE'] },
  ];
  const gate = async (text: string) => {
    const review: string[] = [];
    const report = await scanTexts([item(text)], patients, {
      patterns: false,
      onReview: (h) => review.push(h.match),
    });
    return { kinds: report.hits.map((h) => `${h.category}:${h.kind}`), review };
  };

  it.each([
    'Young adult with open growth plates.',
    'Normal white blood cells. White matter is unremarkable.',
    'Small effusion at the left base. SMALL LEFT EFFUSION.',
    "Facial weakness in keeping with Bell's palsy.",
    'Hill-Sachs lesion of the humeral head.',
    'There is a Small nodule.',
    // "A" + "small" spells Ann Small's initial and family name (found by the scale benchmark's reports).
    'No large pleural effusion. A small effusion cannot be excluded.',
    'A SMALL LEFT EFFUSION.',
  ])('passes it standing as a word: %s', async (text) => {
    expect(await gate(text)).toEqual({ kinds: [], review: [] });
  });

  it.each([
    'Mr. Young is stable.',
    'YOUNG, KEISHA seen today.',
    'Keisha Young returns for follow-up.',
    'Findings discussed per Dr. White.',
    'Result called White at 4 pm.',
    'Dictated by Small.',
    'Reviewed with Marcus White.',
    'Findings discussed with A Small at 4 pm.',
    'Read by A. Small.',
  ])('stops it used as a person: %s', async (text) => {
    expect(await gate(text)).toEqual({ kinds: ['NAME:identifier'], review: [] });
  });

  it.each(['Maria Young returns for follow-up.', 'White, Maria: follow-up.', 'Seen today; Young said so.'])(
    'asks a person where the sentence cannot tell: %s',
    async (text) => {
      expect((await gate(text)).kinds).toEqual(['NAME:review']);
    },
  );

  it('queues what the sentence cannot tell for a person, and passes it once accepted', async () => {
    const text = 'Seen by the team; White reported no pain.';
    expect(await gate(text)).toEqual({ kinds: ['NAME:review'], review: ['White'] });
    const hits: ReviewHit[] = [];
    await scanTexts([item(text)], patients, { onReview: (h) => hits.push(h) });
    expect(hits).toHaveLength(1);
    expect(hits[0]!.context).toBe(text);
    const accepted = new Set([hits[0]!.fingerprint]);
    const again = await scanTexts([item(text), item(`{"text": ${JSON.stringify(text)}}`, 'r2')], patients, {
      accepted,
    });
    // The same sentence in a JSON row meets the same decision.
    expect(again).toMatchObject({ ok: true, hits: [], accepted: 1 });
    // Another sentence around the same word asks again.
    const other = await scanTexts([item('Seen by the team; White reported pain.')], patients, { accepted });
    expect(other.hits.map((h) => h.kind)).toEqual(['review']);
  });

  it('finds a name a JSON escape runs into ("\\nDoe")', async () => {
    const row = JSON.stringify({ response: 'FINDINGS:\nDoe is here.' });
    expect((await scanTexts([item(row)], [jane], { patterns: false })).hits).toEqual([
      { file: 'train.jsonl', record: 'r1', category: 'NAME', kind: 'identifier' },
    ]);
  });

  it('is decided the same way by the report scrubber: kept where the gate passes it, removed otherwise', async () => {
    const known = { patientNames: ['YOUNG^KEISHA', 'WHITE^MARCUS'] };
    const scrub = (text: string) => deidentifyTextSync(text, { known }).text;
    expect(scrub('Young adult with open growth plates.')).toBe('Young adult with open growth plates.');
    expect(scrub('Normal white blood cells.')).toBe('Normal white blood cells.');
    const withSmall = { physicianNames: ['SMALL^ANN'] };
    expect(deidentifyTextSync('A small effusion.', { known: withSmall }).text).toBe('A small effusion.');
    expect(deidentifyTextSync('Discussed with A Small.', { known: withSmall }).text).toBe(
      'Discussed with [NAME].',
    );
    expect(scrub('Result called White by phone.')).toBe('Result called [NAME] by phone.');
    expect(scrub('Seen by the team; White reported no pain.')).toBe(
      'Seen by the team; [NAME] reported no pain.',
    );
    expect(nameWordUse('Young adult', 0, 5)).toBe('ordinary');
    expect(nameWordUse('Mr. Young', 4, 9)).toBe('person');
    expect(nameWordUse('team; White reported', 6, 11)).toBe('undecided');
  });
});
