/** Public surface of report handling: sectioning MIMIC-style radiology reports. */
export { headerSection, normalise, sectionReport, type ReportSections } from './sections.ts';
