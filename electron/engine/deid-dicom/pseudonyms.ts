/**
 * Keyed, consistent replacements: every one is an HMAC-SHA256 under the project secret, so the same
 * input maps to the same output across files and re-runs, and nobody without the secret can link
 * the two (an unsalted hash of an MRN is trivially reversed by enumerating MRNs).
 */
import { createHmac } from 'node:crypto';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
/** 13 base32 characters (65 bits): `MP-` + 13 fits SH (16 characters), the shortest VR we write into. */
const PSEUDONYM_CHARS = 13;

function checkSecret(secret: Buffer): void {
  if (secret.length < 32) throw new RangeError('the project secret must be at least 32 bytes');
}

export function hmac(secret: Buffer, message: string): Buffer {
  checkSecret(secret);
  return createHmac('sha256', secret).update(message, 'utf8').digest();
}

function base32(bytes: Uint8Array, chars: number): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5 && out.length < chars) {
      out += BASE32[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    if (out.length >= chars) break;
  }
  return out;
}

/** The keyed token of a value of a kind ('patient', 'accession', …); no prefix. */
export function pseudonymToken(secret: Buffer, kind: string, value: string): string {
  return base32(hmac(secret, `${kind}:${value}`), PSEUDONYM_CHARS);
}

/** `MP-<token>`: an identifier pseudonym (at most 16 characters, valid SH/LO/CS-free text). */
export function pseudonym(secret: Buffer, kind: string, value: string): string {
  return `MP-${pseudonymToken(secret, kind, value)}`;
}

/** `MP^<token>`: the patient's name pseudonym, the same token as the patient ID's. */
export function namePseudonym(secret: Buffer, patientKey: string): string {
  return `MP^${pseudonymToken(secret, 'patient', patientKey)}`;
}

/**
 * UID → `2.25.<decimal of the first 128 bits of HMAC(secret, 'uid:' + uid)>` (PS3.5 B.2: a UUID-derived
 * UID; at most 43 characters, no leading zero in the component).
 */
export function uidFor(secret: Buffer, uid: string): string {
  const digest = hmac(secret, `uid:${uid}`);
  return `2.25.${BigInt(`0x${digest.subarray(0, 16).toString('hex')}`).toString(10)}`;
}

/** The patient's date shift: whole days in [min, max], from the secret and the patient key. */
export function shiftDaysFor(
  secret: Buffer,
  patientKey: string,
  range: { min: number; max: number } = { min: -3650, max: -1 },
): number {
  const span = range.max - range.min + 1;
  if (!Number.isInteger(span) || span < 1) throw new RangeError(`invalid date shift range`);
  // 48 bits of the digest: the modulo bias over a span of a few thousand days is below 1e-10.
  const x = hmac(secret, `shift:${patientKey}`).readUIntBE(0, 6);
  return range.min + (x % span);
}
