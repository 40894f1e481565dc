/** Shared types of report-text de-identification. */

/** What a span hides. `REDACTED` marks placeholders a previous de-identification left (`___`, `[**…**]`). */
export type PhiCategory = 'NAME' | 'DATE' | 'AGE' | 'ID' | 'CONTACT' | 'LOCATION';
export type SpanCategory = PhiCategory | 'REDACTED';

export type SpanSource = `rule:${string}` | 'header' | 'model' | 'placeholder';

/** A span of the input text (UTF-16 offsets, end exclusive) and what replaces it. */
export interface DeidSpan {
  start: number;
  end: number;
  category: SpanCategory;
  source: SpanSource;
  confidence: number;
  replacement: string;
}

export interface DeidTextResult {
  text: string;
  spans: DeidSpan[];
}

/** A prediction of an external named-entity model. */
export interface NerPrediction {
  start: number;
  end: number;
  category: PhiCategory;
  score: number;
}

/** Optional learned detector; its spans are united with the rules' (union for recall). */
export interface NerModel {
  predict(text: string): Promise<NerPrediction[]>;
}

/**
 * Identifiers known for a study from its DICOM header or source CSV. Person names use DICOM PN form
 * (`LAST^FIRST^MIDDLE`; plain "First Last" is accepted too); dates are `YYYYMMDD`.
 */
export interface KnownIdentifiers {
  patientNames?: string[];
  patientIds?: string[];
  accessionNumbers?: string[];
  otherIds?: string[];
  birthDate?: string;
  studyDates?: string[];
  institutionNames?: string[];
  institutionAddresses?: string[];
  /** Referring, performing, reading physicians. */
  physicianNames?: string[];
  operatorNames?: string[];
  /** Station names, device serials and other header strings to find verbatim. */
  otherStrings?: string[];
}

export type OutputMode = 'tags' | 'surrogates';

export interface DeidTextOptions {
  /** `tags` (default) writes `[NAME]`, `[DATE]`…; `surrogates` writes realistic, consistent fakes. */
  mode?: OutputMode;
  /** Project secret keying every surrogate; required for `surrogates`. */
  secret?: Buffer;
  /** Stable key of the patient (for example the subject id); surrogates are consistent within it. */
  patientKey?: string;
  /** The patient's date shift in days (surrogate mode). */
  shiftDays?: number;
  /** Identifiers from the study's header, found in the text with their variants. */
  known?: KnownIdentifiers;
  model?: NerModel;
  /** Model spans below this score are ignored (default 0.5). */
  modelMinScore?: number;
}

/** A detected span before replacement. */
export interface Candidate {
  start: number;
  end: number;
  category: SpanCategory;
  source: SpanSource;
  confidence: number;
}
