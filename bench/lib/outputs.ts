/**
 * Everything processDicomFile stores for each file, as one JSON line per file: pixel hashes, pHashes,
 * windows and a SHA-256 of every PNG written. Used to prove an optimisation changes no stored result:
 * run it from two checkouts over the same files and compare the output.
 *
 *   node bench/lib/outputs.ts [--thumbnails-only] FILE... > before.jsonl
 *
 * --thumbnails-only: no training rendering, as `medprep import` runs it (the thumbnail then comes from the
 * full image).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processDicomFile } from '../../electron/engine/import/process-dicom-file.ts';

const cacheDir = mkdtempSync(join(tmpdir(), 'medprep-outputs-'));
const sha = (rel: string) =>
  createHash('sha256')
    .update(readFileSync(join(cacheDir, rel)))
    .digest('hex');
try {
  const args = process.argv.slice(2);
  const thumbnailsOnly = args[0] === '--thumbnails-only';
  for (const path of thumbnailsOnly ? args.slice(1) : args) {
    const r = await processDicomFile(path, {
      cacheDir,
      thumbSize: 256,
      ...(thumbnailsOnly ? {} : { trainingSize: 512 }),
    });
    const frames =
      r.kind === 'image'
        ? r.frames.map((f) => ({
            ...f,
            thumbnailSha: sha(f.thumbnail),
            trainingSha: f.training === undefined ? null : sha(f.training),
          }))
        : r.reason;
    process.stdout.write(`${JSON.stringify({ path, kind: r.kind, frames })}\n`);
  }
} finally {
  rmSync(cacheDir, { recursive: true, force: true });
}
