/**
 * CPU time per stage of the per-file import work on the benchmark's radiographs, in this one thread, warm
 * (the first round only warms up the JIT): read, parse, decode, pixel hash, render, pHash and the PNGs.
 * The steps are processDicomFile's, with the same buffers reused. A profiling aid for bench/import.ts.
 *
 *   node bench/lib/stages.ts [FILES=8]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import {
  decodeFrame,
  parseDicom,
  pixelHash,
  readPixelInfo,
  renderFrame,
} from '../../electron/engine/dicom/index.ts';
import { phash } from '../../electron/engine/image/phash.ts';
import { writeRenderings } from '../../electron/engine/import/thumbnail.ts';
import { inputFiles } from '../import.ts';

sharp.concurrency(1);
const files = inputFiles(Number(process.argv[2] ?? 8));
const cache = mkdtempSync(join(tmpdir(), 'medprep-stages-'));
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const totals: Record<string, number> = {};
async function stage<T>(name: string, work: () => T | Promise<T>): Promise<T> {
  const start = cpu();
  const result = await work();
  totals[name] = (totals[name] ?? 0) + cpu() - start;
  return result;
}
let into = new Uint8Array(0);
try {
  for (let round = 0; round < 2; round++) {
    for (const k of Object.keys(totals)) delete totals[k];
    for (const f of files) {
      const bytes = await stage('read', () => readFileSync(f));
      const file = await stage('parse', () => parseDicom(bytes));
      const info = readPixelInfo(file.dataset);
      const decoded = await stage('decode', () => decodeFrame(file, 0, info, { overwriteSource: true }));
      const hash = await stage('hash', () => pixelHash(decoded));
      if (into.length < decoded.data.length) into = new Uint8Array(decoded.data.length);
      const rendered = await stage('render', () => renderFrame(file.dataset, decoded, into));
      await stage('phash', () => phash(rendered));
      await stage('png', () =>
        writeRenderings(cache, `${hash}${round}`, rendered, { thumbSize: 256, trainingSize: 512 }),
      );
    }
  }
} finally {
  rmSync(cache, { recursive: true, force: true });
}
const total = Object.values(totals).reduce((a, b) => a + b, 0);
const perFile = (ms: number) => (ms / files.length).toFixed(1);
process.stdout.write(
  `${Object.entries(totals)
    .map(([k, v]) => `${k} ${perFile(v)}`)
    .join('  ')}  total ${perFile(total)} ms/file\n`,
);
