// Per-stage CPU time of the per-file work, main thread, after warm-up.
import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
const root = process.argv[2] ?? '../..';
const { parseDicom, decodeFrame, readPixelInfo, pixelHash, renderFrame } = await import(
  root + '/electron/engine/dicom/index.ts'
);
const { phash } = await import(root + '/electron/engine/image/phash.ts');
const { writeRenderings } = await import(root + '/electron/engine/import/thumbnail.ts');
sharp.concurrency(1);
const files = Array.from({ length: 8 }, (_, i) => `/tmp/medprep-bench/mimic-3056x2544/cxr000${i}.dcm`);
const cache = mkdtempSync(join(tmpdir(), 'st-'));
const t: Record<string, number> = {};
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
async function stage<T>(name: string, f: () => T | Promise<T>): Promise<T> {
  const a = cpu();
  const r = await f();
  t[name] = (t[name] ?? 0) + cpu() - a;
  return r;
}
for (let round = 0; round < 2; round++) {
  for (const k of Object.keys(t)) delete t[k];
  for (const f of files) {
    const bytes = await stage('read', () => readFileSync(f));
    const file = await stage('parse', () => parseDicom(bytes));
    const info = readPixelInfo(file.dataset);
    const d = await stage('decode', () => decodeFrame(file, 0, info, { overwriteSource: true }));
    const h = await stage('hash', () => pixelHash(d));
    const r = await stage('render', () => renderFrame(file.dataset, d));
    await stage('phash', () => phash(r));
    await stage('png', () => writeRenderings(cache, h + round, r, { thumbSize: 256, trainingSize: 512 }));
  }
}
const total = Object.values(t).reduce((a, b) => a + b, 0);
console.log(
  Object.entries(t)
    .map(([k, v]) => `${k} ${(v / files.length).toFixed(1)}`)
    .join('  '),
  ` total ${(total / files.length).toFixed(1)} ms/file`,
);
