/**
 * De-identify one DICOM instance: every element at every depth goes through Table E.1-1 (with the
 * chosen options), the allow list, the private-attribute rules or the curve/overlay rules; whatever
 * none of them keeps is removed. Identifiers become keyed pseudonyms, UIDs keyed UIDs, dates move by
 * the patient's shift; the output is stamped and written as Part 10 in the source's encoding.
 */
import { createHash } from 'node:crypto';
import {
  type DicomDataset,
  type DicomElement,
  type DicomFile,
  EXPLICIT_VR_LE,
  elementStrings,
  formatTag,
  getString,
  getStrings,
  lookupTag,
  parseDicom,
  prepareDecoding,
} from '../dicom/index.ts';
import { encodingOf } from '../dicom/transfer-syntax.ts';
import { personNameGroups } from '../deid-text/known-values.ts';
import { type LeakMatcher, buildMatcher, scanText } from '../leak-gate/index.ts';
import { encodeCharset } from './charset-encode.ts';
import { capAge, shiftDate, shiftDateTime, yearOnly, yearsBetween } from './dates.ts';
import { type IodTypes, PRESENT_ONLY_WITH, iodFor, typeIn } from './iod-types.ts';
import { keepEntry } from './keep-list.ts';
import { type MaskRect, maskedPixelData } from './masks.ts';
import { cleanEncapsulated, nativePixelValue } from './payloads.ts';
import { CODE_VALUE_TAGS, isRegisteredCode } from './coded-values.ts';
import { type DeidOptions, withDefaults } from './options.ts';
import { type ProfileAction, rowAction } from './profile.ts';
import { namePseudonym, pseudonym, pseudonymToken, shiftDaysFor, uidFor } from './pseudonyms.ts';
import { type AppliedAction, resolveAction } from './resolve.ts';
import {
  type SafePrivateEntry,
  type SafePrivateIndex,
  indexSafePrivate,
  loadSafePrivate,
  safeEntry,
  valueFitsVr,
} from './safe-private.ts';
import { longitudinalState, methodCodes, methodText } from './stamp.ts';
import {
  type ConfidentialityTable,
  type TableRow,
  isCurveGroup,
  isOverlayGroup,
  isPrivateGroup,
  loadTable,
} from './table.ts';
import { type OutElement, asciiBytes, writePart10 } from './writer.ts';
import {
  type TextDetector,
  type TextRegion,
  detectBurnedInText,
  quarantineByHeader,
  renderForDetection,
} from './burned-in.ts';
import { hasUnusedBitsSet } from './unused-bits.ts';

/**
 * Identifiers of this header, handed to the text cleaner (same shape as deid-text's KnownIdentifiers,
 * so its engine can be passed in directly).
 */
export interface HeaderIdentifiers {
  patientNames: string[];
  patientIds: string[];
  accessionNumbers: string[];
  otherIds: string[];
  birthDate?: string;
  studyDates: string[];
  institutionNames: string[];
  institutionAddresses: string[];
  physicianNames: string[];
  operatorNames: string[];
  otherStrings: string[];
}

/** Clean Descriptors / Structured Content: scrub free text; return '' to drop the value. */
export type CleanText = (text: string, known: HeaderIdentifiers) => string;

export type AuditBasis =
  'profile' | 'allow-list' | 'not-allowed' | 'private' | 'safe-private' | 'graphics' | 'stamp' | 'pixels';

export interface AuditEntry {
  /** Tag path: `(0008,1140)[0](0008,1155)` for an element inside item 0 of a sequence. */
  tag: string;
  /** The action applied: D, Z, X, K, C, U, or A (added by the stamp), M (pixels masked). */
  action: AppliedAction | 'A' | 'M';
  basis: AuditBasis;
}

export interface LinkagePair {
  kind: string;
  original: string;
  pseudonym: string;
}

export interface DeidContext {
  /** The project secret (32 bytes or more). */
  secret: Buffer;
  options?: Partial<DeidOptions>;
  appVersion: string;
  cleanText?: CleanText;
  /** Rectangles to blank on every frame (rule masks, detector regions, user rectangles). */
  masks?: MaskRect[];
  /** Stable patient key (e.g. the source's subject id); default: Patient ID, else Patient's Name. */
  patientKey?: string;
  /** Replaces resources/dicom/safe-private.json (tests, site lists). */
  safePrivate?: SafePrivateEntry[];
  /** Pixel text detector for images the header rules do not quarantine; false to skip. Default: built-in. */
  detectText?: TextDetector | false;
  /**
   * Every study date of the patient the project knows (`YYYYMMDD`): an age over 89 at any of them empties
   * this header's birth date too, since bundles put the patient's studies side by side.
   */
  patientStudyDates?: string[];
}

