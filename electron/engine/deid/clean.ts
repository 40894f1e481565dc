import type { TextMode } from '../../api/deid.ts';
import { type CleanText, type DeidOptions, shiftDaysFor } from '../deid-dicom/index.ts';
import { type KnownIdentifiers, applySpans, detectSpans } from '../deid-text/index.ts';
import { descriptorNames } from './descriptor-names.ts';
import { mergeKnown } from './known.ts';

export interface CleanerContext {
  secret: Buffer;
  options: DeidOptions;
  textMode: TextMode;
  patientKey: string;
  /** The patient's identifiers from the whole project (other studies' headers, the source's CSV data). */
  known: KnownIdentifiers;
}

/** Days a patient's dates move in report text: none when real dates are kept. */
export function textShiftDays(ctx: Pick<CleanerContext, 'secret' | 'options' | 'patientKey'>): number {
  if (ctx.options.longitudinal === 'full-dates') return 0;
  return shiftDaysFor(ctx.secret, ctx.patientKey, ctx.options.shiftRange);
}

/**
 * The text cleaner handed to the DICOM engine (Clean Descriptors and friends): the report engine with the
 * header's identifiers and the patient's. The job and the export use this same function, so what export
 * regenerates is what the job recorded.
 */
export function headerCleaner(ctx: CleanerContext): CleanText {
  const shiftDays = textShiftDays(ctx);
  // One merged (and so one compiled) set of identifiers per header, not one per cleaned value.
  const merged = new WeakMap<object, KnownIdentifiers>();
  return (text, header) => {
    let known = merged.get(header);
    if (known === undefined) merged.set(header, (known = mergeKnown(header, ctx.known)));
    const opts = { mode: ctx.textMode, secret: ctx.secret, patientKey: ctx.patientKey, shiftDays, known };
    return applySpans(text, detectSpans(text, opts, descriptorNames(text)), opts).text;
  };
}
