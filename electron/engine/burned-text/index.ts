// Burned-in text read by an OCR model: the views of an image that are read, what each line is, and the
// decisions (masked, kept, quarantined) that de-identification stores and export applies.
export { type TextCategory, type TextDecision, decideLine, fold, knownNeedles } from './decide.ts';
export {
  type PixelCheck,
  type PixelCheckItem,
  type PixelHit,
  checkImageFiles,
  imageFileViews,
} from './check.ts';
export { type PixelTextDecision, type PixelTextResult, padBox, readPixelText } from './read.ts';
export { type PixelView, type ViewKind, chroma, dicomViews, rasterViews } from './views.ts';
