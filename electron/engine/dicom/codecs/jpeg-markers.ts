/** Just enough of the JPEG marker syntax (ITU T.81 B.1) to route a stream before decoding it. */

export interface JpegHeader {
  /** Start-of-frame marker, e.g. 0xffc0 baseline, 0xffc1 extended, 0xffc3 lossless. */
  sof: number;
  precision: number;
  width: number;
  height: number;
  components: number;
  jfif: boolean;
  adobe: boolean;
}

/** Walk the markers before the first scan; undefined when there is no frame header. */
export function readJpegHeader(bytes: Uint8Array): JpegHeader | undefined {
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) return undefined;
  let jfif = false;
  let adobe = false;
  let pos = 2;
  while (pos + 4 <= bytes.length) {
    if (bytes[pos] !== 0xff) return undefined;
    const marker = 0xff00 | (bytes[pos + 1] ?? 0);
    if (marker === 0xffff) {
      pos++; // fill byte
      continue;
    }
    const length = ((bytes[pos + 2] ?? 0) << 8) | (bytes[pos + 3] ?? 0);
    const body = pos + 4;
    if (marker === 0xffe0 && ascii(bytes, body, 5) === 'JFIF\0') jfif = true;
    if (marker === 0xffee && ascii(bytes, body, 5) === 'Adobe') adobe = true;
    const isSof = marker >= 0xffc0 && marker <= 0xffcf && ![0xffc4, 0xffc8, 0xffcc].includes(marker);
    if (isSof && body + 6 <= bytes.length) {
      return {
        sof: marker,
        precision: bytes[body] ?? 0,
        height: ((bytes[body + 1] ?? 0) << 8) | (bytes[body + 2] ?? 0),
        width: ((bytes[body + 3] ?? 0) << 8) | (bytes[body + 4] ?? 0),
        components: bytes[body + 5] ?? 0,
        jfif,
        adobe,
      };
    }
    if (marker === 0xffda || length < 2) return undefined;
    pos += 2 + length;
  }
  return undefined;
}

function ascii(bytes: Uint8Array, start: number, n: number): string {
  return String.fromCharCode(...bytes.subarray(start, start + n));
}

/**
 * The stream with an Adobe APP14 marker saying "no colour transform" after SOI. A DICOM RGB JPEG
 * holds RGB components, but without JFIF/Adobe markers libjpeg would assume YCbCr and convert.
 */
export function withAdobeNoTransform(bytes: Uint8Array): Uint8Array {
  const app14 = [
    0xff, 0xee, 0x00, 0x0e, 0x41, 0x64, 0x6f, 0x62, 0x65, 0x00, 0x64, 0x00, 0x00, 0x00, 0x00, 0x00,
  ];
  const out = new Uint8Array(bytes.length + app14.length);
  out.set(bytes.subarray(0, 2));
  out.set(app14, 2);
  out.set(bytes.subarray(2), 2 + app14.length);
  return out;
}
