/**
 * Per-file work of the import worker for a report text file (MIMIC-CXR's `sSTUDY.txt`): read it, keep the raw
 * text, and section it. Text that is not valid UTF-8 is read as Windows-1252, the usual hospital export.
 */
import { readFile, stat } from 'node:fs/promises';
import { sectionReport, type ReportSections } from '../reports/index.ts';

export interface ProcessedReport {
  kind: 'report';
  text: string;
  sections: ReportSections;
}

export type ReportResult =
  ProcessedReport | { kind: 'skipped'; reason: string } | { kind: 'error'; reason: string };

/** Far beyond any report; a bigger file is something else with a .txt name. */
const MAX_REPORT_BYTES = 1 << 20;

export async function processReportFile(absPath: string): Promise<ReportResult> {
  let bytes: Buffer;
  try {
    if ((await stat(absPath)).size > MAX_REPORT_BYTES)
      return { kind: 'skipped', reason: 'too large for a report' };
    bytes = await readFile(absPath);
  } catch (err) {
    const code = (err as { code?: unknown } | null)?.code;
    return {
      kind: 'error',
      reason: `cannot read file (${typeof code === 'string' ? code : 'unknown error'})`,
    };
  }
  if (bytes.includes(0)) return { kind: 'skipped', reason: 'not a text file' };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    text = new TextDecoder('windows-1252').decode(bytes);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (!text.trim()) return { kind: 'skipped', reason: 'empty report' };
  return { kind: 'report', text, sections: sectionReport(text) };
}
