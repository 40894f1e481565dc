// The CI-sized source data the kill harness and the disk tests run every stage on: the bundled MIMIC-CXR and
// PADCHEST samples (reports, labels, several patients, a missing and an undecodable PNG) plus a plain DICOM
// folder with a truncated file, a non-DICOM file and an empty one. Everything is copied, never generated from
// randomness, so every run sees the same bytes.
import fs from 'node:fs';
import path from 'node:path';
import { makeDicomTree, repoRoot } from '../../support/dicom-tree.ts';

export const cliBin = path.join(repoRoot, 'electron', 'cli', 'bin.js');
const sampleData = path.join(repoRoot, 'resources', 'sample-data');

export interface Sources {
  mimic: string;
  padchest: string;
  dicom: string;
}

export function buildSources(root: string, dicomImages = 12): Sources {
  const mimic = path.join(root, 'mimic-cxr');
  const padchest = path.join(root, 'padchest');
  fs.cpSync(path.join(sampleData, 'mimic-cxr'), mimic, { recursive: true });
  fs.cpSync(path.join(sampleData, 'padchest'), padchest, { recursive: true });
  // A truncated image inside a MIMIC study folder: recorded as an error, the rest of the study imports.
  const study = path.join(mimic, 'files', 'p12', 'p12286358', 's50248196');
  const first = fs.readdirSync(study).sort()[0]!;
  const bytes = fs.readFileSync(path.join(study, first));
  fs.writeFileSync(path.join(study, 'truncated.dcm'), bytes.subarray(0, Math.floor(bytes.length / 3)));
  // Copies of the MIMIC radiographs with changed pixels: the same SOP Instance UIDs as the MIMIC import,
  // under other patients, so near-duplicates across patients reach curation and export.
  const tree = makeDicomTree(path.join(root, 'dicom'), { images: dicomImages, broken: true });
  return { mimic, padchest, dicom: tree.dir };
}

/** One CLI invocation of a stage; `{P}` is the project folder, `{OUT}` the folder bundles go to. */
export type Step = string[];

export interface Stage {
  name: 'import' | 'deid' | 'curate' | 'sft' | 'export';
  steps: Step[];
}

export function stages(src: Sources): Stage[] {
  return [
    {
      name: 'import',
      steps: [
        ['import', '{P}', src.mimic, '--format', 'mimic-cxr'],
        ['import', '{P}', src.padchest, '--format', 'padchest'],
        ['import', '{P}', src.dicom, '--format', 'dicom'],
      ],
    },
    { name: 'deid', steps: [['deid', '{P}']] },
    { name: 'curate', steps: [['curate', '{P}']] },
    { name: 'sft', steps: [['sft', '{P}']] },
    {
      name: 'export',
      steps: [
        ['export', '{P}', '{OUT}/llava'],
        ['export', '{P}', '{OUT}/bundle.zip', '--format', 'parquet', '--archive', 'zip'],
      ],
    },
  ];
}

export function expand(step: Step, project: string, out: string): string[] {
  return step.map((a) => a.replaceAll('{P}', project).replaceAll('{OUT}', out));
}