export interface DeidResult {
  bytes: Uint8Array;
  actions: AuditEntry[];
  linkage: LinkagePair[];
  /** The original patient key (linkage data: never export). */
  patientKey: string;
  shiftDays: number;
  sopInstanceUid: string;
  transferSyntax: string;
  /** True when masking turned compressed pixel data into Explicit VR Little Endian native data. */
  transferSyntaxChanged: boolean;
  quarantine: null | { reason: string; regions?: TextRegion[] };
}

const TAG_PIXEL_DATA = 0x7fe00010;
const STAMP_TAGS = new Set([0x00120062, 0x00120063, 0x00120064, 0x00280303]);
const TEXT_VRS = new Set(['LO', 'LT', 'ST', 'UT', 'SH', 'UC', 'PN']);
/** Every VR whose value is characters (checked for known identifiers when kept). */
const STRING_VRS = new Set([...TEXT_VRS, 'AE', 'CS', 'UR', 'DS', 'IS']);
const STRUCTURED_TEXT = new Set([0x0040a160]); // Text Value: free text inside SR content items

/** Tags whose Z/D replacement is a keyed pseudonym of the original value (consistent across files). */
const KEYED: Map<number, string> = new Map([
  [0x00080050, 'accession'],
  [0x00200010, 'study-id'],
  [0x00402016, 'placer-order'],
  [0x00402017, 'filler-order'],
  [0x00120040, 'trial-subject'],
  [0x00120042, 'trial-subject-reading'],
  [0x00400512, 'container'],
  [0x00400551, 'specimen'],
  [0x00181000, 'device-serial'],
  [0x00081010, 'station'],
  [0x0018700a, 'detector'],
]);

/** MedPrep's Implementation Class UID: a fixed UUID-derived UID (PS3.5 B.2) named after the product. */
const IMPLEMENTATION_CLASS_UID = `2.25.${BigInt(
  `0x${createHash('sha256').update('MedPrep DICOM de-identifier').digest('hex').slice(0, 32)}`,
).toString(10)}`;

interface Run {
  secret: Buffer;
  options: DeidOptions;
  table: ConfidentialityTable;
  iod: IodTypes | undefined;
  actionOf: Map<TableRow, ProfileAction>;
  cleanText: CleanText | undefined;
  known: HeaderIdentifiers;
  /** The leak gate's matcher over this header's identifiers: what a kept or cleaned value must not hold. */
  leakMatcher: LeakMatcher;
  patientKey: string;
  topPatientId: string | undefined;
  topPatientName: string | undefined;
  shiftDays: number;
  safe: SafePrivateIndex;
  transferSyntax: string;
  /** The patient is older than 89 at some date of this header (HIPAA groups them as 90+). */
  over89: boolean;
  actions: AuditEntry[];
  linkage: Map<string, LinkagePair>;
}

function link(run: Run, kind: string, original: string, pseudo: string): void {
  run.linkage.set(`${kind}\u0000${original}`, { kind, original, pseudonym: pseudo });
}

function audit(run: Run, path: string, action: AuditEntry['action'], basis: AuditBasis): void {
  run.actions.push({ tag: path, action, basis });
}

function vrOf(el: DicomElement, fallback: string | null | undefined): string {
  if (el.vr !== '' && el.vr !== 'UN') return el.vr;
  return fallback ?? lookupTag(el.tag)?.vr ?? 'UN';
}

function stringsOf(ds: DicomDataset, el: DicomElement, vr: string): string[] {
  return elementStrings(ds, { ...el, vr });
}

function text(tag: number, vr: string, s: string): OutElement {
  return { tag, vr, value: asciiBytes(s) };
}

/** Encode cleaned text in the dataset's character set (ISO 2022 JP and GB18030 included). */
function encodeText(ds: DicomDataset, s: string): Uint8Array {
  return encodeCharset(s, ds.charset.encodings);
}

const DUMMY_TEXT = 'ANONYMIZED';

