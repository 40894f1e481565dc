/**
 * Synthetic raw radiology reports with gold PHI spans, for measuring report-text de-identification.
 *
 *   node scripts/gen-deid-gold.ts --seed 1 --count 300 --style tuning --out test/fixtures/deid/tuning.jsonl
 *
 * Styles: mimic (79-column wrapped, FINAL REPORT, sections, addenda), narrative, terse (list lines),
 * header-block ("Patient: …  MRN: …  DOB: …  Acc#: …"), letter (a consult letter); `tuning` mixes the first
 * four, `heldout` all five. The letter family was written after the rules were tuned and is only in the
 * held-out set. Every name, date, ID, contact and place is invented (faker, fictional phone range).
 *
 * Gold conventions: a name span covers the name words (not "Dr." nor ", MD"; "DOE, JANE" is one span); an age
 * span covers the number only ("92" of "92-year-old"); an ID span covers the value, not its label; a phone span
 * includes its extension; an address span runs to the ZIP code. A span split by a line wrap covers the wrap.
 * Each record carries `header`: the identifiers its DICOM header would hold, in DICOM forms.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Faker, de, en, es, fr } from '@faker-js/faker';

type Category = 'NAME' | 'DATE' | 'AGE' | 'ID' | 'CONTACT' | 'LOCATION';
interface GoldSpan {
  start: number;
  end: number;
  category: Category;
}
interface Header {
  patientNames: string[];
  patientIds: string[];
  accessionNumbers: string[];
  birthDate: string;
  studyDates: string[];
  institutionNames: string[];
  physicianNames: string[];
}

const STYLES = ['mimic', 'narrative', 'terse', 'header-block', 'letter'] as const;
type Style = (typeof STYLES)[number];

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '1' },
    count: { type: 'string', default: '300' },
    style: { type: 'string', default: 'tuning' },
    out: { type: 'string' },
  },
});

const seed = Number(values.seed);
const fakers = [en, en, es, fr, de].map((locale, i) => {
  const f = new Faker({ locale: [locale, en] });
  f.seed(seed * 7919 + i);
  return f;
});
const f = fakers[0] as Faker;
const pick = <T>(items: readonly T[]): T => items[f.number.int(items.length - 1)] as T;
const chance = (p: number) => f.number.float({ min: 0, max: 1 }) < p;
const int = (min: number, max: number) => f.number.int({ min, max });

// ------------------------------------------------------------------------------------------ document builder

class Doc {
  text = '';
  spans: GoldSpan[] = [];
  t(s: string): this {
    this.text += s;
    return this;
  }
  p(category: Category, s: string): this {
    this.spans.push({ start: this.text.length, end: this.text.length + s.length, category });
    this.text += s;
    return this;
  }
}

/** Wraps `doc` MIMIC style: every line starts with a space and is at most 79 characters. */
function wrapMimic(doc: Doc): Doc {
  const out = new Doc();
  const map: number[] = [];
  let col = 0;
  const src = doc.text;
  let i = 0;
  while (i < src.length) {
    const ch = src[i] as string;
    if (ch === '\n') {
      if (col === 0) out.text += ' ';
      map[i] = out.text.length;
      out.text += '\n';
      col = 0;
      i++;
      continue;
    }
    if (col === 0) {
      out.text += ' ';
      col = 1;
    }
    if (ch === ' ') {
      const nextBreak = src.slice(i + 1).search(/[ \n]|$/u);
      const wordLen = nextBreak < 0 ? src.length - i - 1 : nextBreak;
      if (col + 1 + wordLen > 79) {
        map[i] = out.text.length;
        out.text += '\n ';
        col = 1;
        i++;
        continue;
      }
    }
    map[i] = out.text.length;
    out.text += ch;
    col++;
    i++;
  }
  map[src.length] = out.text.length;
  out.spans = doc.spans.map((s) => ({
    start: map[s.start] as number,
    end: (map[s.end - 1] as number) + 1,
    category: s.category,
  }));
  return out;
}

// ------------------------------------------------------------------------------------------ identifiers

interface Person {
  first: string;
  last: string;
  middle: string;
}

function person(): Person {
  const fk = pick(fakers);
  return { first: fk.person.firstName(), last: fk.person.lastName(), middle: fk.person.firstName() };
}
const pn = (p: Person, middle = false) =>
  `${p.last.toUpperCase()}^${p.first.toUpperCase()}${middle ? `^${p.middle.toUpperCase()}` : ''}`;

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const pad = (n: number, w = 2) => String(n).padStart(w, '0');
const ord = (n: number) =>
  n % 100 >= 11 && n % 100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
