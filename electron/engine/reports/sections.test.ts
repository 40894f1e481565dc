import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sectionReport } from './sections.ts';

const files = path.resolve(
  import.meta.dirname,
  '..',
  '..',
  '..',
  'resources',
  'sample-data',
  'mimic-cxr',
  'files',
);
const sample = (rel: string) => sectionReport(fs.readFileSync(path.join(files, rel), 'utf8'));

/** Builds a report in the house style: a leading space on every line, an indented title. */
const report = (...lines: string[]) =>
  ['                                 FINAL REPORT', ...lines.map((l) => (l ? ` ${l}` : ' '))].join('\n');

describe('sectioning the sample MIMIC-style reports', () => {
  it('splits a full report into its sections and joins wrapped lines', () => {
    const s = sample('p12/p12286358/s54162535.txt');
    expect(s.indication).toBe('Follow-up of right lower lobe pneumonia.');
    expect(s.technique).toBe('Chest PA and lateral.');
    expect(s.comparison).toBe('Chest radiograph of March 14, 2021.');
    expect(s.findings).toBe(
      'Interval improvement of the right lower lobe consolidation with minimal residual opacity. ' +
        'The 5 mm nodule over the left upper lung zone is unchanged. No pleural effusion or pneumothorax.',
    );
    expect(s.impression).toBe('Improving right lower lobe pneumonia with minimal residual opacity.');
    expect(s.last_paragraph).toBeNull();
  });

  it('takes the addendum that comes first, before the line of underscores', () => {
    const s = sample('p12/p12286358/s54162535.txt');
    expect(s.addendum).toMatch(
      /^Correlation with the chest CT of March 30, 2021 confirms a stable 5 mm nodule/,
    );
    expect(s.addendum).toMatch(/on April 2, 2021\.$/);
    expect(s.findings).not.toContain('Correlation');
  });

  it('uses the last paragraph when there is neither findings nor impression', () => {
    const s = sample('p18/p18682203/s55803838.txt');
    expect(s.findings).toBeNull();
    expect(s.impression).toBeNull();
    expect(s.indication).toBe('40-year-old man (John Q. Sample, DOB 09/30/1979) with atypical chest pain.');
    expect(s.last_paragraph).toBe('Normal chest radiographs without evidence of pneumonia or pneumothorax.');
  });

  it('reads HISTORY as the indication and CONCLUSION as the impression', () => {
    const s = sample('p12/p12351029/s59726126.txt');
    expect(s.indication).toBe('56-year-old smoker with weight loss.');
    expect(s.impression).toMatch(
      /^New right upper lobe mass measuring 3\.2 x 2\.1 cm, suspicious for malignancy\./,
    );
    expect(s.technique).toBe('Chest PA and lateral. The PA view was repeated because of patient motion.');
  });

  it('reads REASON FOR EXAMINATION as the indication and drops WET READ and NOTIFICATION', () => {
    expect(sample('p18/p18827001/s57473177.txt').indication).toBe('Pacemaker placement on 03/12/2019.');
    const wet = sample('p15/p15802033/s58820629.txt');
    expect(wet.impression).toBe('Small right apical pneumothorax and right sixth rib fracture.');
    expect(JSON.stringify(wet)).not.toContain('CTN FRI');
    const notified = sample('p16/p16505757/s50107391.txt');
    expect(notified.impression).toBe(
      '1. Moderate pulmonary edema and cardiomegaly. 2. Small bilateral pleural effusions and bibasilar ' +
        'atelectasis. 3. Lines and tubes in standard position.',
    );
    expect(JSON.stringify(notified)).not.toContain('paged');
  });

  it('sections every sample report with findings, impression or a last paragraph', () => {
    for (const subject of fs.readdirSync(files, { recursive: true }) as string[]) {
      if (!subject.endsWith('.txt')) continue;
      const s = sample(subject);
      expect(s.findings ?? s.impression ?? s.last_paragraph, subject).toBeTruthy();
    }
  });
});

