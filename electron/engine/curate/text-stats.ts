/**
 * Report statistics, written for radiology text: measurements ("3.2 x 2.1 cm", "T7-T8") are ordinary
 * content, a four-word impression is a complete report, and the most common report in any archive is a
 * one-liner. So there is no special-character or minimum-length rule of the generic web kind here; each
 * statistic measures one concrete defect.
 */
import { franc } from 'franc-min';

/** Languages franc may answer with: the ones radiology exports come in. Fewer candidates, fewer mistakes. */
export const REPORT_LANGUAGES = [
  'eng',
  'spa',
  'deu',
  'fra',
  'ita',
  'por',
  'nld',
  'swe',
  'dan',
  'nob',
  'pol',
  'tur',
];

/**
 * Words of English radiology reports that the other export languages above do not write (so "normal",
 * "pleural", "consolidation", "pneumothorax" and "no", shared with French, Spanish or German, are left out).
 * Our own list, from the vocabulary of chest and general radiograph reports.
 */
const CLINICAL_ENGLISH = new Set(
  (
    'the and of is are was were be been has have there this that these with without within from for or not ' +
    'any new seen noted shows show demonstrates stable unchanged since prior previous compared again ' +
    'heart lung lungs chest clear size sized exam study acute chronic disease process finding findings ' +
    'impression limits unremarkable cardiomediastinal mediastinal contour contours silhouette osseous bony ' +
    'structures intact focal airspace opacity opacities effusion effusions evidence mild mildly moderate ' +
    'severe small large left right upper lower lobe lobes bilateral base bases apex apical enlarged ' +
    'enlargement cardiomegaly atelectasis scarring granuloma granulomas calcified nodule nodules mass ' +
    'masses fracture fractures spine thoracic degenerative changes change free air tube line catheter tip ' +
    'projects overlying well expanded hyperinflated hyperinflation emphysema edema congestion vascular ' +
    "pulmonary heart's borderline top negative views view frontal lateral portable upright trachea midline " +
    'vasculature parenchyma low infiltrate infiltrates tortuous dilated ventricle sternotomy interval ' +
    'lingular presumably consistent likely overt lobar perihilar basilar sequela granulomatous spurring ' +
    'hypoinflation hypoinflated elevated hemidiaphragm possible suggested no normal pneumonia pneumothorax ' +
    'pleural consolidation scoliosis kyphosis cardiopulmonary abnormality abnormalities'
  ).split(' '),
);

/**
 * Short English reports ("Normal heart size. Clear lungs.") look like anything to a trigram detector: when at
 * least 3 and 40 % of a text's words are English radiology words, it is English before franc is asked.
 */
function isClinicalEnglish(text: string): boolean {
  const ws = words(text).filter((w) => /^\p{L}/u.test(w));
  const hits = ws.filter((w) => CLINICAL_ENGLISH.has(w)).length;
  return hits >= 3 && hits >= ws.length * 0.4;
}

/**
 * ISO 639-3 language of a report. Stemmed reports (PADCHEST) are Spanish by provenance and are not run through
 * detection (stems would confuse it). Text shorter than `minChars` is 'und': franc guesses on short text.
 */
export function reportLanguage(text: string, stemmed: boolean, minChars: number): string {
  if (stemmed) return 'spa';
  const t = text.trim();
  if (t.length < minChars) return 'und';
  if (isClinicalEnglish(t)) return 'eng';
  return franc(t, { only: REPORT_LANGUAGES, minLength: minChars });
}