/** A non-empty value consistent with the VR (PS3.15 E.1-1 action D). */
function dummy(run: Run, el: DicomElement, vr: string, ds: DicomDataset): OutElement {
  const tag = el.tag;
  switch (vr) {
    case 'UI':
      return uidElement(run, ds, el);
    case 'DA':
      return text(tag, vr, '19000101');
    case 'DT':
      return text(tag, vr, '19000101000000');
    case 'TM':
      return text(tag, vr, '000000');
    case 'AS':
      return text(tag, vr, '000D');
    case 'DS':
    case 'IS':
      return text(tag, vr, '0');
    case 'UR':
      return text(tag, vr, 'urn:medprep:anonymized');
    case 'US':
    case 'SS':
      return { tag, vr, value: new Uint8Array(2) };
    case 'UL':
    case 'SL':
    case 'FL':
    case 'AT':
      return { tag, vr, value: new Uint8Array(4) };
    case 'FD':
    case 'SV':
    case 'UV':
      return { tag, vr, value: new Uint8Array(8) };
    case 'OB':
    case 'OW':
    case 'OD':
    case 'OF':
    case 'OL':
    case 'OV':
    case 'UN':
      return { tag, vr, value: new Uint8Array(2) };
    default:
      return text(tag, vr, DUMMY_TEXT);
  }
}

/**
 * Action D on a sequence: one dummy item shaped like the first original item (same attributes, so the IOD's
 * required ones are there), every value a dummy of its VR; nothing of the original items survives.
 */
function dummySequence(run: Run, ds: DicomDataset, el: DicomElement): OutElement {
  const first = el.items?.[0];
  if (first === undefined) return { tag: el.tag, vr: 'SQ', items: [] };
  const item: OutElement[] = [];
  for (const inner of first.elements.values()) {
    const group = inner.tag >>> 16;
    if (isPrivateGroup(group) || (inner.tag & 0xffff) === 0) continue;
    const vr = vrOf(inner, lookupTag(inner.tag)?.vr);
    if (vr === 'SQ' || inner.items !== undefined) item.push(dummySequence(run, first, inner));
    else item.push(dummy(run, inner, vr, first));
  }
  return { tag: el.tag, vr: 'SQ', items: [item] };
}

/** Registered DICOM UIDs (SOP classes, transfer syntaxes, context groups) name no one. */
const isStandardUid = (uid: string): boolean => uid.startsWith('1.2.840.10008.');

function uidElement(run: Run, ds: DicomDataset, el: DicomElement): OutElement {
  const mapped = stringsOf(ds, el, 'UI').map((uid) => {
    if (uid === '' || isStandardUid(uid)) return uid;
    const pseudo = uidFor(run.secret, uid);
    link(run, 'uid', uid, pseudo);
    return pseudo;
  });
  return text(el.tag, 'UI', mapped.join('\\'));
}

/** Pseudonym replacement for identifier attributes, or undefined when the tag is not keyed. */
function keyedValue(run: Run, ds: DicomDataset, el: DicomElement, vr: string): OutElement | undefined {
  const values = stringsOf(ds, el, vr).filter((v) => v !== '');
  if (el.tag === 0x00100020) {
    const out = values.map((v) => {
      const p =
        v === run.topPatientId
          ? pseudonym(run.secret, 'patient', run.patientKey)
          : pseudonym(run.secret, 'patient', v);
      link(run, 'patient-id', v, p);
      return p;
    });
    return text(
      el.tag,
      vr,
      out.length > 0 ? out.join('\\') : pseudonym(run.secret, 'patient', run.patientKey),
    );
  }
  if (el.tag === 0x00100010) {
    const v = elementStrings(ds, el).join('\\');
    const p =
      v === '' || v === run.topPatientName
        ? namePseudonym(run.secret, run.patientKey)
        : `MP^${pseudonymToken(run.secret, 'patient-name', v)}`;
    if (v !== '') link(run, 'patient-name', v, p);
    return text(el.tag, vr, p);
  }
  const kind = KEYED.get(el.tag);
  if (kind === undefined) return undefined;
  if (values.length === 0) return undefined;
  const out = values.map((v) => {
    const p = pseudonym(run.secret, kind, v);
    link(run, kind, v, p);
    return p;
  });
  return text(el.tag, vr, out.join('\\'));
}

/** Does text still hold a known identifier of this header (as the leak gate reads it)? */
function leaksKnown(run: Run, s: string): boolean {
  // Undecided name words count too: a kept DICOM value is emptied rather than sent to review.
  const { found, undecided } = scanText(s, run.leakMatcher, { patterns: false });
  return found.size > 0 || undecided.length > 0;
}

function cleanedText(run: Run, ds: DicomDataset, el: DicomElement, vr: string): OutElement | undefined {
  if (run.cleanText === undefined) return undefined;
  const original = stringsOf(ds, el, vr).join('\\');
  const cleaned = run.cleanText(original, run.known);
  if (cleaned === '' || leaksKnown(run, cleaned)) return undefined;
  return { tag: el.tag, vr, value: encodeText(ds, cleaned) };
}