describe('sectioning tricky reports', () => {
  it('normalises typos in header names', () => {
    const s = sectionReport(report('FINDNGS:  Clear lungs.', '', 'IMPRESSON:  Normal chest.'));
    expect(s).toMatchObject({ findings: 'Clear lungs.', impression: 'Normal chest.' });
  });

  it('reads FINDINGS AND IMPRESSION as the impression', () => {
    const s = sectionReport(report('FINDINGS AND IMPRESSION:  No acute process.'));
    expect(s).toMatchObject({ findings: null, impression: 'No acute process.', last_paragraph: null });
  });

  it('accepts lower-case and mixed-case headers it knows, and keeps other text with colons as text', () => {
    const s = sectionReport(
      ['findings: the heart size: normal.', 'lungs are clear.', '', 'Impression: normal chest.'].join('\n'),
    );
    expect(s).toMatchObject({
      findings: 'the heart size: normal. lungs are clear.',
      impression: 'normal chest.',
    });
  });

  it('maps comparisons, clinical history and reason for exam', () => {
    const s = sectionReport(
      report(
        'COMPARISONS:  None.',
        '',
        'CLINICAL HISTORY:  Cough.',
        '',
        'REASON FOR EXAM:  Fever.',
        '',
        'FINDINGS:  Clear.',
      ),
    );
    expect(s).toMatchObject({ comparison: 'None.', indication: 'Cough. Fever.', findings: 'Clear.' });
  });

  it('gives only a last paragraph for a report without any header', () => {
    const s = sectionReport(report('Heart size is normal.', 'Lungs are clear.', '', 'No acute disease.'));
    expect(s).toEqual({
      indication: null,
      comparison: null,
      technique: null,
      findings: null,
      impression: null,
      addendum: null,
      last_paragraph: 'No acute disease.',
    });
  });

  it('drops empty sections and keeps multi-paragraph findings together', () => {
    const s = sectionReport(
      report(
        'INDICATION:',
        '',
        'FINDINGS:  Line one',
        'wrapped.',
        '',
        'Second paragraph.',
        '',
        'IMPRESSION:  Done.',
      ),
    );
    expect(s).toMatchObject({
      indication: null,
      findings: 'Line one wrapped. Second paragraph.',
      impression: 'Done.',
    });
  });

  it('handles Windows line ends and an addendum header inside the report', () => {
    const s = sectionReport(' FINDINGS:  Clear.\r\n \r\n ADDENDUM:  Called Dr. X.\r\n');
    expect(s).toMatchObject({ findings: 'Clear.', addendum: 'Called Dr. X.' });
  });

  it('does not take an unknown upper-case title for content of the previous section', () => {
    const s = sectionReport(
      report('FINDINGS:  Clear.', '', 'PROVISIONAL FINDINGS IMPRESSION (PFI):  x', '', 'IMPRESSION:  Ok.'),
    );
    expect(s).toMatchObject({ findings: 'Clear.', impression: 'Ok.' });
  });
});

// Open-i (Indiana University chest X-rays) reports in the two layouts exports give them: headings on their own
// lines, and the whole report in one paragraph as many RIS exports write it. Written here in the collection's
// style (its text is not ours to copy), with the "XXXX" placeholders of its scrubbing.
const OPEN_I_SECTIONS = {
  indication: 'XXXX-year-old male, chest pain.',
  comparison: 'None.',
  findings:
    'The cardiomediastinal silhouette is within normal limits for size and contour. The lungs are clear. No ' +
    'pneumothorax or pleural effusion.',
  impression: 'Normal chest x-XXXX.',
};
const OPEN_I_LINES = [
  'EXAMINATION: Chest PA and lateral',
  `INDICATION: ${OPEN_I_SECTIONS.indication}`,
  `COMPARISON: ${OPEN_I_SECTIONS.comparison}`,
  `FINDINGS: ${OPEN_I_SECTIONS.findings}`,
  `IMPRESSION: ${OPEN_I_SECTIONS.impression}`,
];

describe('headings wherever they stand', () => {
  it('Open-i, headings on their own lines: every section exact', () => {
    expect(sectionReport(OPEN_I_LINES.join('\n'))).toMatchObject(OPEN_I_SECTIONS);
  });

  it('Open-i, one paragraph: every section exact, nothing left in the examination', () => {
    expect(sectionReport(OPEN_I_LINES.join(' '))).toMatchObject(OPEN_I_SECTIONS);
  });

  it('an examination without a full stop ends at the next upper-case heading', () => {
    const s = sectionReport('EXAMINATION: CHEST 2V FRONTAL/LATERAL INDICATION: Cough FINDINGS: Clear lungs.');
    expect(s).toMatchObject({ indication: 'Cough', findings: 'Clear lungs.' });
  });

  it('mixed-case headings count after a sentence end, not inside prose', () => {
    const s = sectionReport(
      'Findings: The lungs are clear. Impression: No acute disease. The findings: as before are stable.',
    );
    expect(s).toMatchObject({
      findings: 'The lungs are clear.',
      impression: 'No acute disease. The findings: as before are stable.',
    });
  });

  it('colon variants: space before it, full-width, and a heading alone on its line without one', () => {
    const s = sectionReport('FINDINGS : Clear lungs. IMPRESSION\uFF1A Normal.\n\nComparison\nNone.');
    expect(s).toMatchObject({ findings: 'Clear lungs.', impression: 'Normal.', comparison: 'None.' });
  });

  it('MIMIC-CXR reports section as before with inline headings allowed', () => {
    const s = sample('p12/p12286358/s54162535.txt');
    expect(s.findings).toMatch(/^Interval improvement of the right lower lobe consolidation/);
    expect(s.impression).toBe('Improving right lower lobe pneumonia with minimal residual opacity.');
  });
});