const ymd = (d: Date) => `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}`;

function randomDate(from = 2015, to = 2023): Date {
  return new Date(Date.UTC(int(from, to), int(0, 11), int(1, 28)));
}

/** A date written one of the ways reports write dates; `withYear` false allows partial forms. */
function writeDate(d: Date, withYear = true): string {
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + 1;
  const day = d.getUTCDate();
  const month = MONTHS[m - 1] as string;
  const forms = [
    () => `${pad(m)}/${pad(day)}/${y}`,
    () => `${m}/${day}/${String(y).slice(2)}`,
    () => `${m}/${day}/${y}`,
    () => `${y}-${pad(m)}-${pad(day)}`,
    () => `${pad(day)}.${pad(m)}.${y}`,
    () => `${month} ${day}, ${y}`,
    () => `${month.slice(0, 3)} ${day}, ${y}`,
    () => `${day} ${month} ${y}`,
    () => `${pad(day)}-${month.slice(0, 3).toUpperCase()}-${y}`,
    () => `${month} ${day}${ord(day)}, ${y}`,
    () => `${y}${pad(m)}${pad(day)}`,
  ];
  const partial = [() => `${month.slice(0, 3)} ${day}`, () => `${month} ${y}`, () => `${month} ${day}`];
  return pick(withYear ? forms : [...forms, ...partial])();
}

function writeTime(): string {
  const h = int(0, 23);
  const mi = int(0, 59);
  return pick([
    () => `${pad(h)}:${pad(mi)}`,
    () => `${((h + 11) % 12) + 1}:${pad(mi)} ${h < 12 ? 'AM' : 'PM'}`,
    () => `${((h + 11) % 12) + 1}:${pad(mi)} ${h < 12 ? 'a.m.' : 'p.m.'}`,
    () => `${pad(h)}${pad(mi)} hours`,
    () => `${h}:${pad(mi)}`,
  ])();
}

const digits = (n: number) => Array.from({ length: n }, () => String(int(0, 9))).join('');
const letters = (n: number) => Array.from({ length: n }, () => String.fromCharCode(65 + int(0, 25))).join('');

function mrn(): string {
  return pick([
    () => digits(int(7, 9)),
    () => `MRN-${letters(4)}-${digits(4)}`,
    () => `${letters(1)}${digits(7)}`,
  ])();
}
function accession(): string {
  return pick([
    () => `${letters(int(3, 7))}${digits(4)}`,
    () => digits(int(8, 10)),
    () => `ACC-${digits(6)}`,
  ])();
}
function phone(): string {
  const line = `01${digits(2)}`;
  const area = `${int(2, 9)}${digits(2)}`;
  return pick([
    () => `(${area}) 555-${line}`,
    () => `${area}-555-${line}`,
    () => `${area}.555.${line}`,
    () => `555-${line}`,
    () => `(${area}) 555-${line} x${digits(4)}`,
    () => `${area}-555-${line} ext. ${digits(3)}`,
    () => `+1 ${area} 555 ${line}`,
  ])();
}

function hospital(): string {
  const fk = pick(fakers);
  return pick([
    () => `${fk.person.lastName()} General Hospital`,
    () => `St. ${fk.person.firstName()}'s Medical Center`,
    () => `${f.location.city()} Medical Center`,
    () => `${f.location.city()} Community Hospital`,
    () => `${fk.person.lastName()} Memorial Hospital`,
    () => `Saint ${fk.person.firstName()} Hospital`,
    () => `${f.location.city()} Regional Medical Center`,
  ])();
}
function address(): string {
  return `${f.location.buildingNumber()} ${f.location.street()}, ${f.location.city()}, ${f.location.state({ abbreviated: true })} ${f.location.zipCode('#####')}`;
}

// ------------------------------------------------------------------------------------------ one study

interface Study {
  patient: Person;
  sex: 'man' | 'woman';
  age: number;
  birth: Date;
  date: Date;
  prior: Date;
  mrn: string;
  acc: string;
  institution: string;
  referring: Person;
  radiologist: Person;
  others: Person[];
}

