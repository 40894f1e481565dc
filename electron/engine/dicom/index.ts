/** Public surface of the DICOM reader: parse, read values, decode and render pixels, hash. */
export { DicomError, type DicomErrorCode, formatTag } from './errors.ts';
export {
  parseDicom,
  type DicomFile,
  type DicomDataset,
  type DicomElement,
  type DicomLayout,
  type EncapsulatedPixelData,
  type Fragment,
  type ParseOptions,
  UNDEFINED_LENGTH,
  MAX_DEPTH,
} from './parser.ts';
export {
  getElement,
  getString,
  getStrings,
  getNumber,
  getNumbers,
  getItems,
  elementStrings,
  elementNumbers,
  keywordOf,
  flatHeader,
  TEXT_VRS,
  type TagRef,
} from './values.ts';
export { lookupTag, tagOf, type DictEntry } from './dictionary.ts';
export { type CharacterSet, parseCharacterSet, decodeText } from './charset.ts';
export {
  transferSyntaxName,
  describeTransferSyntax,
  IMPLICIT_VR_LE,
  EXPLICIT_VR_LE,
  EXPLICIT_VR_BE,
  DEFLATED_EXPLICIT_VR_LE,
} from './transfer-syntax.ts';
export {
  MAX_SAMPLES_PER_FRAME,
  readPixelInfo,
  type PixelInfo,
  TAG_FLOAT_PIXEL_DATA,
  TAG_DOUBLE_FLOAT_PIXEL_DATA,
} from './pixel-info.ts';
export {
  registerCodec,
  codecFor,
  isSupportedTransferSyntax,
  frameFragments,
  type FrameDecoder,
  type CodecInput,
  type CodecOutput,
} from './codecs.ts';
export {
  decodeFrame,
  prepareDecoding,
  type DecodeOptions,
  hasPixelData,
  pixelDataElement,
  type DecodedFrame,
  type PixelArray,
} from './pixels.ts';
export {
  renderFrame,
  modalityValues,
  type RenderedFrame,
  type WindowUsed,
  type WindowSource,
} from './render.ts';
export { pixelHash } from './hash.ts';
export { paletteToRgb, PALETTE_COLOR } from './palette.ts';
export { sopClassName } from './sop-classes.ts';
