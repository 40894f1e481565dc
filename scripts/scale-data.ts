/**
 * Generated hospital-scale data for the scale benchmark (bench/scale.ts) and the report de-identification
 * benchmark: synthetic patients whose identities look like a real PACS export's, and a MIMIC-CXR tree of them.
 *
 * - Surnames are drawn by frequency from the US Census 2010 surname order (public domain), so the common
 *   ones that are also ordinary words (Young, White, Brown, Green, Hill, Bell, Long…) turn up as often as
 *   they do in a hospital. See SURNAMES for the provenance and how frequencies are approximated.
 * - Each patient has ≥ 6 person names (patient, mother's birth name, referring, performing, reading and
 *   requesting physicians, operator), 2 addresses (home, institution) and 10 identifiers; `knownIdentifiers`
 *   gives them in the shape the text de-identifier takes as a study's header.
 * - Reports use MIMIC-CXR's sections, with ordinary words that are also surnames ("Young adult", "small
 *   effusion", "white blood cell count"), comparison language, and now and then a person named in the text.
 *
 * Everything is a pure function of (seed, index): patient 123 of seed 7 is the same on every machine, so a
 * benchmark can draw any patient without generating the ones before it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Faker, en, en_US } from '@faker-js/faker';
import { asciiBytes, writePart10, type OutElement } from '../electron/engine/deid-dicom/writer.ts';
import type { KnownIdentifiers } from '../electron/engine/deid-text/types.ts';
import { FINDINGS } from './make-big-project.ts';
import { seededRandom } from './seeded-random.ts';

/**
 * Surnames in the order of the US Census Bureau's "Frequently Occurring Surnames from the 2010 Census"
 * (Names_2010Census.csv, https://www2.census.gov/topics/genealogy/2010surnames/, public domain; the top 100
 * in their published order), then surnames that are ordinary English or medical words at their approximate
 * rank in that file. The file's counts are not vendored: the share of rank r is approximated by a power
 * law through the file's published share of rank 1 (Smith, 828.19 per 100,000) and rank 100
 * (≈ 95 per 100,000): 828.19 · r^-0.47. Good enough for realistic collisions; not a census.
 */
const TOP_100 =
  `Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez
  Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark Ramirez Lewis
  Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera
  Campbell Mitchell Carter Roberts Gomez Phillips Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart
  Morris Morales Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos Kim
  Cox Ward Richardson Watson Brooks Chavez Wood James Bennett Gray Mendoza Ruiz Hughes Price Alvarez Castillo
  Sanders Patel Myers Long Ross Foster Jimenez`
    .split(/\s+/u)
    .filter(Boolean);

/** Ordinary-word surnames beyond the top 100, with their approximate rank in the 2010 file. */
const WORD_SURNAMES: [string, number][] = [
  ['Bell', 120],
  ['Black', 180],
  ['West', 200],
  ['Stone', 220],
  ['Hunt', 230],
  ['Rice', 240],
  ['Little', 240],
  ['Rose', 250],
  ['Banks', 260],
  ['Fox', 300],
  ['Hart', 300],
  ['Lane', 300],
  ['Fields', 320],
  ['Cross', 400],
  ['Love', 420],
  ['Small', 600],
  ['Short', 600],
  ['Moss', 620],
  ['Flowers', 640],
  ['Strong', 700],
  ['Sharp', 720],
  ['Wise', 800],
  ['Frost', 900],
  ['Case', 900],
  ['Walls', 1500],
  ['Head', 2500],
  ['Mass', 9000],
];

export interface Surname {
  name: string;
  rank: number;
  /** Approximate people per 100,000. */
  per100k: number;
}

export const SURNAMES: readonly Surname[] = [
  ...TOP_100.map((name, i) => [name, i + 1] as [string, number]),
  ...WORD_SURNAMES,
].map(([name, rank]) => ({ name, rank, per100k: 828.19 * rank ** -0.47 }));

/**
 * Surnames that are also ordinary English words. `wordSurnames: false` leaves them out: a clearly labelled
 * measurement mode for timing the later stages while the leak gate still refuses such names (issue 14).
 */
export const ORDINARY_WORD_SURNAMES: ReadonlySet<string> = new Set([
  ...WORD_SURNAMES.map(([name]) => name),
  ...'Brown White Young King Hill Green Hall Long Wood Gray Price Reed Cook Ward Brooks Baker Carter Turner Parker Cooper Bennett Morgan Martin Rogers Stewart Bailey Howard Wright'.split(
    ' ',
  ),
]);