function study(): Study {
  const date = randomDate(2016, 2023);
  const old = chance(0.3);
  const age = old ? int(90, 104) : int(19, 88);
  const birth = new Date(Date.UTC(date.getUTCFullYear() - age, int(0, 11), int(1, 28)));
  return {
    patient: person(),
    sex: chance(0.5) ? 'man' : 'woman',
    age,
    birth,
    date,
    prior: new Date(date.getTime() - int(1, 400) * 86_400_000),
    mrn: mrn(),
    acc: accession(),
    institution: hospital(),
    referring: person(),
    radiologist: person(),
    others: [person(), person()],
  };
}

function headerOf(s: Study): Header {
  return {
    patientNames: [pn(s.patient, chance(0.3))],
    patientIds: [s.mrn],
    accessionNumbers: [s.acc],
    birthDate: ymd(s.birth),
    studyDates: [ymd(s.date)],
    institutionNames: [s.institution.toUpperCase()],
    physicianNames: [pn(s.referring)],
  };
}

/** The patient's name in one of its written forms (title outside the span). */
function patientName(d: Doc, s: Study) {
  const p = s.patient;
  const title = s.sex === 'man' ? 'Mr.' : pick(['Ms.', 'Mrs.']);
  pick([
    () => d.p('NAME', `${p.first} ${p.last}`),
    () => d.p('NAME', `${p.last.toUpperCase()}, ${p.first.toUpperCase()}`),
    () => d.p('NAME', `${p.first} ${p.middle[0]}. ${p.last}`),
    () => d.t(`${title} `).p('NAME', p.last),
    () => d.p('NAME', `${p.last}, ${p.first}`),
  ])();
}

/** A clinician with a title or credential. */
function clinician(d: Doc, c: Person) {
  pick([
    () => d.t('Dr. ').p('NAME', `${c.first} ${c.last}`),
    () => d.t('Dr. ').p('NAME', c.last),
    () => d.t('Dr ').p('NAME', c.last),
    () => d.p('NAME', `${c.first} ${c.last}`).t(', MD'),
    () => d.t('Dr. ').p('NAME', `${c.first[0]}. ${c.last}`),
    () => d.p('NAME', `${c.last}, ${c.first}`).t(' MD'),
  ])();
}

function age(d: Doc, s: Study) {
  if (s.age < 90) {
    d.t(`${s.age}-year-old ${s.sex}`);
    return;
  }
  pick([
    () => d.p('AGE', String(s.age)).t(`-year-old ${s.sex}`),
    () => d.p('AGE', String(s.age)).t(` year old ${s.sex}`),
    () => d.t(`${s.sex} aged `).p('AGE', String(s.age)),
    () => d.p('AGE', String(s.age)).t(` y/o ${s.sex}`),
    () => d.p('AGE', String(s.age)).t(` yo ${s.sex}`),
  ])();
}

// ------------------------------------------------------------------------------------------ medical filler

const FINDINGS = [
  'There are Kerley B lines and perihilar haziness consistent with mild interstitial edema.',
  'A Swan-Ganz catheter terminates in the right pulmonary artery.',
  'A Port-A-Cath is seen with the tip at the cavoatrial junction.',
  'The Dobhoff tube courses below the diaphragm with the tip in the stomach.',
  'A Foley catheter projects over the pelvis.',
  'A right-sided Pleur-evac chest tube is in place.',
  'Harrington rods are again seen along the thoracolumbar spine.',
  'A wedge-shaped opacity in the right lower lobe may represent a Hampton hump.',
  'There is no Westermark sign.',
  'A 3.2 x 2.1 cm mass in the right apex is concerning for a Pancoast tumor.',
  'Mediastinal widening is compatible with the known history of non-Hodgkin lymphoma.',
  'A small Morgagni hernia is again noted at the right cardiophrenic angle.',
  'A Bochdalek hernia contains fat.',
  'Interposition of colon under the right hemidiaphragm represents Chilaiditi sign.',
  'Cavitary nodules may relate to granulomatosis with polyangiitis (Wegener).',
  'There is a 5 mm nodule in the left upper lobe.',
  'Compression deformity of T7 is unchanged.',
  'Degenerative changes are seen at L1-L2 and T4-T5.',
  'An old fracture of the left 4th rib is healed.',
  'Anterior cervical fusion hardware is present at C5-C6.',
  'PA and lateral views demonstrate clear lungs.',
  'The ETT terminates 4.5 cm above the carina.',
  'The NG tube tip is in the stomach.',
  'A right PICC terminates in the SVC.',
  'Findings are consistent with CHF exacerbation.',
  'Hyperinflation is compatible with COPD.',
  'Heart size is normal. No pleural effusion or pneumothorax.',
  'Blunting of the left costophrenic angle suggests a small effusion.',
  'The patient was transferred to the ICU.',
  'No acute cardiopulmonary process.',
  'Sternotomy wires and mediastinal clips are intact.',
  'A 1.2 cm calcified granuloma is stable since 2019.',
  'There is mild bibasilar atelectasis, grade 2 of 4.',
  'A dual-lead pacemaker has leads in the RA and RV.',
  'Hodgkin disease treated in 1998 with mantle radiation.',
  'Blood pressure 120/80 at the time of the exam.',
  'The ratio was 1:2 on the prior exam.',
  'AP portable view at 45 degrees.',
];
const INDICATIONS = [
  'cough and fever for 3 days',
  'shortness of breath',
  'evaluate for pneumonia',
  'chest pain',
  'line placement',
  'status post CABG',
  'follow-up of pulmonary nodule',
  'fall with right chest wall pain',
];