/** The Z action: empty value, empty sequence, or a keyed pseudonym for identifiers. */
function zeroOrKeyed(run: Run, ds: DicomDataset, el: DicomElement, vr: string): OutElement {
  if (vr === 'SQ') return { tag: el.tag, vr, items: [] };
  return keyedValue(run, ds, el, vr) ?? { tag: el.tag, vr, value: new Uint8Array(0) };
}

/**
 * An allow-listed value: free text goes through the text cleaner with the patient's identifiers, UIDs that
 * are not registered DICOM UIDs are remapped (unless Retain UIDs), and any string value still holding a known
 * identifier is emptied. Binary values that can carry text are not on the allow list at all.
 */
function allowListed(run: Run, ds: DicomDataset, el: DicomElement, vr: string): OutElement {
  if (vr === 'UI') return run.options.retainUids ? kept(el, vr, ds) : uidElement(run, ds, el);
  const original = stringsOf(ds, el, vr).join('\\');
  // A value that still leaks is emptied, not removed: allow-listed attributes are often Type 2.
  const emptied = { tag: el.tag, vr, value: new Uint8Array(0) };
  const registeredCode = CODE_VALUE_TAGS.has(el.tag) && isRegisteredCode(getString(ds, 0x00080102), original);
  if (TEXT_VRS.has(vr) && run.cleanText !== undefined && !registeredCode) {
    const cleaned = run.cleanText(original, run.known);
    if (cleaned === original) return leaksKnown(run, original) ? emptied : kept(el, vr, ds);
    return cleaned === '' || leaksKnown(run, cleaned)
      ? emptied
      : { tag: el.tag, vr, value: encodeText(ds, cleaned) };
  }
  if (STRING_VRS.has(vr) && leaksKnown(run, original)) return emptied;
  return kept(el, vr, ds);
}

/** The value a K keeps, with the two caps we always apply: ages over 89, birth date per option. */
function kept(el: DicomElement, vr: string, ds: DicomDataset): OutElement {
  if (vr === 'AS') {
    const capped = stringsOf(ds, el, vr).map((v) => capAge(v) ?? '');
    return text(el.tag, vr, capped.join('\\'));
  }
  return { tag: el.tag, vr, value: el.value };
}

function shiftedDates(run: Run, ds: DicomDataset, el: DicomElement, vr: string): OutElement | undefined {
  const values = stringsOf(ds, el, vr);
  const out: string[] = [];
  for (const v of values) {
    if (v === '') {
      out.push('');
      continue;
    }
    const s = vr === 'DA' ? shiftDate(v, run.shiftDays) : shiftDateTime(v, run.shiftDays);
    if (s === undefined) return undefined; // unparseable: never pass it through
    out.push(s);
  }
  return text(el.tag, vr, out.join('\\'));
}

/** Apply one table action to one element; returns the output element or null when removed. */
function applyAction(
  run: Run,
  ds: DicomDataset,
  el: DicomElement,
  row: TableRow,
  action: AppliedAction,
  path: string,
  depth: number,
  structured: boolean,
): { out: OutElement | null; applied: AppliedAction } {
  const vr = vrOf(el, row.vr);
  const recurse = (inStructured: boolean): OutElement => ({
    tag: el.tag,
    vr: 'SQ',
    items: (el.items ?? []).map((item, i) =>
      processDataset(run, item, `${path}[${i}]`, depth + 1, inStructured),
    ),
  });
  if (el.tag === 0x00100030 && action !== 'X' && run.over89) {
    // With the age capped at 90, any birth date would let the true age be recomputed from a study date.
    return { out: { tag: el.tag, vr: 'DA', value: new Uint8Array(0) }, applied: 'Z' };
  }
  if (el.tag === 0x00100030 && action !== 'X' && run.options.birthDate !== 'empty') {
    const v = getString(ds, 0x00100030);
    const s =
      v === undefined
        ? undefined
        : run.options.birthDate === 'year'
          ? yearOnly(v)
          : shiftDate(v, run.shiftDays);
    if (s !== undefined) return { out: text(el.tag, 'DA', s), applied: 'C' };
  }
  switch (action) {
    case 'X':
      return { out: null, applied: 'X' };
    case 'K':
      if (vr === 'SQ' || el.items !== undefined) return { out: recurse(structured), applied: 'K' };
      return { out: kept(el, vr, ds), applied: 'K' };
    case 'U':
      if (vr === 'SQ' || el.items !== undefined) return { out: recurse(structured), applied: 'U' };
      return { out: uidElement(run, ds, el), applied: 'U' };
    case 'Z':
      return { out: zeroOrKeyed(run, ds, el, vr), applied: 'Z' };
    case 'D':
      if (vr === 'SQ' || el.items !== undefined) return { out: dummySequence(run, ds, el), applied: 'D' };
      return { out: keyedValue(run, ds, el, vr) ?? dummy(run, el, vr, ds), applied: 'D' };
    case 'C': {
      if (vr === 'SQ' || el.items !== undefined) {
        const structuredNow = structured || row.options.clean_structured_content === 'C';
        return { out: recurse(structuredNow), applied: 'C' };
      }
      if (vr === 'DA' || vr === 'DT') {
        const shifted =
          run.options.longitudinal === 'modified-dates' ? shiftedDates(run, ds, el, vr) : undefined;
        if (shifted !== undefined) return { out: shifted, applied: 'C' };
      } else if (vr === 'TM' || (row.options.retain_longitudinal_modified_dates === 'C' && vr === 'SH')) {
        // Whole-day shifts leave times of day (and the UTC offset) as they were.
        return { out: kept(el, vr, ds), applied: 'C' };
      } else if (vr === 'AE') {
        const v = stringsOf(ds, el, vr).join('\\');
        const p = `MP${pseudonymToken(run.secret, 'ae', v)}`;
        link(run, 'ae', v, p);
        return { out: text(el.tag, vr, p), applied: 'C' };
      } else if (TEXT_VRS.has(vr)) {
        const cleaned = cleanedText(run, ds, el, vr);
        if (cleaned !== undefined) return { out: cleaned, applied: 'C' };
      }
      // Nothing can clean this value: fall back to the Basic Profile action.
      const fallback = resolveAction(
        row.basic,
        depth === 0 && run.iod !== undefined ? typeIn(run.iod, row.keyword) : undefined,
      );
      return applyAction(
        run,
        ds,
        el,
        row,
        fallback === 'C' || fallback === 'K' ? 'X' : fallback,
        path,
        depth,
        structured,
      );
    }
  }
}

