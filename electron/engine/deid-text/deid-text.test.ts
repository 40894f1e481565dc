import { describe, expect, it } from 'vitest';
import { compileHeader, headerCandidates } from './header.ts';
import { deidentifyText, deidentifyTextSync } from './index.ts';
import type { DeidTextOptions, KnownIdentifiers, NerModel } from './index.ts';

const tags = (text: string, opts: DeidTextOptions = {}) => deidentifyTextSync(text, opts).text;

describe('report text de-identification', () => {
  it("removes a clinician named in 'Discussed with Dr. Alan Fakeman at 10:45' together with the time", () => {
    const out = deidentifyTextSync('Findings discussed with Dr. Alan Fakeman at 10:45.');
    expect(out.text).toBe('Findings discussed with Dr. [NAME] at [DATE].');
    expect(out.spans.map((s) => [s.category, s.source])).toEqual([
      ['NAME', 'rule:name-title'],
      ['DATE', 'rule:time'],
    ]);
  });

  it('finds names in lists, after d/w, in signatures and as LAST, FIRST', () => {
    expect(tags('d/w Dr. Smith and Dr Jones at 1045 hours.')).toBe('d/w Dr. [NAME] and Dr [NAME] at [DATE].');
    expect(tags('Dictated by: Maria Lopez-Garcia, MD')).toBe('Dictated by: [NAME], MD');
    expect(tags('Patient: DOE, JANE')).toBe('Patient: [NAME]');
    expect(tags("History from the patient's wife, Mary O'Brien.")).toBe(
      "History from the patient's wife, [NAME].",
    );
  });

  it('keeps Kerley B lines, a 5 mm nodule and other medicine with numbers', () => {
    const text =
      'Kerley B lines and a 5 mm nodule. Swan-Ganz catheter, Port-A-Cath, Foley catheter and Dobhoff tube in place. ' +
      'Compression of T7, degeneration at L1-L2 and T4-T5, C5 fusion, healed 4th rib fracture, 3.2 x 2.1 cm mass. ' +
      'PA and lateral views; transferred to the ICU for CHF and COPD; ETT, NG tube and PICC in place. ' +
      'Westermark sign, Hampton hump, Pancoast tumor, non-Hodgkin lymphoma, Morgagni and Bochdalek hernias, ' +
      'Chilaiditi sign, Wegener granulomatosis, Pleur-evac, Harrington rods.';
    const out = deidentifyTextSync(text);
    expect(out.spans).toEqual([]);
    expect(out.text).toBe(text);
  });

  it('finds dates and times in every common format', () => {
    const samples = [
      '03/14/2021',
      '3/14/21',
      '2021-03-14',
      '14.03.2021',
      'March 14, 2021',
      '14 March 2021',
      'Mar 14',
      'March 2021',
      '14-MAR-2021',
      '10:45',
      '10:45 AM',
      '1045 hours',
    ];
    for (const s of samples)
      expect(tags(`Seen on ${s} for follow-up.`), s).toBe('Seen on [DATE] for follow-up.');
    expect(tags('The study was compared on the 3rd.')).toBe('The study was compared on the [DATE].');
    expect(tags('Fracture of the 3rd rib, grade 2 of 4, in 2019.')).toBe(
      'Fracture of the 3rd rib, grade 2 of 4, in 2019.',
    );
  });

  it('hides ages over 89 only', () => {
    expect(tags('A 92-year-old woman and a man aged 95; her 64-year-old son.')).toBe(
      'A [AGE]-year-old woman and a man aged [AGE]; her 64-year-old son.',
    );
  });

  it('finds identifiers, contacts and places', () => {
    expect(tags('MRN: 12345678, Acc#: FAKEACC0001, code MRN-FAKE-0001, SSN 123-45-6789.')).toBe(
      'MRN: [ID], Acc#: [ID], code [ID], SSN [ID].',
    );
    expect(
      tags('Call (555) 010-0147 x123, pager 4-5678, jdoe@example.com, https://pacs.example.org/x, 10.1.2.3.'),
    ).toBe('Call [CONTACT], pager [CONTACT], [CONTACT], [CONTACT], [CONTACT].');
    expect(
      tags("Transferred from St. Mary's Medical Center; lives at 12 Oak Street, Springfield, IL 62704."),
    ).toBe('Transferred from [LOCATION]; lives at [LOCATION].');
  });

  it('keeps a name or date split by the 79-column wrap in one span', () => {
    const out = deidentifyTextSync(' were discussed with Dr. Alan\n Fakeman on March\n 14, 2021.');
    expect(out.text).toBe(' were discussed with Dr. [NAME] on [DATE].');
  });

  it('keeps the placeholders of a report already redacted with ___', () => {
    const text = ' INDICATION:  ___ year old woman with cough.\n Discussed with Dr. ___ at ___ on ___.\n';
    const out = deidentifyTextSync(text);
    expect(out.text).toBe(text);
    expect(
      out.spans.every((s) => s.source === 'placeholder' && s.replacement === text.slice(s.start, s.end)),
    ).toBe(true);
    expect(
      tags('Seen by [**First Name8 (NamePattern2) **] [**Last Name (NamePattern1) 123**] and XXXX.'),
    ).toBe('Seen by [**First Name8 (NamePattern2) **] [**Last Name (NamePattern1) 123**] and XXXX.');
  });
});

