/**
 * Everything processDicomFile stores for each file, as one JSON line per file: pixel hashes, pHashes,
 * windows and a SHA-256 of every PNG written. Used to prove an optimisation changes no stored result:
 * run it from two checkouts over the same files and compare the output.
 *
 *   node bench/lib/outputs.ts FILE... > before.jsonl
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
  for (const path of process.argv.slice(2)) {
    const r = await processDicomFile(path, { cacheDir, thumbSize: 256, trainingSize: 512 });
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
