/**
 * Specific Character Set (0008,0005) → text decoding (PS3.3 C.12.1.1.2, PS3.5 6.1).
 * Single-byte and UTF-8/GB18030 sets decode exactly; ISO 2022 code extensions (escape
 * sequences switching sets mid-value) are decoded best-effort, which the caller records.
 */

const SINGLE: Record<string, string> = {
  '': 'latin1', // default repertoire is ASCII; latin1 decodes it identically and never throws
  ISO_IR_6: 'latin1',
  ISO_IR_100: 'latin1',
  ISO_IR_101: 'iso-8859-2',
  ISO_IR_109: 'iso-8859-3',
  ISO_IR_110: 'iso-8859-4',
  ISO_IR_144: 'iso-8859-5',
  ISO_IR_127: 'iso-8859-6',
  ISO_IR_126: 'iso-8859-7',
  ISO_IR_138: 'iso-8859-8',
  ISO_IR_148: 'windows-1254',
  ISO_IR_203: 'iso-8859-15',
  ISO_IR_13: 'shift_jis',
  ISO_IR_166: 'windows-874',
  ISO_IR_192: 'utf-8',
  GB18030: 'gb18030',
  GBK: 'gbk',
  ISO_2022_IR_6: 'latin1',
  ISO_2022_IR_100: 'latin1',
  ISO_2022_IR_101: 'iso-8859-2',
  ISO_2022_IR_109: 'iso-8859-3',
  ISO_2022_IR_110: 'iso-8859-4',
  ISO_2022_IR_144: 'iso-8859-5',
  ISO_2022_IR_127: 'iso-8859-6',
  ISO_2022_IR_126: 'iso-8859-7',
  ISO_2022_IR_138: 'iso-8859-8',
  ISO_2022_IR_148: 'windows-1254',
  ISO_2022_IR_203: 'iso-8859-15',
  ISO_2022_IR_13: 'shift_jis',
  ISO_2022_IR_166: 'windows-874',
  ISO_2022_IR_87: 'iso-2022-jp',
  ISO_2022_IR_159: 'iso-2022-jp',
  ISO_2022_IR_149: 'euc-kr',
  ISO_2022_IR_58: 'gbk',
};

/** Escape sequences (after ESC) → the decoder for the bytes that follow. */
const ESCAPES: [number[], string][] = [
  [[0x28, 0x42], 'latin1'], // ( B  ASCII
  [[0x28, 0x4a], 'latin1'], // ( J  JIS X 0201 Roman
  [[0x29, 0x49], 'shift_jis'], // ) I  JIS X 0201 Katakana (GR bytes match Shift_JIS)
  [[0x24, 0x42], 'iso-2022-jp'], // $ B  JIS X 0208
  [[0x24, 0x28, 0x44], 'iso-2022-jp'], // $ ( D  JIS X 0212 (not in WHATWG; best-effort)
  [[0x24, 0x29, 0x43], 'euc-kr'], // $ ) C  KS X 1001 in G1
  [[0x24, 0x29, 0x41], 'gbk'], // $ ) A  GB 2312 in G1
  [[0x2d, 0x41], 'latin1'],
  [[0x2d, 0x42], 'iso-8859-2'],
  [[0x2d, 0x43], 'iso-8859-3'],
  [[0x2d, 0x44], 'iso-8859-4'],
  [[0x2d, 0x4c], 'iso-8859-5'],
  [[0x2d, 0x47], 'iso-8859-6'],
  [[0x2d, 0x46], 'iso-8859-7'],
  [[0x2d, 0x48], 'iso-8859-8'],
  [[0x2d, 0x4d], 'windows-1254'],
  [[0x2d, 0x54], 'windows-874'],
];

export interface CharacterSet {
  /** Decoder labels: first is the initial set, the rest are reachable through escapes. */
  encodings: string[];
  /** True when ISO 2022 code extensions are in play and decoding is best-effort. */
  codeExtensions: boolean;
  /** Terms we did not recognise (decoded as latin1). */
  unknown: string[];
}

export const DEFAULT_CHARSET: CharacterSet = { encodings: ['latin1'], codeExtensions: false, unknown: [] };

export function parseCharacterSet(terms: string[]): CharacterSet {
  const encodings: string[] = [];
  const unknown: string[] = [];
  for (const raw of terms.length === 0 ? [''] : terms) {
    const key = raw.trim().toUpperCase().replace(/[ -]/g, '_');
    const enc = SINGLE[key];
    if (enc === undefined) unknown.push(raw.trim());
    encodings.push(enc ?? 'latin1');
  }
  const codeExtensions = terms.length > 1 || terms.some((t) => t.trim().toUpperCase().startsWith('ISO 2022'));
  return { encodings, codeExtensions, unknown };
}

const decoders = new Map<string, InstanceType<typeof TextDecoder>>();
function decodeWith(encoding: string, bytes: Uint8Array): string {
  if (encoding === 'latin1')
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  let d = decoders.get(encoding);
  if (d === undefined) {
    d = new TextDecoder(encoding);
    decoders.set(encoding, d);
  }
  return d.decode(bytes);
}

/** Decode a text value's bytes in the dataset's character set. */
export function decodeText(bytes: Uint8Array, cs: CharacterSet): string {
  const first = cs.encodings[0] ?? 'latin1';
  if (!cs.codeExtensions || !bytes.includes(0x1b)) return decodeWith(first, bytes);
  let out = '';
  let enc = first;
  let start = 0;
  let i = 0;
  while (i < bytes.length) {
    if (bytes[i] !== 0x1b) {
      i++;
      continue;
    }
    const match = ESCAPES.find(([seq]) => seq.every((b, k) => bytes[i + 1 + k] === b));
    if (match === undefined) {
      i++;
      continue;
    }
    out += decodeSegment(enc, bytes.subarray(start, i));
    enc = match[1];
    i += 1 + match[0].length;
    start = enc === 'iso-2022-jp' ? i - 1 - match[0].length : i; // iso-2022-jp needs its escape
  }
  return out + decodeSegment(enc, bytes.subarray(start));
}

function decodeSegment(enc: string, bytes: Uint8Array): string {
  return bytes.length === 0 ? '' : decodeWith(enc, bytes);
}