describe('header-informed scrubbing', () => {
  const known: KnownIdentifiers = {
    patientNames: ['DOE^JANE^Q'],
    patientIds: ['MRN-FAKE-0001'],
    accessionNumbers: ['0012345678'],
    birthDate: '19570302',
    studyDates: ['20210314'],
    institutionNames: ['FAKE GENERAL HOSPITAL'],
    physicianNames: ['MÜLLER^JOSÉ'],
  };

  it("finds the patient's name from the header written LAST, FIRST and as initials", () => {
    expect(tags('Doe, Jane was seen. JD tolerated the exam; J. Doe and JQD agreed.', { known })).toBe(
      '[NAME] was seen. [NAME] tolerated the exam; [NAME] and [NAME] agreed.',
    );
    expect(tags('Ms. Doe is stable; DOE^JANE on the label.', { known })).toBe(
      'Ms. [NAME] is stable; [NAME] on the label.',
    );
  });

  it('matches accents, case and separators, and IDs without separators or leading zeros', () => {
    expect(tags('Referred by jose muller; Jose MULLER agreed.', { known })).toBe(
      'Referred by [NAME]; [NAME] agreed.',
    );
    expect(tags('Ref MRNFAKE0001 and MRN FAKE 0001, accession 12345678.', { known })).toBe(
      'Ref [ID] and [ID], accession [ID].',
    );
    expect(tags('Born 2 March 1957; images at Fake General Hospital.', { known })).toBe(
      'Born [DATE]; images at [LOCATION].',
    );
  });

  it('finds each identifier of a many-person hospital header by its own spelling, and nothing else', () => {
    const hospital = {
      ...known,
      physicianNames: ['MÜLLER^JOSÉ', 'YOUNG^KEISHA^ANN', 'BENAVIDES HERRERA^GABRIELA', 'HILL^TOM'],
      operatorNames: ["O'BRIEN^PAT"],
      institutionNames: ["SAINT MARY'S HOSPITAL"],
      institutionAddresses: ['12 Elm Street, Springfield, IL 62704'],
      otherIds: ['V-000123'],
    };
    const text =
      "Jane Q. Doe, seen by Young K.A. and Gabriela Benavides-Herrera at St. Mary's Hospital " +
      '(12 Elm Street). Obrien noted Young adult habitus; V123 and v-0123 filed. Hill-Sachs lesion.';
    const found = headerCandidates(text, compileHeader(hospital)).map(
      (c) => `${c.category}:${text.slice(c.start, c.end)}`,
    );
    expect(found.sort()).toEqual(
      [
        'NAME:Jane Q. Doe',
        'NAME:Young K.A.',
        'NAME:Gabriela Benavides-Herrera',
        // Single words are their own group (the merge joins them with the full names); "Young adult" is none.
        'NAME:Jane',
        'NAME:Doe',
        'NAME:Young',
        'NAME:Gabriela',
        'NAME:Benavides-Herrera',
        "LOCATION:St. Mary's Hospital",
        'LOCATION:12 Elm Street',
        'NAME:Obrien',
        'ID:V123',
        'ID:v-0123',
      ].sort(),
    );
  });

  it('a patient named Foley is scrubbed, but the Foley catheter stays', () => {
    const foley = { patientNames: ['FOLEY^ANNE-MARIE'] };
    expect(
      tags('Mrs. Foley has a Foley catheter; Foley was informed. Anne Marie agreed.', { known: foley }),
    ).toBe('Mrs. [NAME] has a Foley catheter; [NAME] was informed. [NAME] agreed.');
  });

  it('does not take two-letter initials that spell medicine', () => {
    const paul = { patientNames: ['ADAMS^PAUL'] };
    expect(tags('PA and lateral views. P.A. was informed.', { known: paul })).toBe(
      'PA and lateral views. [NAME] was informed.',
    );
  });
});

