/**
 * Gold standards written by others, read into `GoldRecord`s for `evaluate`.
 *
 * PhysioNet "deid" 1.1 (Neamatullah et al. 2008): `id.text` holds the notes, each between
 * `START_OF_RECORD=PATIENT||||NOTE||||` and `||||END_OF_RECORD` lines; `id-phi.phrase` lists one PHI per line,
 * `PATIENT NOTE START END TYPE PHRASE…`, with offsets into the note's text (the lines after its start line).
 * Its reference tool, deid.pl, writes the same kind of list without types (`id.phi`: a `Patient P\tNote N`
 * line, then `START\tSTART\tEND` lines), read by `parsePhysionetPhi` to score deid.pl on the same terms.
 */
import type { GoldRecord, PredictedSpan } from './evaluate.ts';
import type { PhiCategory } from './types.ts';

/** The corpus's types in our categories ("Other" holds pager and unit numbers). */
const PHYSIONET_TYPES: Record<string, PhiCategory> = {
  PTName: 'NAME',
  PTNameInitial: 'NAME',
  RelativeProxyName: 'NAME',
  HCPName: 'NAME',
  Date: 'DATE',
  DateYear: 'DATE',
  Age: 'AGE',
  Phone: 'CONTACT',
  Location: 'LOCATION',
  Other: 'ID',
};

const RECORD = /^START_OF_RECORD=(\d+)\|\|\|\|(\d+)\|\|\|\|\n([\s\S]*?)\|\|\|\|END_OF_RECORD$/gm;

/** The notes of an `id.text`, keyed `PATIENT-NOTE`, in file order. */
export function parsePhysionetText(idText: string): Map<string, string> {
  const notes = new Map<string, string>();
  for (const m of idText.replace(/\r\n/g, '\n').matchAll(RECORD)) notes.set(`${m[1]}-${m[2]}`, m[3]!);
  if (notes.size === 0)
    throw new Error('No START_OF_RECORD=…||||END_OF_RECORD notes found in the text file.');
  return notes;
}

/** `id.text` and `id-phi.phrase` as gold records; throws with the line number on a span that does not fit. */
export function parsePhysionetDeid(idText: string, phrase: string): GoldRecord[] {
  const notes = parsePhysionetText(idText);
  const records = new Map<string, GoldRecord>();
  for (const [id, text] of notes) records.set(id, { id, text, spans: [] });
  phrase.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    const [patient, note, start, end, type] = line.trim().split(/\s+/);
    const record = records.get(`${patient}-${note}`);
    const category = PHYSIONET_TYPES[type ?? ''];
    const s = Number(start);
    const e = Number(end);
    if (!record || !category || !Number.isInteger(s) || !(e > s) || e > record.text.length) {
      throw new Error(
        `Phrase line ${i + 1}: expected "PATIENT NOTE START END TYPE PHRASE" within a known note.`,
      );
    }
    record.spans.push({ start: s, end: e, category });
  });
  return [...records.values()];
}

/** deid.pl's `id.phi` output as uncategorised predictions (scored as NAME: only recall and precision count). */
export function parsePhysionetPhi(phi: string): Map<string, PredictedSpan[]> {
  const out = new Map<string, PredictedSpan[]>();
  let current: PredictedSpan[] | null = null;
  for (const line of phi.split('\n')) {
    const head = /^Patient (\d+)\s+Note (\d+)/.exec(line);
    if (head) {
      current = [];
      out.set(`${head[1]}-${head[2]}`, current);
      continue;
    }
    const span = /^(\d+)\s+(\d+)\s+(\d+)\s*$/.exec(line);
    if (span && current) current.push({ start: Number(span[2]), end: Number(span[3]), category: 'NAME' });
  }
  return out;
}
