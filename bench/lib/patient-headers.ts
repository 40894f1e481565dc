/**
 * Realistic per-patient header identifiers for the report de-identification benchmark: six person names
 * (patient, referring, performing, reading, requesting physicians, operator), two addresses and ten IDs, as a
 * hospital's DICOM headers and worklists carry them.
 *
 * Family names are drawn by frequency from common US surnames (approximate counts in thousands after the US
 * Census Bureau's 2010 surname table, public domain; typed from memory, so right in order of magnitude, not
 * to the digit), so the ordinary-word names (Young, White, Brown, Green, Hill, Bell, Long, Little…) come up
 * about as often as they do in a real hospital.
 */
import type { KnownIdentifiers } from '../../electron/engine/deid-text/index.ts';
import { seededRandom } from '../../scripts/seeded-random.ts';

/** Surname → occurrences in thousands (rounded). */
const SURNAMES: [string, number][] = [
  ['Smith', 2443],
  ['Johnson', 1933],
  ['Williams', 1625],
  ['Brown', 1437],
  ['Jones', 1425],
  ['Garcia', 1166],
  ['Miller', 1161],
  ['Davis', 1116],
  ['Rodriguez', 1095],
  ['Martinez', 1060],
  ['Hernandez', 1043],
  ['Lopez', 875],
  ['Wilson', 802],
  ['Anderson', 784],
  ['Taylor', 751],
  ['Moore', 724],
  ['Jackson', 708],
  ['Martin', 703],
  ['Lee', 693],
  ['Thompson', 665],
  ['White', 660],
  ['Harris', 624],
  ['Clark', 563],
  ['Lewis', 532],
  ['Walker', 523],
  ['Young', 466],
  ['Allen', 463],
  ['King', 459],
  ['Wright', 459],
  ['Scott', 440],
  ['Nguyen', 438],
  ['Hill', 435],
  ['Green', 430],
  ['Baker', 420],
  ['Hall', 407],
  ['Campbell', 386],
  ['Carter', 377],
  ['Bell', 265],
  ['Wood', 251],
  ['Gray', 243],
  ['Long', 218],
  ['Price', 215],
  ['Rose', 143],
  ['Little', 139],
  ['Stone', 124],
  ['Strong', 62],
  ['Small', 60],
  ['Hart', 97],
  ['Mass', 4],
];
const GIVEN = [
  'James',
  'Mary',
  'Keisha',
  'Robert',
  'Patricia',
  'John',
  'Jennifer',
  'Michael',
  'Linda',
  'David',
  'Elizabeth',
  'William',
  'Barbara',
  'Richard',
  'Susan',
  'José',
  'Jessica',
  'Thomas',
  'Sarah',
  'Ngozi',
  'Charles',
  'Karen',
  'Wei',
  'Lisa',
  'Daniel',
  'Nancy',
  'Matthew',
  'Betty',
  'Anthony',
  'Sandra',
  'Mark',
  'Ashley',
  'Priya',
  'Kimberly',
  'Steven',
  'Emily',
  'Andrew',
  'Donna',
  'Paul',
  'Michelle',
  'Joshua',
  'Amélie',
];
const STREETS = ['Oak', 'Maple', 'Cedar', 'Pine', 'Elm', 'Washington', 'Lake', 'Hill', 'Park', 'Main'];
const SUFFIXES = ['Street', 'Avenue', 'Road', 'Lane', 'Drive', 'Court'];
const CITIES = [
  ['Springfield', 'IL'],
  ['Riverside', 'CA'],
  ['Franklin', 'TN'],
  ['Greenville', 'SC'],
  ['Bristol', 'CT'],
  ['Salem', 'OR'],
  ['Madison', 'WI'],
  ['Clinton', 'IA'],
] as const;

const TOTAL = SURNAMES.reduce((n, [, c]) => n + c, 0);

/** A generator of headers; the same seed gives the same headers. */
export function patientHeaders(seed = 14): () => KnownIdentifiers {
  const random = seededRandom(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const surname = () => {
    let r = random() * TOTAL;
    for (const [name, count] of SURNAMES) if ((r -= count) < 0) return name;
    return SURNAMES[0]![0];
  };
  const digits = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 10)).join('');
  const person = () => {
    const middle = random() < 0.4 ? `^${pick(GIVEN)}` : '';
    return `${surname().toUpperCase()}^${pick(GIVEN).toUpperCase()}${middle.toUpperCase()}`;
  };
  const address = () => {
    const [city, state] = pick(CITIES);
    return `${1 + Math.floor(random() * 9000)} ${pick(STREETS)} ${pick(SUFFIXES)}, ${city}, ${state} ${digits(5)}`;
  };
  const date = (from: number, span: number) => {
    const d = new Date(Date.UTC(from, 0, 1) + Math.floor(random() * span * 365) * 86_400_000);
    return d.toISOString().slice(0, 10).replace(/-/gu, '');
  };
  return () => ({
    patientNames: [person()],
    physicianNames: [person(), person(), person(), person()],
    operatorNames: [person()],
    patientIds: [digits(8), `MRN${digits(7)}`],
    accessionNumbers: [digits(8), `ACC-${digits(6)}`, digits(10), `RAD${digits(7)}`],
    otherIds: [`${digits(3)}-${digits(4)}`, digits(9), `INS${digits(8)}`, `V${digits(6)}`],
    birthDate: date(1930, 70),
    studyDates: [date(2015, 8), date(2015, 8)],
    institutionNames: [`${pick(CITIES)[0]} General Hospital`],
    institutionAddresses: [address(), address()],
  });
}

/** `extra` joined to `own`, so a report keeps the identifiers its own header knew. */
export function withHeader(own: KnownIdentifiers | undefined, extra: KnownIdentifiers): KnownIdentifiers {
  const out: KnownIdentifiers = { ...extra };
  for (const [key, value] of Object.entries(own ?? {}) as [keyof KnownIdentifiers, unknown][]) {
    if (Array.isArray(value))
      (out as Record<string, unknown>)[key] = [...((extra[key] as string[]) ?? []), ...value];
    else if (typeof value === 'string') (out as Record<string, unknown>)[key] = value;
  }
  return out;
}