describe('surrogates', () => {
  const secret = Buffer.from('project-secret-for-tests');
  const surrogate = (text: string, patientKey: string, shiftDays = 10, known?: KnownIdentifiers) =>
    deidentifyTextSync(text, { mode: 'surrogates', secret, patientKey, shiftDays, known });

  it('are consistent for the same person within a patient and differ across patients', () => {
    const known = { patientNames: ['DOE^JANE'] };
    const a = surrogate('Jane Doe was seen. DOE, JANE signed. Ms. Doe agreed.', 'p1', 10, known);
    const names = a.spans.map((s) => s.replacement);
    const [first, last] = (names[0] ?? '').split(' ');
    expect(names[1]).toBe(`${last?.toUpperCase()}, ${first?.toUpperCase()}`);
    expect(names[2]).toBe(last);
    expect(a.text).not.toMatch(/Jane|Doe/iu);
    const b = surrogate('Jane Doe was seen.', 'p2', 10, known);
    expect(b.spans[0]?.replacement).not.toBe(names[0]);
    expect(surrogate('Jane Doe was seen.', 'p1', 10, known).text).toBe(
      surrogate('Jane Doe was seen.', 'p1', 10, known).text,
    );
  });

  it("move dates by the patient's shift and keep their format", () => {
    const out = surrogate(
      'Seen 03/14/2021, 2021-03-14, March 14, 2021, 14.03.21, Mar 14 and 14-MAR-2021.',
      'p1',
      10,
    );
    expect(out.text).toBe('Seen 03/24/2021, 2021-03-24, March 24, 2021, 24.03.21, Mar 24 and 24-MAR-2021.');
    expect(surrogate('Seen on January 25th, 2020.', 'p1', 10).text).toBe('Seen on February 4th, 2020.');
  });

  it('turn ages over 89 into 90+ and keep the shape of IDs and phone numbers', () => {
    const out = surrogate('A 93-year-old, MRN: AB-123456, call (617) 432-1234.', 'p1');
    expect(out.text).toMatch(/^A 90\+-year-old, MRN: [A-Z]{2}-\d{6}, call \(\d{3}\) 555-01\d\d\.$/u);
    expect(out.text).not.toContain('123456');
  });

  it('need the project secret', () => {
    expect(() => deidentifyTextSync('Dr. Smith', { mode: 'surrogates', patientKey: 'p1' })).toThrow(
      /secret/u,
    );
  });
});

describe('an optional NER model', () => {
  it("adds the model's spans to the rules' (union for recall)", async () => {
    // A stand-in for an external model: it knows one name the rules cannot see.
    const model: NerModel = {
      predict: async (text) => {
        const at = text.indexOf('Zyx Quorb');
        return [
          { start: at, end: at + 'Zyx Quorb'.length, category: 'NAME', score: 0.9 },
          { start: 0, end: 3, category: 'NAME', score: 0.1 },
        ];
      },
    };
    const out = await deidentifyText('The Zyx Quorb case was discussed with Dr. Smith.', { model });
    expect(out.text).toBe('The [NAME] case was discussed with Dr. [NAME].');
    expect(out.spans.map((s) => s.source)).toEqual(['model', 'rule:name-title']);
  });
});
