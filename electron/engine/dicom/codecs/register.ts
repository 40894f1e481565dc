/** Every compressed transfer syntax we decode, registered with the codec registry. */
import { registerCodec } from '../codecs.ts';
import { decodeJpeg2000 } from './jpeg-2000.ts';
import { decodeJpegLs } from './jpeg-ls.ts';
import { decodeJpeg, prepareJpeg } from './jpeg.ts';
import { decodeRle } from './rle.ts';

// .53 (spectral selection) and .55 (full progression) are retired but still in archives: progressive JPEG,
// which the same decoders read.
const JPEG = [
  '1.2.840.10008.1.2.4.50',
  '1.2.840.10008.1.2.4.51',
  '1.2.840.10008.1.2.4.53',
  '1.2.840.10008.1.2.4.55',
  '1.2.840.10008.1.2.4.57',
  '1.2.840.10008.1.2.4.70',
];
const JPEG_LS = ['1.2.840.10008.1.2.4.80', '1.2.840.10008.1.2.4.81'];
const JPEG_2000 = ['1.2.840.10008.1.2.4.90', '1.2.840.10008.1.2.4.91'];
const HTJ2K = ['1.2.840.10008.1.2.4.201', '1.2.840.10008.1.2.4.202', '1.2.840.10008.1.2.4.203'];
export const RLE_LOSSLESS = '1.2.840.10008.1.2.5';

// Errors name the codec family ("JPEG 2000 stream could not be decoded: ...").
for (const uid of JPEG) registerCodec(uid, (input) => decodeJpeg(input, 'JPEG'), prepareJpeg);
for (const uid of JPEG_LS) registerCodec(uid, (input) => decodeJpegLs(input, 'JPEG-LS'));
for (const uid of JPEG_2000) registerCodec(uid, (input) => decodeJpeg2000(input, 'JPEG 2000'));
for (const uid of HTJ2K) registerCodec(uid, (input) => decodeJpeg2000(input, 'HTJ2K'));
registerCodec(RLE_LOSSLESS, decodeRle);