function privateCreators(ds: DicomDataset): Map<number, string> {
  const creators = new Map<number, string>();
  for (const el of ds.elements.values()) {
    const group = el.tag >>> 16;
    const element = el.tag & 0xffff;
    if (isPrivateGroup(group) && element >= 0x10 && element <= 0xff) {
      creators.set(
        (group << 8) | element,
        elementStrings(ds, { ...el, vr: 'LO' })
          .join('\\')
          .trim(),
      );
    }
  }
  return creators;
}

function processPrivate(
  run: Run,
  ds: DicomDataset,
  el: DicomElement,
  path: string,
  creators: Map<number, string>,
  keptBlocks: Set<number>,
): OutElement | null {
  const group = el.tag >>> 16;
  const element = el.tag & 0xffff;
  if (run.options.retainSafePrivate && element > 0xff) {
    const block = (group << 8) | (element >>> 8);
    const creator = creators.get(block);
    const entry = creator === undefined ? undefined : safeEntry(run.safe, creator, group, element & 0xff);
    // The listed VR is what makes the value safe: an explicit VR must be it, and the bytes must fit it.
    const explicit = el.vr !== '' && el.vr !== 'UN';
    if (
      entry !== undefined &&
      el.items === undefined &&
      (!explicit || el.vr === entry.vr) &&
      valueFitsVr(el.value, entry.vr)
    ) {
      keptBlocks.add(block);
      audit(run, path, 'K', 'safe-private');
      return { tag: el.tag, vr: entry.vr, value: el.value };
    }
  }
  audit(run, path, 'X', 'private');
  return null;
}

function processGraphics(run: Run, ds: DicomDataset, el: DicomElement, path: string): OutElement | null {
  // Overlay and curve data are bitmaps and samples that can draw a name: the whole group goes with them.
  const hasData = ds.elements.has((((el.tag >>> 16) << 16) | 0x3000) >>> 0);
  if (!run.options.cleanGraphics || hasData) {
    audit(run, path, 'X', 'graphics');
    return null;
  }
  const vr = vrOf(el, lookupTag(el.tag)?.vr);
  if (TEXT_VRS.has(vr)) {
    // Labels, descriptions and comments of curves and overlays are free text.
    const cleaned = cleanedText(run, ds, el, vr);
    audit(run, path, cleaned === undefined ? 'X' : 'C', 'graphics');
    return cleaned ?? null;
  }
  if (el.items !== undefined) {
    audit(run, path, 'X', 'graphics');
    return null;
  }
  audit(run, path, 'K', 'graphics');
  return { tag: el.tag, vr, value: el.value };
}