function findings(d: Doc, n: number) {
  for (let i = 0; i < n; i++) d.t(`${i > 0 ? ' ' : ''}${pick(FINDINGS)}`);
}

// ------------------------------------------------------------------------------------------ PHI sentences

type Sentence = (d: Doc, s: Study) => void;

const PHI_SENTENCES: Sentence[] = [
  (d, s) => {
    d.t('Findings were discussed with ');
    clinician(d, s.referring);
    d.t(' by telephone at ')
      .p('CONTACT', phone())
      .t(' at ')
      .p('DATE', writeTime())
      .t(' on ')
      .p('DATE', writeDate(s.date))
      .t('.');
  },
  (d, s) => {
    d.t('d/w Dr. ').p('NAME', s.referring.last).t(' at ').p('DATE', writeTime()).t('.');
  },
  (d, s) => {
    d.t('Discussed with Dr. ')
      .p('NAME', s.others[0]?.last ?? 'Xu')
      .t(' and Dr. ')
      .p('NAME', s.others[1]?.last ?? 'Yu')
      .t(' on ')
      .p('DATE', writeDate(s.date, false))
      .t('.');
  },
  (d, s) => {
    d.t('The patient, ');
    patientName(d, s);
    d.t(', MRN ').p('ID', s.mrn).t(', was seen in the ED.');
  },
  (d, s) => {
    d.t('Comparison is made to the study from ').p('DATE', writeDate(s.prior, false)).t('.');
  },
  (d, s) => {
    d.t('Prior outside films from ')
      .p('LOCATION', s.institution)
      .t(' dated ')
      .p('DATE', writeDate(s.prior))
      .t(' were reviewed.');
  },
  (d, s) => {
    d.t('Results were called to ');
    clinician(d, s.others[0] ?? s.referring);
    d.t(', pager ')
      .p('CONTACT', `${int(1, 9)}-${digits(4)}`)
      .t(', at ')
      .p('DATE', writeTime())
      .t('.');
  },
  (d, s) => {
    d.t('Accession ').p('ID', s.acc).t('.');
  },
  (d, s) => {
    d.t('The patient was last seen on the ')
      .p('DATE', `${s.prior.getUTCDate()}${ord(s.prior.getUTCDate())}`)
      .t(' and reports worsening cough.');
  },
  (d) => {
    const rel = pick(['wife', 'husband', 'daughter', 'son', 'sister']);
    const r = person();
    d.t(`History obtained from the patient's ${rel}, `)
      .p('NAME', `${r.first} ${r.last}`)
      .t(', who can be reached at ')
      .p('CONTACT', phone())
      .t('.');
  },
  (d, s) => {
    d.t('Images were sent to ')
      .p(
        'CONTACT',
        `${s.radiologist.first.toLowerCase().replace(/[^a-z]/gu, '')}.${s.radiologist.last.toLowerCase().replace(/[^a-z]/gu, '')}@${pick(['hospital.org', 'fakemed.net', 'clinic.example.com'])}`,
      )
      .t(' for review.');
  },
  (d) => {
    d.t('Images are available on the PACS viewer at ')
      .p(
        'CONTACT',
        `https://pacs${int(1, 9)}.${pick(['fakehospital', 'radnet', 'imaging'])}.org/study/${digits(6)}`,
      )
      .t('.');
  },
  (d) => {
    d.t('Acquired on workstation ')
      .p('CONTACT', `10.${int(0, 255)}.${int(0, 255)}.${int(1, 254)}`)
      .t('.');
  },
  (d) => {
    d.t('SSN ')
      .p('ID', `${digits(3)}-${digits(2)}-${digits(4)}`)
      .t(' on file.');
  },
  (d) => {
    d.t('Account #: ').p('ID', digits(10)).t('.');
  },
  (d) => {
    d.t('Patient lives at ').p('LOCATION', address()).t('.');
  },
  (d) => {
    d.t('Transferred from ').p('LOCATION', hospital()).t(' for further care.');
  },
  (d, s) => {
    d.t('Fax results to ').p('CONTACT', phone()).t(' attention ');
    clinician(d, s.referring);
    d.t('.');
  },
  (d, s) => {
    d.t('Interval change since ').p('DATE', writeDate(s.prior)).t(' at ').p('DATE', writeTime()).t('.');
  },
  (d, s) => {
    d.t('Dictated by: ');
    clinician(d, s.radiologist);
    d.t('\nSigned: ').p('DATE', writeDate(s.date)).t(' ').p('DATE', writeTime());
  },
  (d, s) => {
    d.t('Discussed with ')
      .p('NAME', `${s.others[0]?.first ?? 'Al'} ${s.others[0]?.last ?? 'Ng'}`)
      .t(', NP, who agreed with the plan.');
  },
];

