/** Public surface of the de-identification stage (wiring of the deid-dicom and deid-text engines). */
export { deidHandlers } from './handlers.ts';
export { deidentifiedDicomBytes, headerDiff, sourceFile } from './images.ts';
export { exportLinkage } from './linkage.ts';
export { DEFAULT_DEID_SETTINGS, readSettings, writeSettings, dicomOptions } from './settings.ts';
export { knownForPatient } from './known.ts';
export { masksForImage, scaleMasks, type ImageMasks } from './masks.ts';
