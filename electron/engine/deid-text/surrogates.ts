/**
 * Replacements: category tags, or realistic surrogates ("hide in plain sight").
 *
 * Surrogates are keyed by an HMAC of the project secret, so they are deterministic for a project and cannot be
 * reversed without the secret:
 * - names: each name word maps to a fake word of the same role (given or family), keyed by the patient and the
 *   normalised word, so "Jane Doe", "DOE, JANE" and "Ms. Doe" stay one fake person within a patient and differ
 *   across patients; case and initials follow the original;
 * - dates move by the patient's shift in days and keep their format; clock times move by a per-patient number
 *   of minutes (1–59, from the HMAC) so the original time is not exposed;
 * - ages over 89 become "90+";
 * - IDs keep their shape (digits stay digits, letters letters, separators stay) and are keyed by the ID alone,
 *   so one accession number maps to one surrogate across the project;
 * - phone numbers keep their format and use the fictional 555-01xx range; e-mail and web addresses use
 *   example.org, IP addresses the documentation range 192.0.2.0/24 (the leak gate knows these are fake);
 * - locations become faker places of the same kind (institution keyword, street address, city/state/ZIP).
 */
import { createHmac } from 'node:crypto';
import { Faker, en } from '@faker-js/faker';
import { renderShiftedDate, renderShiftedTime, scanDates, scanTimes } from './dates.ts';
import type { DateHit, TimeHit } from './dates.ts';
import { normaliseWord } from './header.ts';
import type { CompiledHeader } from './header.ts';
import type { SpanCategory } from './types.ts';

export interface SurrogateContext {
  secret: Buffer;
  patientKey: string;
  shiftDays: number;
  header: CompiledHeader | null;
}

const faker = new Faker({ locale: [en] });

function hmac(ctx: SurrogateContext, ...parts: string[]): Buffer {
  return createHmac('sha256', ctx.secret).update(parts.join('\u0000')).digest();
}

function seedFrom(digest: Buffer): number[] {
  return [digest.readUInt32LE(0), digest.readUInt32LE(4), digest.readUInt32LE(8), digest.readUInt32LE(12)];
}

export function tagFor(category: SpanCategory): string {
  return `[${category}]`;
}

function matchCase(fake: string, original: string): string {
  if (original.length > 1 && original === original.toUpperCase() && /\p{L}/u.test(original))
    return fake.toUpperCase();
  if (original === original.toLowerCase() && /\p{L}/u.test(original)) return fake.toLowerCase();
  return fake;
}

const NAME_WORD = /\p{L}[\p{L}'’]*(?:-\p{L}[\p{L}'’]*)*\.?/gu;
const TITLES = new Set(['dr', 'drs', 'mr', 'mrs', 'ms', 'miss', 'mx', 'prof', 'doctor']);

function fakeNameWord(ctx: SurrogateContext, word: string, role: 'given' | 'family'): string {
  const bare = word.replace(/\.$/u, '');
  const key = normaliseWord(bare);
  faker.seed(seedFrom(hmac(ctx, 'name', ctx.patientKey, role, key)));
  const fake = role === 'given' ? faker.person.firstName() : faker.person.lastName();
  if (bare.length === 1) return `${fake[0] ?? 'X'}${word.endsWith('.') ? '.' : ''}`;
  return matchCase(fake, bare);
}

function surrogateName(ctx: SurrogateContext, text: string): string {
  const words = [...text.matchAll(NAME_WORD)].filter(
    (m) => !TITLES.has(normaliseWord(m[0].replace(/\.$/u, ''))),
  );
  if (words.length === 0) return '[NAME]';
  const commaAt = text.search(/[,^]/u);
  const roleOf = (m: RegExpMatchArray, i: number): 'given' | 'family' => {
    const known = ctx.header?.roles.get(normaliseWord(m[0].replace(/\.$/u, '')));
    if (known) return known;
    if (commaAt >= 0) return (m.index ?? 0) < commaAt ? 'family' : 'given';
    return i === words.length - 1 ? 'family' : 'given';
  };
  let out = '';
  let at = 0;
  words.forEach((m, i) => {
    out += text.slice(at, m.index) + fakeNameWord(ctx, m[0], roleOf(m, i));
    at = m.index + m[0].length;
  });
  return out + text.slice(at);
}

function timeShiftMinutes(ctx: SurrogateContext): number {
  return 1 + (hmac(ctx, 'time', ctx.patientKey).readUInt16LE(0) % 59);
}

function surrogateDate(ctx: SurrogateContext, text: string): string {
  const hits: { start: number; end: number; render: () => string }[] = [];
  scanDates(text, (h: DateHit) =>
    hits.push({ start: h.start, end: h.end, render: () => renderShiftedDate(h, ctx.shiftDays) }),
  );
  const minutes = timeShiftMinutes(ctx);
  scanTimes(text, (h: TimeHit) =>
    hits.push({ start: h.start, end: h.end, render: () => renderShiftedTime(h, minutes) }),
  );
  if (hits.length === 0) return '[DATE]';
  hits.sort((a, b) => a.start - b.start || b.end - a.end);
  let out = '';
  let at = 0;
  for (const h of hits) {
    if (h.start < at) continue;
    out += text.slice(at, h.start) + h.render();
    at = h.end;
  }
  const rest = text.slice(at);
  // Digits left outside any parsed date could still be part of the original date: hide them.
  return out + rest.replace(/\d/gu, '0');
}