function cumulative(names: readonly Surname[]): number[] {
  let sum = 0;
  return names.map((s) => (sum += s.per100k));
}

const TABLES = {
  all: { names: SURNAMES, cumulative: cumulative(SURNAMES) },
  noWords: (() => {
    const names = SURNAMES.filter((s) => !ORDINARY_WORD_SURNAMES.has(s.name));
    return { names, cumulative: cumulative(names) };
  })(),
};

/** A surname drawn by frequency (without the ordinary-word ones when `wordSurnames` is false). */
export function drawSurname(random: () => number, wordSurnames = true): string {
  const { names, cumulative: sums } = wordSurnames ? TABLES.all : TABLES.noWords;
  const x = random() * sums[sums.length - 1]!;
  let lo = 0;
  let hi = sums.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sums[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return names[lo]!.name;
}

export interface ScaleOptions {
  seed?: number;
  /** Draw ordinary-word surnames too (default true; false only to measure past the leak gate, labelled so). */
  wordSurnames?: boolean;
  /** Image rows (default 160: small pixels for speed; larger for tests that need heavy bundles). */
  rows?: number;
}

export interface Person {
  given: string;
  family: string;
}

export type View = 'PA' | 'AP' | 'LATERAL';

export interface ScaleImage {
  dicomId: string;
  view: View;
  sopUid: string;
  seriesUid: string;
}

export interface ScaleStudy {
  studyId: number;
  date: string;
  time: string;
  accession: string;
  studyUid: string;
  images: ScaleImage[];
  /** CheXpert label name → 1, 0, -1 (blank when absent). */
  labels: Record<string, number>;
  report: string;
}

export interface ScalePatient {
  subjectId: number;
  sex: 'M' | 'F';
  birthDate: string;
  split: 'train' | 'validate' | 'test';
  name: Person;
  motherBirthName: Person;
  referring: Person;
  performing: Person;
  reading: Person;
  requesting: Person;
  operator: Person;
  homeAddress: string;
  phone: string;
  institution: string;
  institutionAddress: string;
  /** MRN, two other patient IDs, insurance plan, device serial, then per-study-shaped IDs (10 in all). */
  ids: {
    mrn: string;
    otherIds: [string, string];
    insurance: string;
    deviceSerial: string;
    studyId: string;
    requestedProcedureId: string;
    scheduledStepId: string;
    performedStepId: string;
  };
  studies: ScaleStudy[];
}

/** CheXpert's 14 label names (the big project's list). */
export const CHEXPERT_NAMES = FINDINGS;

/** Finding sentences, each with the label it implies; ordinary words that are surnames are frequent. */
const FINDING_SENTENCES: [string, string, number][] = [
  ['Small left pleural effusion.', 'Pleural Effusion', 1],
  ['Small bilateral pleural effusions, little changed.', 'Pleural Effusion', 1],
  ['No large pleural effusion. A small effusion cannot be excluded.', 'Pleural Effusion', -1],
  ['Long-standing cardiomegaly is stable.', 'Cardiomegaly', 1],
  ['The heart is mildly enlarged, with little change from the prior study.', 'Cardiomegaly', 1],
  ['Patchy opacity at the right lung base could reflect atelectasis or early pneumonia.', 'Pneumonia', -1],
  ['Strong suspicion for right lower lobe pneumonia.', 'Pneumonia', 1],
  ['Bibasilar atelectasis, more pronounced on the left.', 'Atelectasis', 1],
  ['Mild pulmonary vascular congestion without frank edema.', 'Edema', 0],
  ['Moderate pulmonary edema, worse than before.', 'Edema', 1],
  ['A 1.2 cm nodular mass in the left upper lobe.', 'Lung Lesion', 1],
  ['No focal mass or consolidation.', 'Consolidation', 0],
  ['Focal consolidation in the right middle lobe.', 'Consolidation', 1],
  ['Small apical pneumothorax on the right.', 'Pneumothorax', 1],
  ['No pneumothorax.', 'Pneumothorax', 0],
  ['Healed fractures of the left fifth and sixth ribs.', 'Fracture', 1],
  ['Hill-Sachs deformity of the right humeral head.', 'Fracture', 1],
  [
    'Right internal jugular line ends in the low SVC. A nasogastric tube passes below the diaphragm.',
    'Support Devices',
    1,
  ],
  ['Sternal wires and a left-sided pacemaker with leads in standard position.', 'Support Devices', 1],
  ['Diffuse hazy opacity in the right lung.', 'Lung Opacity', 1],
];

const NORMAL = [
  'The lungs are clear.',
  'The cardiomediastinal silhouette is within normal limits.',
  'No acute osseous abnormality.',
  'Young adult with open growth plates; no acute process.',
  'Little change in the small calcified granuloma at the left apex.',
];

const INDICATIONS = [
  'cough and fever, white blood cell count elevated',
  'shortness of breath, history of Bell’s palsy',
  'chest pain, evaluate for pneumonia',
  'status post line placement, assess position',
  'young adult with chest wall pain after a fall',
  'long history of smoking, new small hemoptysis',
  'fever, brown sputum',
  'follow-up of known mass',
];

const COMPARISONS = [
  (d: string) => `Chest radiograph from ${d}.`,
  (d: string) => `Prior study of ${d}, and CT of the chest from the same admission.`,
  () => 'None.',
  (d: string) => `Compared with the radiograph of ${d}, there is little interval change.`,
];

const pad = (n: number, w: number) => String(n).padStart(w, '0');
const human = (d: string) => `${d.slice(4, 6)}/${d.slice(6, 8)}/${d.slice(0, 4)}`;
const digits = (random: () => number, n: number) =>
  Array.from({ length: n }, () => Math.floor(random() * 10)).join('');

/** Patient `index` (0-based) of `seed`: a pure function of both. */
export function scalePatient(index: number, options: ScaleOptions = {}): ScalePatient {
  const { seed = 1, wordSurnames = true } = options;
  const random = seededRandom(seed * 1_000_003 + index * 7919 + 17);
  const faker = new Faker({ locale: [en_US, en] });
  faker.seed(Math.floor(random() * 2 ** 31));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const sex = random() < 0.5 ? 'M' : 'F';
  const person = (s?: 'male' | 'female'): Person => ({
    given: faker.person.firstName(s),
    family: drawSurname(random, wordSurnames),
  });
  const birthYear = 1930 + Math.floor(random() * 75);
  const birthDate = `${birthYear}${pad(1 + Math.floor(random() * 12), 2)}${pad(1 + Math.floor(random() * 28), 2)}`;
  const subjectId = 10_000_000 + index;
  const p: ScalePatient = {
    subjectId,
    sex,
    birthDate,
    split: random() < 0.9 ? 'train' : random() < 0.5 ? 'validate' : 'test',
    name: person(sex === 'M' ? 'male' : 'female'),
    motherBirthName: person('female'),
    referring: person(),
    performing: person(),
    reading: person(),
    requesting: person(),
    operator: person(),
    homeAddress: `${faker.location.streetAddress()}, ${faker.location.city()}, ${faker.location.state({ abbreviated: true })} ${faker.location.zipCode('#####')}`,
    phone: `(${digits(random, 3)}) ${digits(random, 3)}-${digits(random, 4)}`,
    institution: `${faker.location.city()} ${pick(['General Hospital', 'Medical Center', 'Memorial Hospital'])}`,
    institutionAddress: `${faker.location.streetAddress()}, ${faker.location.city()}, ${faker.location.state({ abbreviated: true })} ${faker.location.zipCode('#####')}`,
    ids: {
      mrn: `MRN${digits(random, 8)}`,
      otherIds: [
        `EMPI${digits(random, 9)}`,
        `${digits(random, 3)}-${digits(random, 2)}-${digits(random, 4)}`,
      ],
      insurance: `INS${digits(random, 10)}`,
      deviceSerial: `SN${digits(random, 7)}`,
      studyId: digits(random, 6),
      requestedProcedureId: `RP${digits(random, 7)}`,
      scheduledStepId: `SPS${digits(random, 7)}`,
      performedStepId: `PPS${digits(random, 7)}`,
    },
    studies: [],
  };
  const nStudies = 1 + Math.floor(random() * random() * 4);
  for (let s = 0; s < nStudies; s++) {
    const year = Math.min(2024, birthYear + 18 + Math.floor(random() * 60));
    const date = `${year}${pad(1 + Math.floor(random() * 12), 2)}${pad(1 + Math.floor(random() * 28), 2)}`;
    const studyId = 50_000_000 + index * 8 + s;
    const views: View[] = random() < 0.6 ? ['PA', 'LATERAL'] : random() < 0.5 ? ['AP'] : ['PA'];
    p.studies.push({
      studyId,
      date,
      time: `${pad(7 + Math.floor(random() * 12), 2)}${pad(Math.floor(random() * 60), 2)}00`,
      accession: `ACC${digits(random, 9)}`,
      studyUid: `2.25.${subjectId}${s}1`,
      images: views.map((view, k) => ({
        dicomId: `${pad(studyId, 8)}-${pad(index % 100_000, 5)}${k}`,
        view,
        sopUid: `2.25.${subjectId}${s}3${k}`,
        seriesUid: `2.25.${subjectId}${s}2${k}`,
      })),
      labels: {},
      report: '',
    });
  }
  p.studies.sort((a, b) => (a.date < b.date ? -1 : 1));
  p.studies.forEach((st, s) => {
    const found = Array.from({ length: Math.floor(random() * 3) }, () => pick(FINDING_SENTENCES));
    for (const [, label, value] of found) st.labels[label] = value;
    if (found.length === 0) st.labels['No Finding'] = 1;
    st.report = report(p, st, s > 0 ? p.studies[s - 1]!.date : null, found, random, pick);
  });
  return p;
}

function report(
  p: ScalePatient,
  st: ScaleStudy,
  prior: string | null,
  found: [string, string, number][],
  random: () => number,
  pick: <T>(xs: readonly T[]) => T,
): string {
  const age = Number(st.date.slice(0, 4)) - Number(p.birthDate.slice(0, 4));
  const views = st.images.map((i) => i.view).join(' and ');
  const findings = [...found.map(([s]) => s), pick(NORMAL), pick(NORMAL)];
  const lines = [
    '                                 FINAL REPORT',
    ` EXAMINATION:  CHEST (${views})`,
    '',
    ` INDICATION:  ${age}-year-old ${p.sex === 'M' ? 'man' : 'woman'} with ${pick(INDICATIONS)}.`,
    '',
    ` TECHNIQUE:  Chest ${views} views.`,
    '',
    ` COMPARISON:  ${prior ? pick(COMPARISONS)(human(prior)) : 'None.'}`,
    '',
    ' FINDINGS:',
    '',
    ` ${findings.join(' ')}`,
    '',
    ' IMPRESSION:',
    '',
    ` ${found[0]?.[0] ?? 'No acute cardiopulmonary process.'}`,
  ];
  // About one report in five names a person, as real ones do; the de-identifier must catch these.
  const r = random();
  if (r < 0.08)
    lines.push(
      '',
      ` Findings discussed with Dr. ${p.referring.family} by telephone at 4:15 pm on ${human(st.date)}.`,
    );
  else if (r < 0.14)
    lines.push('', ` Results were called to ${p.requesting.given} ${p.requesting.family}, NP, at 10:40.`);
  else if (r < 0.2)
    lines.push('', ` Patient ${p.name.family.toUpperCase()}, ${p.name.given.toUpperCase()} (${p.ids.mrn}).`);
  return lines.join('\n') + '\n';
}

const dicomName = (x: Person) => `${x.family}^${x.given}`;

/** The study's header identifiers, as the text de-identifier takes them (6+ names, 2 addresses, 10 IDs). */
export function knownIdentifiers(p: ScalePatient, st: ScaleStudy): KnownIdentifiers {
  return {
    patientNames: [dicomName(p.name), dicomName(p.motherBirthName)],
    patientIds: [p.ids.mrn, ...p.ids.otherIds],
    accessionNumbers: [st.accession],
    otherIds: [
      p.ids.insurance,
      p.ids.studyId,
      p.ids.requestedProcedureId,
      p.ids.scheduledStepId,
      p.ids.performedStepId,
    ],
    birthDate: p.birthDate,
    studyDates: [st.date],
    institutionNames: [p.institution],
    institutionAddresses: [p.institutionAddress, p.homeAddress],
    physicianNames: [p.referring, p.performing, p.reading, p.requesting].map(dicomName),
    operatorNames: [dicomName(p.operator)],
    otherStrings: [p.ids.deviceSerial, p.phone],
  };
}

const ROWS = 160;
/** Columns per view, as a fraction of the rows. */
const WIDTH = { PA: 0.9, AP: 0.9, LATERAL: 1 } as const;
const colsOf = (view: View, rows: number) => Math.round(rows * WIDTH[view]);

/**
 * Small chest-like 12-bit pixels, distinct per image (random blobs), so pixel and perceptual hashes differ;
 * strong quantum noise keeps rendered PNGs near their raw size, as real radiographs are.
 */
function pixels(random: () => number, rows: number, cols: number): Uint8Array {
  const out = new Uint16Array(rows * cols);
  const blobs = Array.from({ length: 4 }, () => [random(), random(), 0.05 + random() * 0.2, random()]);
  for (let y = 0; y < rows; y++)
    for (let x = 0; x < cols; x++) {
      const u = x / cols;
      const v = y / rows;
      let value = 2200 - 900 * ((u - 0.5) ** 2 + (v - 0.55) ** 2);
      if (((u - 0.3) / 0.17) ** 2 + ((v - 0.5) / 0.3) ** 2 < 1) value -= 1100;
      if (((u - 0.7) / 0.17) ** 2 + ((v - 0.5) / 0.3) ** 2 < 1) value -= 1100;
      for (const [bu, bv, r, w] of blobs)
        if ((u - bu!) ** 2 + (v - bv!) ** 2 < r! * r!) value += 600 + 800 * w!;
      out[y * cols + x] = Math.max(0, Math.min(4095, Math.round(value + 300 * random())));
    }
  return new Uint8Array(out.buffer);
}

const text = (tag: number, vr: string, value: string): OutElement => ({ tag, vr, value: asciiBytes(value) });
const us = (tag: number, value: number): OutElement => ({
  tag,
  vr: 'US',
  value: Uint8Array.of(value & 0xff, value >> 8),
});

/** One DX image's Part 10 bytes with the patient's full header. */
export function dicomBytes(
  p: ScalePatient,
  st: ScaleStudy,
  im: ScaleImage,
  index: number,
  rows = ROWS,
): Uint8Array {
  const random = seededRandom(p.subjectId * 31 + index);
  const cols = colsOf(im.view, rows);
  const sopClass = '1.2.840.10008.5.1.4.1.1.1.1';
  const elements: OutElement[] = [
    text(0x00080005, 'CS', 'ISO_IR 100'),
    text(0x00080016, 'UI', sopClass),
    text(0x00080018, 'UI', im.sopUid),
    text(0x00080020, 'DA', st.date),
    text(0x00080030, 'TM', st.time),
    text(0x00080050, 'SH', st.accession),
    text(0x00080060, 'CS', 'DX'),
    text(0x00080070, 'LO', 'FAKEVENDOR'),
    text(0x00080080, 'LO', p.institution),
    text(0x00080081, 'ST', p.institutionAddress),
    text(0x00080090, 'PN', dicomName(p.referring)),
    text(0x00081030, 'LO', 'CHEST'),
    text(0x00081050, 'PN', dicomName(p.performing)),
    text(0x00081060, 'PN', dicomName(p.reading)),
    text(0x00081070, 'PN', dicomName(p.operator)),
    text(0x00100010, 'PN', dicomName(p.name)),
    text(0x00100020, 'LO', p.ids.mrn),
    text(0x00100030, 'DA', p.birthDate),
    text(0x00100040, 'CS', p.sex),
    text(0x00101000, 'LO', p.ids.otherIds.join('\\')),
    text(0x00101040, 'LO', p.homeAddress.slice(0, 64)),
    text(0x00101050, 'LO', p.ids.insurance),
    text(0x00101060, 'PN', dicomName(p.motherBirthName)),
    text(0x00102154, 'SH', p.phone),
    text(0x00180015, 'CS', 'CHEST'),
    text(0x00181000, 'LO', p.ids.deviceSerial),
    text(0x00185101, 'CS', im.view === 'LATERAL' ? 'LL' : im.view),
    text(0x0020000d, 'UI', st.studyUid),
    text(0x0020000e, 'UI', im.seriesUid),
    text(0x00200010, 'SH', p.ids.studyId),
    text(0x00200011, 'IS', '1'),
    text(0x00200013, 'IS', String(index + 1)),
    us(0x00280002, 1),
    text(0x00280004, 'CS', 'MONOCHROME2'),
    us(0x00280010, rows),
    us(0x00280011, cols),
    us(0x00280100, 16),
    us(0x00280101, 12),
    us(0x00280102, 11),
    us(0x00280103, 0),
    text(0x00281050, 'DS', '1600'),
    text(0x00281051, 'DS', '3000'),
    text(0x00321032, 'PN', dicomName(p.requesting)),
    text(0x00400009, 'SH', p.ids.scheduledStepId),
    text(0x00400253, 'SH', p.ids.performedStepId),
    text(0x00401001, 'SH', p.ids.requestedProcedureId),
    { tag: 0x7fe00010, vr: 'OW', value: pixels(random, rows, cols) },
  ];
  return writePart10(
    {
      sopClassUid: sopClass,
      sopInstanceUid: im.sopUid,
      transferSyntaxUid: '1.2.840.10008.1.2.1',
      implementationClassUid: '2.25.1',
      implementationVersionName: 'MEDPREP_SCALE',
    },
    elements,
    { explicitVr: true, littleEndian: true, deflated: false },
  );
}

export interface TreeSummary {
  dir: string;
  images: number;
  studies: number;
  patients: number;
  reports: number;
  bytes: number;
}

/**
 * Writes a MIMIC-CXR tree of at least `images` images (whole patients) into `dir`: files/pXX/pSUBJECT/sSTUDY/
 * <dicom_id>.dcm, the report beside each study folder, and the metadata, split and CheXpert CSVs. CSV rows
 * are written as patients are made, so memory stays flat whatever the size.
 */
export function writeMimicTree(dir: string, images: number, options: ScaleOptions = {}): TreeSummary {
  fs.mkdirSync(dir, { recursive: true });
  const csv = (name: string, header: string[]) => {
    const fd = fs.openSync(path.join(dir, name), 'w');
    fs.writeSync(fd, header.join(',') + '\n');
    return fd;
  };
  const metadata = csv('mimic-cxr-2.0.0-metadata.csv', [
    'dicom_id',
    'subject_id',
    'study_id',
    'PerformedProcedureStepDescription',
    'ViewPosition',
    'Rows',
    'Columns',
    'StudyDate',
    'StudyTime',
    'ProcedureCodeSequence_CodeMeaning',
    'ViewCodeSequence_CodeMeaning',
    'PatientOrientationCodeSequence_CodeMeaning',
  ]);
  const split = csv('mimic-cxr-2.0.0-split.csv', ['dicom_id', 'study_id', 'subject_id', 'split']);
  const chexpert = csv('mimic-cxr-2.0.0-chexpert.csv', ['subject_id', 'study_id', ...CHEXPERT_NAMES]);
  const summary: TreeSummary = { dir, images: 0, studies: 0, patients: 0, reports: 0, bytes: 0 };
  try {
    for (let i = 0; summary.images < images; i++) {
      const p = scalePatient(i, options);
      summary.patients++;
      const group = `p${String(p.subjectId).slice(0, 2)}`;
      for (const st of p.studies) {
        summary.studies++;
        const studyDir = path.join(dir, 'files', group, `p${p.subjectId}`, `s${st.studyId}`);
        fs.mkdirSync(studyDir, { recursive: true });
        fs.writeFileSync(`${studyDir}.txt`, st.report);
        summary.reports++;
        summary.bytes += Buffer.byteLength(st.report);
        const row = [p.subjectId, st.studyId];
        fs.writeSync(
          chexpert,
          [...row, ...CHEXPERT_NAMES.map((n) => (n in st.labels ? `${st.labels[n]}.0` : ''))].join(',') +
            '\n',
        );
        for (const im of st.images) {
          const rows = options.rows ?? ROWS;
          const bytes = dicomBytes(p, st, im, summary.images, rows);
          fs.writeFileSync(path.join(studyDir, `${im.dicomId}.dcm`), bytes);
          summary.images++;
          summary.bytes += bytes.length;
          const view = im.view === 'LATERAL' ? 'lateral' : 'postero-anterior';
          fs.writeSync(
            metadata,
            [
              im.dicomId,
              p.subjectId,
              st.studyId,
              'CHEST (PA AND LAT)',
              im.view,
              rows,
              colsOf(im.view, rows),
              st.date,
              `${Number(st.time)}.0`,
              'CHEST (PA AND LAT)',
              view,
              'Erect',
            ].join(',') + '\n',
          );
          fs.writeSync(split, [im.dicomId, st.studyId, p.subjectId, p.split].join(',') + '\n');
        }
      }
    }
  } finally {
    for (const fd of [metadata, split, chexpert]) fs.closeSync(fd);
  }
  return summary;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [images, dir, seed, mode] = process.argv.slice(2);
  if (!images || !dir)
    throw new Error('usage: node scripts/scale-data.ts IMAGES DIR [SEED] [--measurement-mode]');
  const measuring = mode === '--measurement-mode';
  const options = { seed: Number(seed ?? 1), wordSurnames: !measuring };
  process.stdout.write(`${JSON.stringify(writeMimicTree(dir, Number(images), options))}\n`);
}
