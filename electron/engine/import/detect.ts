import fs from 'node:fs';
import path from 'node:path';
import type { DetectResult } from '../../api/contract.ts';

/**
 * Guesses a source's layout from a few cheap looks (never a full walk), and says why.
 */
export function detectFormat(source: string): DetectResult {
  const st = fs.statSync(source);
  if (st.isFile()) {
    const ext = path.extname(source).toLowerCase();
    if (ext === '.csv' || ext === '.jsonl' || ext === '.gz') {
      return { format: 'manifest', evidence: `a ${ext} file: read as a manifest of image paths` };
    }
    return { format: 'dicom', evidence: 'a single file: read as DICOM' };
  }
  const names = safeList(source);
  if (names.some((n) => /^PADCHEST.*\.csv(\.gz)?$/i.test(n))) {
    return { format: 'padchest', evidence: 'a PADCHEST labels CSV at the top level' };
  }
  const filesDir = path.join(source, 'files');
  const pGroup = safeList(filesDir).find((n) => /^p1\d$/.test(n));
  if (pGroup) {
    const ext = firstImageExtension(path.join(filesDir, pGroup));
    if (ext === '.jpg')
      return { format: 'mimic-cxr-jpg', evidence: `files/${pGroup}/… with .jpg images (MIMIC-CXR-JPG tree)` };
    return { format: 'mimic-cxr', evidence: `files/${pGroup}/… with .dcm images (MIMIC-CXR tree)` };
  }
  return { format: 'dicom', evidence: 'a folder: every file in it is read as DICOM when it is one' };
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
        if (ext === '.dcm' || ext === '.jpg') return ext;
      }
    }
  }
  return null;
}