function phiSentences(d: Doc, s: Study, n: number) {
  for (let i = 0; i < n; i++) {
    if (i > 0) d.t(' ');
    pick(PHI_SENTENCES)(d, s);
  }
}

// ------------------------------------------------------------------------------------------ styles

function mimic(s: Study): Doc {
  const d = new Doc();
  if (chance(0.3)) {
    d.t('                                FINAL ADDENDUM\nADDENDUM:  ');
    phiSentences(d, s, 2);
    d.t('\n\n______________________________________________________________________________\n');
  }
  d.t('                                FINAL REPORT\n');
  d.t(`EXAMINATION:  ${pick(['CHEST (PA AND LAT)', 'CHEST (PORTABLE AP)', 'CHEST PA AND LATERAL'])}\n\n`);
  d.t('INDICATION:  ');
  if (chance(0.5)) {
    patientName(d, s);
    d.t(' (').p('ID', s.mrn).t('), ');
  }
  age(d, s);
  d.t(` with ${pick(INDICATIONS)}.\n\n`);
  d.t('TECHNIQUE:  Chest PA and lateral.\n\n');
  d.t('COMPARISON:  ');
  if (chance(0.7)) d.p('DATE', writeDate(s.prior, false)).t('.\n\n');
  else d.t('None.\n\n');
  d.t('FINDINGS:  ');
  findings(d, int(2, 5));
  d.t(' ');
  phiSentences(d, s, int(1, 2));
  d.t('\n\nIMPRESSION:  ');
  findings(d, int(1, 2));
  d.t(' ');
  phiSentences(d, s, int(1, 2));
  d.t('\n');
  return wrapMimic(d);
}

function narrative(s: Study): Doc {
  const d = new Doc();
  d.t('This is a ');
  age(d, s);
  d.t(', ');
  patientName(d, s);
  d.t(`, referred by `);
  clinician(d, s.referring);
  d.t(` for ${pick(INDICATIONS)}. `);
  d.t('The examination was performed at ')
    .p('LOCATION', s.institution)
    .t(' on ')
    .p('DATE', writeDate(s.date))
    .t('. ');
  findings(d, int(2, 4));
  d.t(' ');
  phiSentences(d, s, int(2, 4));
  d.t('\n\n');
  findings(d, int(1, 3));
  d.t(' ');
  phiSentences(d, s, int(1, 2));
  d.t('\n');
  return d;
}

