/** Public surface of export: bundle planning and writing, formats, archives, verify and handlers. */
export { exportHandlers, exportOptions } from './handlers.ts';
export { writeBundle, exportPlan, LeakError, type Manifest } from './write.ts';
export { listFiles, openBundle, type BundleSource } from './bundle-source.ts';
export { verifyBundle } from './verify.ts';
export { planBundle, secretFingerprint, type BundlePlan } from './bundle.ts';
export { llavaRow, sharegptRow, messagesRow, userText, dataFile, type BundleSample } from './formats.ts';