function processDataset(
  run: Run,
  ds: DicomDataset,
  parent: string,
  depth: number,
  structured: boolean,
): OutElement[] {
  const out: OutElement[] = [];
  const creators = privateCreators(ds);
  const keptBlocks = new Set<number>();
  const creatorElements: DicomElement[] = [];
  for (const el of ds.elements.values()) {
    const tag = el.tag;
    const group = tag >>> 16;
    const element = tag & 0xffff;
    const path = `${parent}${formatTag(tag)}`;
    if (group === 0x0002 || element === 0x0000) continue; // meta is regenerated; group lengths are retired
    if (depth === 0 && STAMP_TAGS.has(tag)) continue; // replaced by the stamp
    if (isPrivateGroup(group)) {
      if (element >= 0x10 && element <= 0xff) creatorElements.push(el);
      else {
        const kept = processPrivate(run, ds, el, path, creators, keptBlocks);
        if (kept !== null) out.push(kept);
      }
      continue;
    }
    if (isCurveGroup(group) || isOverlayGroup(group)) {
      const kept = processGraphics(run, ds, el, path);
      if (kept !== null) out.push(kept);
      continue;
    }
    if (tag === TAG_PIXEL_DATA && depth === 0) {
      out.push(pixelElement(ds, el, run.transferSyntax));
      audit(run, path, 'C', 'pixels');
      continue;
    }
    const row = run.table.byTag.get(tag);
    if (row !== undefined) {
      const action = run.actionOf.get(row) ?? row.basic;
      const type = depth === 0 && run.iod !== undefined ? typeIn(run.iod, row.keyword) : undefined;
      const resolved = resolveAction(action, type);
      const { out: result, applied } = applyAction(run, ds, el, row, resolved, path, depth, structured);
      audit(run, path, applied, 'profile');
      if (result !== null) out.push(result);
      continue;
    }
    if (structured && STRUCTURED_TEXT.has(tag)) {
      const cleaned = cleanedText(run, ds, el, vrOf(el, 'UT'));
      audit(run, path, cleaned === undefined ? 'X' : 'C', 'profile');
      if (cleaned !== undefined) out.push(cleaned);
      continue;
    }
    const keep = keepEntry(tag);
    if (keep !== undefined) {
      const vr = vrOf(el, keep.vr);
      if (el.items !== undefined) {
        out.push({
          tag,
          vr: 'SQ',
          items: el.items.map((item, i) => processDataset(run, item, `${path}[${i}]`, depth + 1, structured)),
        });
        audit(run, path, 'K', 'allow-list');
        continue;
      }
      const result = allowListed(run, ds, el, vr);
      out.push(result);
      audit(run, path, result.value === el.value ? 'K' : 'C', 'allow-list');
      continue;
    }
    audit(run, path, 'X', 'not-allowed');
  }
  for (const el of creatorElements) {
    const group = el.tag >>> 16;
    const path = `${parent}${formatTag(el.tag)}`;
    if (keptBlocks.has((group << 8) | (el.tag & 0xff))) {
      out.push({ tag: el.tag, vr: 'LO', value: el.value });
      audit(run, path, 'K', 'safe-private');
    } else {
      audit(run, path, 'X', 'private');
    }
  }
  return out;
}

/** Pixel Data without the bytes around the pixels that can carry text (see payloads.ts). */
function pixelElement(ds: DicomDataset, el: DicomElement, transferSyntax: string): OutElement {
  const encapsulated = cleanEncapsulated(ds, el, transferSyntax);
  if (encapsulated !== undefined) return { tag: el.tag, vr: 'OB', encapsulated };
  return { tag: el.tag, vr: el.vr === 'OB' ? 'OB' : 'OW', value: nativePixelValue(ds, el) };
}

const PN_KNOWN = {
  patientNames: [0x00100010, 0x00101001, 0x00101005, 0x00101060],
  physicianNames: [0x00080090, 0x00081050, 0x00081060, 0x00081048, 0x00321032, 0x0008009c],
  operatorNames: [0x00081070],
};

/** Patient Age over 89, or more than 89 years between the birth date and any date of the patient. */
function olderThan89(ds: DicomDataset, known: HeaderIdentifiers, patientDates: string[]): boolean {
  if (getStrings(ds, 0x00101010).some((age) => capAge(age) === '090Y')) return true;
  const birth = known.birthDate;
  if (birth === undefined) return false;
  const dates = [
    ...known.studyDates,
    ...getStrings(ds, 0x00080012),
    ...getStrings(ds, 0x0008002a),
    ...patientDates,
  ];
  return dates.some((d) => (yearsBetween(birth, d.slice(0, 8)) ?? 0) > 89);
}

