import fs from 'node:fs';
import path from 'node:path';
import type { DetectResult } from '../../api/contract.ts';
import { findManifest, isManifest } from './layouts/manifest-layout.ts';
import { PADCHEST_CSV } from './layouts/padchest-layout.ts';

/**
 * Guesses a source's layout from a few cheap looks (never a full walk), and says why.
 */
export function detectFormat(source: string): DetectResult {
  const st = fs.statSync(source);
  if (st.isFile()) {
    if (isManifest(source)) {
      return {
        format: 'manifest',
        evidence: `a ${manifestKind(source)} file: read as a manifest of image paths`,
      };
    }
    return { format: 'dicom', evidence: 'a single file: read as DICOM' };
  }
  const names = safeList(source);
  const padchest = names.find((n) => PADCHEST_CSV.test(n));
  if (padchest) {
    return { format: 'padchest', evidence: `a PADCHEST labels CSV at the top level (${padchest})` };
  }
  const filesDir = path.join(source, 'files');
  const pGroup = safeList(filesDir).find((n) => /^p1\d$/.test(n));
  if (pGroup) {
    const ext = firstImageExtension(path.join(filesDir, pGroup));
    if (ext === '.jpg')
      return { format: 'mimic-cxr-jpg', evidence: `files/${pGroup}/… with .jpg images (MIMIC-CXR-JPG tree)` };
    return { format: 'mimic-cxr', evidence: `files/${pGroup}/… with .dcm images (MIMIC-CXR tree)` };
  }
  const manifest = findManifest(source);
  if (manifest) {
    return { format: 'manifest', evidence: `${manifest} at the top level lists image paths (a manifest)` };
  }
  if (names.some((n) => n.toUpperCase() === 'DICOMDIR')) {
    return { format: 'dicom', evidence: 'a DICOMDIR at the top level: a DICOM folder' };
  }
  return { format: 'dicom', evidence: 'a folder: every file in it is read as DICOM when it is one' };
}

function manifestKind(file: string): string {
  return /\.jsonl(\.gz)?$/i.test(file) ? 'JSONL' : 'CSV';
}

function safeList(dir: string): string[] {
  try {
    return fs.readdirSync(dir).sort();
  } catch {
    return [];
  }
}

/** Looks three levels down (pXX/pSUBJECT/sSTUDY/*) for the first image's extension. */
function firstImageExtension(groupDir: string): string | null {
  for (const subject of safeList(groupDir).slice(0, 3)) {
    for (const study of safeList(path.join(groupDir, subject))) {
      const studyDir = path.join(groupDir, subject, study);
      for (const f of safeList(studyDir)) {
        const ext = path.extname(f).toLowerCase();
        if (ext === '.dcm') return ext;
        if (ext === '.jpg' || ext === '.jpeg') return '.jpg';
      }
    }
  }
  return null;
}