function terse(s: Study): Doc {
  const d = new Doc();
  d.t(`CXR ${pick(['PA/LAT', 'AP', '2V'])}\n`);
  d.t('- Pt: ');
  patientName(d, s);
  d.t('\n- Age: ');
  if (s.age >= 90) d.p('AGE', String(s.age));
  else d.t(String(s.age));
  d.t('\n- Ref: ');
  clinician(d, s.referring);
  d.t('\n- Date: ').p('DATE', writeDate(s.date)).t(' ').p('DATE', writeTime());
  d.t('\n- Hx: ').t(pick(INDICATIONS));
  d.t('\n- Cx: ').p('DATE', writeDate(s.prior, false));
  d.t('\n- Fx: ');
  findings(d, int(1, 3));
  d.t('\n- ');
  phiSentences(d, s, 1);
  d.t('\n- Pgr ').p('CONTACT', `${int(1, 9)}-${digits(4)}`);
  d.t('\n- ');
  phiSentences(d, s, 1);
  d.t('\n');
  return d;
}

function headerBlock(s: Study): Doc {
  const d = new Doc();
  const p = s.patient;
  d.t('Patient: ').p('NAME', `${p.last.toUpperCase()}, ${p.first.toUpperCase()}`);
  d.t('   MRN: ').p('ID', s.mrn);
  d.t('   DOB: ').p('DATE', writeDate(s.birth));
  d.t('   Acc#: ').p('ID', s.acc).t('\n');
  d.t('Exam date: ').p('DATE', writeDate(s.date)).t('   Time: ').p('DATE', writeTime()).t('\n');
  d.t('Referring physician: ');
  clinician(d, s.referring);
  d.t('   Location: ').p('LOCATION', s.institution).t('\n\n');
  d.t('HISTORY: ');
  age(d, s);
  d.t(` with ${pick(INDICATIONS)}.\n\nFINDINGS: `);
  findings(d, int(2, 4));
  d.t(' ');
  phiSentences(d, s, int(1, 3));
  d.t('\n\nIMPRESSION: ');
  findings(d, 1);
  d.t('\n');
  return d;
}

// The letter family was written after tuning and is used only in the held-out set.
function letter(s: Study): Doc {
  const d = new Doc();
  d.p('LOCATION', s.institution)
    .t('\nDepartment of Radiology\n')
    .p('LOCATION', address())
    .t('\nTel ')
    .p('CONTACT', phone())
    .t('\n\n');
  d.p('DATE', writeDate(s.date)).t('\n\nDear Dr. ').p('NAME', s.referring.last).t(',\n\n');
  d.t('Thank you for referring your patient ');
  patientName(d, s);
  d.t(' (DOB ').p('DATE', writeDate(s.birth)).t(', hospital number ').p('ID', s.mrn).t('), a ');
  age(d, s);
  d.t(', whom we imaged on ').p('DATE', writeDate(s.date, false)).t('. ');
  findings(d, int(2, 3));
  d.t(' ');
  phiSentences(d, s, int(1, 2));
  d.t('\n\nPlease do not hesitate to contact me on ').p('CONTACT', phone()).t(' or at ');
  d.p('CONTACT', `${s.radiologist.last.toLowerCase().replace(/[^a-z]/gu, '')}@radiology.example.net`).t(
    '.\n\n',
  );
  d.t('Yours sincerely,\n\n')
    .p('NAME', `${s.radiologist.first} ${s.radiologist.last}`)
    .t('\nConsultant Radiologist\n\n');
  d.t('cc: ')
    .p('NAME', `${s.others[1]?.first ?? 'Al'} ${s.others[1]?.last ?? 'Ng'}`)
    .t(', General Practitioner\n');
  return d;
}

const BUILD: Record<Style, (s: Study) => Doc> = {
  mimic,
  narrative,
  terse,
  'header-block': headerBlock,
  letter,
};

function stylesFor(option: string): Style[] {
  if (option === 'tuning') return ['mimic', 'narrative', 'terse', 'header-block'];
  if (option === 'heldout') return [...STYLES];
  if ((STYLES as readonly string[]).includes(option)) return [option as Style];
  throw new Error(`Unknown style ${option}; use ${STYLES.join(', ')}, tuning or heldout.`);
}

const styles = stylesFor(values.style);
const lines: string[] = [];
for (let i = 0; i < Number(values.count); i++) {
  const style = styles[i % styles.length] as Style;
  const s = study();
  const doc = BUILD[style](s);
  const spans = [...doc.spans].sort((a, b) => a.start - b.start);
  lines.push(
    JSON.stringify({ id: `${style}-${seed}-${i}`, style, text: doc.text, spans, header: headerOf(s) }),
  );
}
const output = `${lines.join('\n')}\n`;
if (values.out) writeFileSync(values.out, output);
else process.stdout.write(output);