const WORD = /[\p{L}\p{N}]+(?:[.'’-][\p{L}\p{N}]+)*/gu;

export function words(text: string): string[] {
  return text.toLowerCase().match(WORD) ?? [];
}

export function wordCount(text: string): number {
  let n = 0;
  WORD.lastIndex = 0;
  while (WORD.exec(text)) n++;
  return n;
}

/**
 * Lines that carry no finding: titles, section headers alone, signatures, dictation and administrative lines.
 * A report made only of these is "boilerplate-only" (an empty template, a cancelled exam).
 */
const ADMIN_LINE =
  /^\s*(?:final (?:report|addendum)|preliminary report|(?:electronically )?signed\b.*|dictated by\b.*|transcribed by\b.*|attending\b.*|i have (?:personally )?reviewed\b.*|(?:reading|ordering) (?:physician|radiologist)\b.*|radiologist:.*|date(?: of exam)?:.*|exam(?:ination)?:.*|accession.*|(?:this|the) (?:exam|study) (?:was|has been) (?:cancel+ed|not performed)\b.*|see (?:separate|scanned) report\b.*|report (?:to )?follows?\b.*|_+|-+|=+|\*+)\s*$/i;
const HEADER_ONLY = /^\s*[A-Z][A-Z /&-]{1,40}:\s*$/;
const HEADER_PREFIX = /^\s*[A-Z][A-Z /&-]{1,40}:\s*/;

/** Words of the report outside administrative lines and section titles. 0 = boilerplate only. */
export function contentWords(raw: string): number {
  let n = 0;
  for (const line of raw.split(/\r?\n/)) {
    if (ADMIN_LINE.test(line) || HEADER_ONLY.test(line)) continue;
    const body = line.replace(HEADER_PREFIX, '');
    if (/^\s*(?:examination|exam|technique|comparison)\b/i.test(line)) continue;
    n += wordCount(body);
  }
  return n;
}

/** Share of characters that are control characters (other than tab and line breaks) or U+FFFD. */
export function nonPrintableShare(text: string): number {
  if (text.length === 0) return 0;
  let bad = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 32 && c !== 9 && c !== 10 && c !== 13) || c === 127 || (c >= 0x80 && c < 0xa0) || c === 0xfffd)
      bad++;
  }
  return bad / text.length;
}

/**
 * Share of word n-grams that repeat an earlier n-gram of the same section: copy-paste loops and stuck
 * dictation. Sections are measured separately because findings and impression legitimately say the same.
 */
export function repetitionShare(sections: readonly string[], n: number): number {
  let total = 0;
  let repeated = 0;
  for (const s of sections) {
    const w = words(s);
    const seen = new Set<string>();
    for (let i = 0; i + n <= w.length; i++) {
      const gram = w.slice(i, i + n).join(' ');
      total++;
      if (seen.has(gram)) repeated++;
      else seen.add(gram);
    }
  }
  return total === 0 ? 0 : repeated / total;
}

/** `___` (MIMIC), `XXXX` (IU X-ray), `[**…**]` (i2b2 / MIMIC-II), `[NAME]`, `<PERSON>`-style tags. */
const PLACEHOLDER =
  /_{2,}|\b[Xx]{3,}\b|\[\*\*[^\]]*\*\*\]|\[(?:[A-Z][A-Z_ -]{1,30})\]|<(?:[A-Z][A-Z_]{1,30})>|\{\{[A-Z_]{2,30}\}\}/g;

/** Placeholders per 100 words. A few per report are normal in public data; dense ones mean a gutted text. */
export function placeholderDensity(text: string): number {
  const hits = text.match(PLACEHOLDER)?.length ?? 0;
  const w = Math.max(1, wordCount(text.replace(PLACEHOLDER, ' ')));
  return (100 * hits) / w;
}

/** HTML/XML tags and entities, RTF control words, escaped line breaks left by a bad export. */
const MARKUP =
  /<\/?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?\/?>|&(?:nbsp|amp|lt|gt|quot|apos|#\d{1,5});|\{\\rtf\d?|\\(?:par|line|tab|b0?|i0?|fs\d+|f\d+)\b|\\[rn]/g;

/** Number of markup remnants in the text. */
export function markupCount(text: string): number {
  return text.match(MARKUP)?.length ?? 0;
}

/**
 * Text for duplicate detection and length: findings and impression (or the last paragraph when the report
 * has neither), lower-cased, whitespace collapsed.
 */
export function normalisedBody(body: string): string {
  return body.toLowerCase().replace(/\s+/g, ' ').trim();
}
