/** Public surface of export: bundle planning and writing, formats, archives, verify and handlers. */
export { exportHandlers, exportOptions } from './handlers.ts';
export { writeBundle, exportPlan, LeakError, listFiles, type Manifest } from './write.ts';
export { verifyBundle } from './verify.ts';
export { planBundle, secretFingerprint, type BundlePlan } from './bundle.ts';
export { readTar, readZip } from './archive.ts';
export { llavaRow, sharegptRow, messagesRow, userText, dataFile, type BundleSample } from './formats.ts';
