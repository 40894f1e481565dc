/**
 * Encoding cleaned text back into the dataset's Specific Character Set, so that Japanese, Chinese and
 * Korean descriptors survive cleaning (PS3.5 6.1). Node decodes every set DICOM names but encodes only
 * UTF-8, so the tables for the other sets are built once by decoding every byte sequence of the set.
 * ISO 2022 sets are written with their escape sequences (JIS X 0208: ESC $ B, back to ASCII with ESC ( B;
 * KS X 1001: ESC $ ) C then GR bytes). A character the set cannot hold is written as `?` (never the
 * case for text that came from the same set, plus MedPrep's ASCII placeholders).
 */

const ESC_JIS_X_0208 = [0x1b, 0x24, 0x42];
const ESC_ASCII = [0x1b, 0x28, 0x42];
const ESC_KS_X_1001 = [0x1b, 0x24, 0x29, 0x43];

const tables = new Map<string, Map<string, number[]>>();

/** Character → bytes in `encoding`, for its single bytes and its two-byte sequences. */
function reverseTable(encoding: string): Map<string, number[]> {
  const hit = tables.get(encoding);
  if (hit !== undefined) return hit;
  const table = new Map<string, number[]>();
  const decoder = new TextDecoder(encoding, { fatal: true });
  const add = (bytes: number[]): void => {
    try {
      const ch = decoder.decode(Uint8Array.from(bytes));
      if ([...ch].length === 1 && ch !== '\ufffd' && !table.has(ch)) table.set(ch, bytes);
    } catch {
      // not a valid sequence of this set
    }
  };
  for (let b = 0x20; b <= 0xff; b++) add([b]);
  if (new TextDecoder(encoding).decode(Uint8Array.from([0xb0, 0xa1])).length === 2)
    return cache(encoding, table);
  for (let lead = 0x81; lead <= 0xfe; lead++)
    for (let trail = 0x40; trail <= 0xfe; trail++) add([lead, trail]);
  return cache(encoding, table);
}

function cache(encoding: string, table: Map<string, number[]>): Map<string, number[]> {
  tables.set(encoding, table);
  return table;
}

const isAscii = (ch: string): boolean => (ch.codePointAt(0) ?? 0x80) < 0x80;

/** ISO 2022 IR 87: JIS X 0208 through EUC-JP's table (EUC-JP bytes are JIS bytes with the high bit set). */
function iso2022Jp(text: string): number[] {
  const euc = reverseTable('euc-jp');
  const out: number[] = [];
  let inJis = false;
  for (const ch of text) {
    const bytes = isAscii(ch) ? undefined : euc.get(ch);
    if (bytes?.length === 2) {
      if (!inJis) out.push(...ESC_JIS_X_0208);
      inJis = true;
      out.push((bytes[0] ?? 0) & 0x7f, (bytes[1] ?? 0) & 0x7f);
      continue;
    }
    if (inJis) out.push(...ESC_ASCII);
    inJis = false;
    out.push(isAscii(ch) ? (ch.codePointAt(0) ?? 0x3f) : 0x3f);
  }
  if (inJis) out.push(...ESC_ASCII);
  return out;
}

/** ISO 2022 IR 149: KS X 1001 in G1 (EUC-KR bytes), designated before the first Korean character. */
function iso2022Kr(text: string): number[] {
  const table = reverseTable('euc-kr');
  const out: number[] = [];
  let designated = false;
  for (const ch of text) {
    const bytes = isAscii(ch) ? undefined : table.get(ch);
    if (bytes?.length === 2) {
      if (!designated) out.push(...ESC_KS_X_1001);
      designated = true;
      out.push(...bytes);
    } else out.push(isAscii(ch) ? (ch.codePointAt(0) ?? 0x3f) : 0x3f);
  }
  return out;
}

/** `text` in the first of `encodings` that is not plain ASCII (as parseCharacterSet names them). */
export function encodeCharset(text: string, encodings: string[]): Uint8Array {
  if ([...text].every(isAscii)) return Uint8Array.from(Buffer.from(text, 'latin1'));
  const extended = encodings.find((e) => e !== 'latin1') ?? encodings[0] ?? 'latin1';
  if (extended === 'utf-8') return new TextEncoder().encode(text);
  if (extended === 'iso-2022-jp') return Uint8Array.from(iso2022Jp(text));
  if (extended === 'euc-kr' && encodings.length > 1) return Uint8Array.from(iso2022Kr(text));
  const table = reverseTable(extended);
  const out: number[] = [];
  for (const ch of text) {
    const bytes = isAscii(ch) ? [ch.codePointAt(0) ?? 0x3f] : table.get(ch);
    out.push(...(bytes ?? [0x3f]));
  }
  return Uint8Array.from(out);
}