/** The identifiers of this header, for the text cleaner and for the leak check of its output. */
function collectKnown(ds: DicomDataset): HeaderIdentifiers {
  const all = (tags: number[]): string[] => tags.flatMap((t) => getStrings(ds, t)).filter((v) => v !== '');
  const names = (tags: number[]): string[] => all(tags).flatMap(personNameGroups);
  const otherIdsInSequence = (ds.elements.get(0x00101002)?.items ?? []).flatMap((item) =>
    getStrings(item, 0x00100020),
  );
  return {
    patientNames: names(PN_KNOWN.patientNames),
    patientIds: [...all([0x00100020, 0x00101000]), ...otherIdsInSequence].filter((v) => v !== ''),
    accessionNumbers: all([0x00080050]),
    otherIds: all([0x00200010, 0x00402016, 0x00402017, 0x00401001, 0x00380010]),
    birthDate: getString(ds, 0x00100030),
    studyDates: all([0x00080020, 0x00080021, 0x00080022, 0x00080023]),
    institutionNames: all([0x00080080, 0x00081040]),
    institutionAddresses: all([0x00080081]),
    physicianNames: names(PN_KNOWN.physicianNames),
    operatorNames: names(PN_KNOWN.operatorNames),
    otherStrings: all([0x00081010, 0x00181000, 0x00101040, 0x00102154, 0x0018700a]),
  };
}

function stampElements(run: Run, appVersion: string, pixelsCleaned: boolean): OutElement[] {
  const codes = methodCodes(run.options, pixelsCleaned);
  const method = methodText(run.options, codes, appVersion, run.table.edition);
  return [
    text(0x00120062, 'CS', 'YES'),
    text(0x00120063, 'LO', method.join('\\')),
    {
      tag: 0x00120064,
      vr: 'SQ',
      items: codes.map((code) => [
        text(0x00080100, 'SH', code.value),
        text(0x00080102, 'SH', 'DCM'),
        text(0x00080104, 'LO', code.meaning),
      ]),
    },
    text(0x00280303, 'CS', longitudinalState(run.options)),
  ];
}

function patientKeyOf(ds: DicomDataset, given: string | undefined): string {
  if (given !== undefined && given !== '') return given;
  const id = getString(ds, 0x00100020);
  if (id !== undefined) return `id:${id}`;
  const name = elementStrings(ds, ds.elements.get(0x00100010) ?? emptyElement()).join('\\');
  if (name !== '') return `name:${name}`;
  // No patient identity at all: each study stands alone (intervals across studies are not kept).
  return `study:${getString(ds, 0x0020000d) ?? ''}`;
}

function emptyElement(): DicomElement {
  return { tag: 0, vr: 'UN', length: 0, offset: 0, value: new Uint8Array(0), littleEndian: true };
}

function replaceTopLevel(out: OutElement[], element: OutElement): void {
  const i = out.findIndex((e) => e.tag === element.tag);
  if (i >= 0) out[i] = element;
  else out.push(element);
}

function us(tag: number, v: number, le: boolean): OutElement {
  const value = new Uint8Array(2);
  new DataView(value.buffer).setUint16(0, v, le);
  return { tag, vr: 'US', value };
}