/** Shape-preserving pseudo-random characters from an HMAC stream. */
function reshape(ctx: SurrogateContext, text: string, ...key: string[]): string {
  let stream = hmac(ctx, ...key);
  let i = 0;
  const next = () => {
    if (i >= stream.length) {
      stream = createHmac('sha256', ctx.secret).update(stream).digest();
      i = 0;
    }
    return stream[i++] ?? 0;
  };
  let out = '';
  for (const ch of text) {
    if (/\d/u.test(ch)) out += String(next() % 10);
    else if (/[A-Z]/u.test(ch)) out += String.fromCharCode(65 + (next() % 26));
    else if (/[a-z]/u.test(ch)) out += String.fromCharCode(97 + (next() % 26));
    else if (/\p{L}/u.test(ch)) out += ch === ch.toUpperCase() ? 'X' : 'x';
    else out += ch;
  }
  return out;
}

function surrogateId(ctx: SurrogateContext, text: string): string {
  const key = text.replace(/[^\p{L}\p{N}]/gu, '').toUpperCase();
  return reshape(ctx, text, 'id', key);
}

function surrogateContact(ctx: SurrogateContext, text: string): string {
  const key = text.toLowerCase();
  if (text.includes('@')) {
    faker.seed(seedFrom(hmac(ctx, 'email', key)));
    return `${faker.person.firstName().toLowerCase()}.${faker.person
      .lastName()
      .toLowerCase()
      .replace(/[^a-z]/gu, '')}@example.org`;
  }
  if (/^(?:https?:\/\/|www\.)/iu.test(text))
    return `https://example.org/${hmac(ctx, 'url', key).toString('hex').slice(0, 8)}`;
  if (/^\d{1,3}(?:\.\d{1,3}){3}$/u.test(text)) return `192.0.2.${1 + ((hmac(ctx, 'ip', key)[0] ?? 0) % 254)}`;
  const [main = '', ext] = text.split(/(?=(?:x|ext\.?|extension|#)\s*\d+$)/iu);
  const digits = main.replace(/\D/gu, '');
  const random = reshape(ctx, digits, 'phone', digits);
  let fake = random;
  if (digits.length === 10 || (digits.length === 11 && digits.startsWith('1'))) {
    const lead = digits.length === 11 ? '1' : '';
    fake = `${lead}${String(2 + (Number(random[0]) % 8))}${random.slice(1, 3)}55501${random.slice(-2)}`;
  } else if (digits.length === 7) {
    fake = `55501${random.slice(-2)}`;
  }
  let i = 0;
  const body = main.replace(/\d/gu, () => fake[i++] ?? '0');
  return body + (ext === undefined ? '' : reshape(ctx, ext, 'ext', digits));
}

const INSTITUTION_TAIL =
  /(?:General Hospital|Medical Center|Medical Centre|Health Center|Health System|Healthcare|Health Care|Hospital|Clinic|Infirmary|Institute|Cancer Center|Nursing Home|Rehabilitation Center|Imaging Center|Surgical Center|Memorial)(?:\s+(?:of|at)\s+.*)?$/iu;

function surrogateLocation(ctx: SurrogateContext, text: string): string {
  faker.seed(seedFrom(hmac(ctx, 'place', text.toLowerCase().replace(/\s+/gu, ' '))));
  const tail = INSTITUTION_TAIL.exec(text);
  let fake: string;
  if (tail)
    fake = `${faker.location.city()} ${tail[0].replace(/\s+(?:of|at)\s+.*$/iu, '').replace(/\s+/gu, ' ')}`;
  else if (/^\d/u.test(text)) {
    fake = faker.location.streetAddress();
    if (text.includes(','))
      fake += `, ${faker.location.city()}, ${faker.location.state({ abbreviated: true })} ${faker.location.zipCode('#####')}`;
  } else if (/\d{5}/u.test(text)) {
    fake = `${faker.location.city()}, ${faker.location.state({ abbreviated: true })} ${faker.location.zipCode('#####')}`;
  } else fake = faker.location.city();
  return matchCase(
    fake,
    text.replace(/[^\p{L}]/gu, '') === text.replace(/[^\p{L}]/gu, '').toUpperCase() ? text : fake,
  );
}

/** The surrogate for `text` of a span of `category`. */
export function surrogateFor(ctx: SurrogateContext, category: SpanCategory, text: string): string {
  switch (category) {
    case 'NAME':
      return surrogateName(ctx, text);
    case 'DATE':
      return surrogateDate(ctx, text);
    case 'AGE':
      return '90+';
    case 'ID':
      return surrogateId(ctx, text);
    case 'CONTACT':
      return surrogateContact(ctx, text);
    case 'LOCATION':
      return surrogateLocation(ctx, text);
    case 'REDACTED':
      return text;
  }
}