/** De-identify one DICOM instance (see the module comment and the report of this stage for the rules). */
export async function deidentifyDicom(input: Uint8Array, ctx: DeidContext): Promise<DeidResult> {
  const file: DicomFile = parseDicom(input);
  // Masks and the burned-in text check decode pixels synchronously.
  await prepareDecoding(file);
  const ds = file.dataset;
  const options = withDefaults(ctx.options);
  const table = loadTable();
  const actionOf = new Map(table.rows.map((row) => [row, rowAction(row, options)]));
  const known = collectKnown(ds);
  const patientKey = patientKeyOf(ds, ctx.patientKey);
  const patientIdValue = getString(ds, 0x00100020);
  const run: Run = {
    secret: ctx.secret,
    options,
    table,
    iod: iodFor(getString(ds, 0x00080016) ?? getString(file.meta, 0x00020002)),
    actionOf,
    cleanText: ctx.cleanText,
    known,
    leakMatcher: buildMatcher([known]),
    patientKey,
    topPatientId: patientIdValue,
    topPatientName: ds.elements.has(0x00100010)
      ? elementStrings(ds, ds.elements.get(0x00100010) ?? emptyElement()).join('\\')
      : undefined,
    shiftDays: shiftDaysFor(ctx.secret, patientKey, options.shiftRange),
    safe: indexSafePrivate(ctx.safePrivate ?? loadSafePrivate()),
    transferSyntax: file.transferSyntax,
    over89: olderThan89(ds, known, ctx.patientStudyDates ?? []),
    actions: [],
    linkage: new Map(),
  };
  link(run, 'patient', patientKey, pseudonym(ctx.secret, 'patient', patientKey));

  const out = processDataset(run, ds, '', 0, false);
  for (const [dependant, partner] of PRESENT_ONLY_WITH) {
    const i = out.findIndex((e) => e.tag === dependant);
    if (i >= 0 && !out.some((e) => e.tag === partner)) {
      out.splice(i, 1);
      audit(run, formatTag(dependant), 'X', 'profile');
    }
  }
  // Patient ID and Name are Type 2 in every image IOD: always present, as the patient's pseudonyms.
  if (!out.some((e) => e.tag === 0x00100020)) {
    out.push(text(0x00100020, 'LO', pseudonym(ctx.secret, 'patient', patientKey)));
    audit(run, formatTag(0x00100020), 'A', 'stamp');
  }
  if (!out.some((e) => e.tag === 0x00100010)) {
    out.push(text(0x00100010, 'PN', namePseudonym(ctx.secret, patientKey)));
    audit(run, formatTag(0x00100010), 'A', 'stamp');
  }

  const sourceEnc = encodingOf(file.transferSyntax);
  let transferSyntax = file.transferSyntax;
  let pixelsCleaned = false;
  const masks = ctx.masks ?? [];
  const pixelEl = ds.elements.get(TAG_PIXEL_DATA);
  // Rewriting the pixels also zeroes the bits outside Bits Stored (unused-bits.ts).
  if (pixelEl !== undefined && (masks.length > 0 || hasUnusedBitsSet(file))) {
    const masked = maskedPixelData(file, masks, sourceEnc.littleEndian);
    const le = sourceEnc.littleEndian;
    replaceTopLevel(out, {
      tag: TAG_PIXEL_DATA,
      vr: masked.info.bitsAllocated > 8 ? 'OW' : 'OB',
      value: masked.value,
    });
    replaceTopLevel(out, text(0x00280004, 'CS', masked.info.photometric));
    replaceTopLevel(out, us(0x00280102, masked.info.highBit, le));
    if (masked.info.samplesPerPixel > 1) replaceTopLevel(out, us(0x00280006, 0, le));
    if (pixelEl.encapsulated !== undefined) transferSyntax = EXPLICIT_VR_LE;
    pixelsCleaned = true;
    audit(run, formatTag(TAG_PIXEL_DATA), 'M', 'pixels');
  }

  for (const el of stampElements(run, ctx.appVersion, pixelsCleaned)) {
    replaceTopLevel(out, el);
    audit(run, formatTag(el.tag), 'A', 'stamp');
  }

  const sopInstanceUid =
    decodeOut(out.find((e) => e.tag === 0x00080018)) ??
    uidFor(ctx.secret, getString(file.meta, 0x00020003) ?? `${patientKey}:${input.length}`);
  const sopClassUid =
    decodeOut(out.find((e) => e.tag === 0x00080016)) ?? getString(file.meta, 0x00020002) ?? '';
  const enc = transferSyntax === file.transferSyntax ? sourceEnc : encodingOf(transferSyntax);
  const bytes = writePart10(
    {
      sopClassUid,
      sopInstanceUid,
      transferSyntaxUid: transferSyntax,
      implementationClassUid: IMPLEMENTATION_CLASS_UID,
      implementationVersionName: `MEDPREP_${ctx.appVersion}`.slice(0, 16),
    },
    out,
    enc,
  );

  let quarantine: DeidResult['quarantine'] = null;
  const byHeader = quarantineByHeader(file);
  if (byHeader !== null) quarantine = { reason: byHeader };
  else if (ctx.detectText !== false && pixelEl !== undefined && masks.length === 0) {
    const detector = ctx.detectText ?? detectBurnedInText;
    try {
      const regions = await detector(renderForDetection(file));
      if (regions.length > 0) quarantine = { reason: `text-like regions detected in pixels`, regions };
    } catch (err) {
      // An image we cannot render cannot be checked: review it rather than export it unseen.
      quarantine = { reason: `pixels could not be checked for burned-in text: ${(err as Error).message}` };
    }
  }

  return {
    bytes,
    actions: run.actions,
    linkage: [...run.linkage.values()],
    patientKey,
    shiftDays: run.shiftDays,
    sopInstanceUid,
    transferSyntax,
    transferSyntaxChanged: transferSyntax !== file.transferSyntax,
    quarantine,
  };
}

function decodeOut(el: OutElement | undefined): string | undefined {
  if (el?.value === undefined) return undefined;
  const s = Buffer.from(el.value)
    .toString('latin1')
    .replace(/[\0 ]+$/, '');
  return s === '' ? undefined : s;
}
