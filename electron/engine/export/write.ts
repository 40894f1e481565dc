/**
 * Writing a bundle: everything goes to a temporary folder beside OUT; the leak gate scans every text the
 * bundle carries (data files, metadata, card, manifest, texts inside Parquet and tar members, DICOM text
 * attributes) and reads again by OCR every image whose source had burned-in text (pixel-gate.ts); only when it passes is the folder (or its archive) moved to OUT. A hit fails the export with
 * file, record and category (never the value) and leaves nothing at OUT.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { ExportOptions, ExportPlan, ExportResult, LeakSummary } from '../../api/export.ts';
import { flatHeader, parseDicom } from '../dicom/index.ts';
import { ApiError } from '../errors.ts';
import { buildMatcher, scanTexts, type ScanItem } from '../leak-gate/index.ts';
import type { Project } from '../project/project.ts';
import { tarBuffer, writeZip, type Entry } from './archive.ts';
import { planBundle, scanItemsOf, scopedToPlan, type BundlePlan } from './bundle.ts';
import { datasetCard } from './card.ts';
import { formatFiles, type BundleSample, type BundleSplit } from './formats.ts';
import { imageBytes } from './images.ts';
import { pixelGate, withPixels } from './pixel-gate.ts';

export class LeakError extends Error {
  readonly leak: LeakSummary;
  constructor(leak: LeakSummary) {
    const first = leak.hits[0];
    super(
      `leak gate: ${leak.hits.length} hit${leak.hits.length === 1 ? '' : 's'}` +
        (first ? ` (first: ${first.file}, record ${first.record}, ${first.category})` : '') +
        '; nothing was written',
    );
    this.leak = leak;
  }
}

export interface ManifestFile {
  path: string;
  sha256: string;
  size: number;
}

export interface Manifest {
  medprep: { version: string; bundle: 1 };
  format: string;
  options: { images: string; maxSide: number };
  splits: Partial<Record<BundleSplit, number>>;
  recipe: unknown;
  counts: unknown;
  files: ManifestFile[];
  /** SHA-256 of the canonical JSON of format, options, recipe and files. */
  digest: string;
}

export function manifestDigest(m: Omit<Manifest, 'digest'>): string {
  return createHash('sha256')
    .update(JSON.stringify([m.format, m.options, m.recipe, m.files]))
    .digest('hex');
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function bySplit(samples: BundleSample[]): Map<BundleSplit, BundleSample[]> {
  const m = new Map<BundleSplit, BundleSample[]>();
  for (const split of ['train', 'validation', 'test'] as const) {
    const list = samples.filter((s) => s.split === split);
    if (list.length > 0) m.set(split, list);
  }
  return m;
}

async function textsOf(plan: BundlePlan, appVersion: string, imageData: (p: string) => Buffer) {
  const files = new Map<string, Buffer>();
  files.set('README.md', Buffer.from(datasetCard(plan, appVersion)));
  files.set('metadata.jsonl', Buffer.from(plan.metadata.map((r) => JSON.stringify(r) + '\n').join('')));
  const formatted = await formatFiles(plan.options.format, bySplit(plan.samples), imageData);
  const scan: ScanItem[] = [...formatted.scan];
  for (const [p, data] of [...files, ...formatted.files]) {
    if (/\.(?:json|jsonl|md|csv|txt)$/u.test(p)) scan.push(...scanItemsOf(p, data));
  }
  return { files: new Map([...files, ...formatted.files]), scan };
}

/** The card and the leak gate over every text, without rendering images or writing anything. */
export async function exportPlan(
  project: Project,
  options: ExportOptions,
  appVersion: string,
): Promise<ExportPlan> {
  const plan = planBundle(project, options);
  const { files, scan } = await textsOf(plan, appVersion, () => Buffer.alloc(0));
  const leak = await scanTexts(scopedToPlan(plan, scan), buildMatcher(plan.identifiers));
  return {
    card: files.get('README.md')!.toString('utf8'),
    leak,
    samples: plan.samples.length,
    images: plan.images.size,
    splits: plan.counts.export.bySplit,
  };
}

export interface WriteProgress {
  (update: { done?: number; total?: number; message?: string }): void;
}

export async function writeBundle(
  project: Project,
  options: ExportOptions,
  out: string,
  appVersion: string,
  progress: WriteProgress = () => undefined,
  signal?: AbortSignal,
  /** This export ran before (killed or not): its temporary files go, and a bundle it finished may stand. */
  resumeInterrupted = false,
): Promise<ExportResult> {
  const plan = planBundle(project, options);
  const outAbs = path.resolve(out);
  if (fs.existsSync(outAbs) && !resumeInterrupted)
    throw new ApiError('conflict', `${outAbs} already exists; choose a new path.`);
  const parent = path.dirname(outAbs);
  fs.mkdirSync(parent, { recursive: true });
  const tmpPrefix = `.${path.basename(outAbs)}.medprep-`;
  if (resumeInterrupted) removeTemporaries(parent, tmpPrefix);
  const tmp = fs.mkdtempSync(path.join(parent, tmpPrefix));
  let archiveTmp: string | null = null;
  try {
    const total = plan.images.size + 2;
    progress({ total, done: 0, message: 'Rendering images' });
    const scan: ScanItem[] = [];
    let done = 0;
    for (const [name, im] of plan.images) {
      if (signal?.aborted) throw new Error('cancelled');
      const bytes = await imageBytes(project, im, plan.options.images, plan.options.maxSide);
      const dest = path.join(tmp, name);
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      fs.writeFileSync(dest, bytes);
      if (name.endsWith('.dcm')) {
        for (const [keyword, value] of Object.entries(flatHeader(parseDicom(bytes)))) {
          scan.push({ file: name, record: keyword, text: value });
        }
      }
      progress({ done: ++done });
    }
    progress({ message: 'Writing data files' });
    const texts = await textsOf(plan, appVersion, (p) => fs.readFileSync(path.join(tmp, p)));
    scan.push(...texts.scan);
    for (const [p, data] of texts.files) {
      fs.mkdirSync(path.dirname(path.join(tmp, p)), { recursive: true });
      fs.writeFileSync(path.join(tmp, p), data);
    }
    const files: ManifestFile[] = listFiles(tmp).map((p) => {
      const data = fs.readFileSync(path.join(tmp, p));
      return { path: p, sha256: sha256(data), size: data.length };
    });
    const body: Omit<Manifest, 'digest'> = {
      medprep: { version: appVersion, bundle: 1 },
      format: plan.options.format,
      options: { images: plan.options.images, maxSide: plan.options.maxSide },
      splits: plan.counts.export.bySplit,
      recipe: plan.recipe,
      counts: plan.counts,
      files,
    };
    const manifest: Manifest = { ...body, digest: manifestDigest(body) };
    const manifestText = JSON.stringify(manifest, null, 2) + '\n';
    scan.push({ file: 'manifest.json', record: 'manifest', text: manifestText });
    progress({ done: ++done, message: 'Leak gate' });
    const pixels = await pixelGate(project, plan.pixelChecks, plan.images, tmp, signal);
    const leak = withPixels(
      await scanTexts(scopedToPlan(plan, scan), buildMatcher(plan.identifiers)),
      pixels,
    );
    if (!leak.ok) throw new LeakError(leak);
    fs.writeFileSync(path.join(tmp, 'manifest.json'), manifestText);

    let bytes = 0;
    for (const f of files) bytes += f.size;
    bytes += Buffer.byteLength(manifestText);
    if (plan.options.archive) {
      const entries: Entry[] = listFiles(tmp).map((p) => ({
        name: p,
        data: fs.readFileSync(path.join(tmp, p)),
      }));
      archiveTmp = `${tmp}.${plan.options.archive}`;
      if (plan.options.archive === 'tar') fs.writeFileSync(archiveTmp, await tarBuffer(entries));
      else await writeZip(archiveTmp, entries);
      placeBundle(archiveTmp, outAbs);
      archiveTmp = null;
      fs.rmSync(tmp, { recursive: true, force: true });
    } else {
      placeBundle(tmp, outAbs);
    }
    progress({ done: ++done, message: 'Done' });
    return {
      ok: true,
      out: outAbs,
      format: plan.options.format,
      digest: manifest.digest,
      files: files.length + 1,
      bytes,
      samples: plan.samples.length,
      images: plan.images.size,
      leak,
      error: null,
    };
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    if (archiveTmp) fs.rmSync(archiveTmp, { force: true });
    throw err;
  }
}

/**
 * Moves the finished bundle to `out` in one rename, so `out` is absent or complete. When `out` is already
 * there (only when this export ran before: a kill after its rename, or a plain re-run), it must be the same bundle:
 * bundles are deterministic, so the same project gives the same manifest (or archive bytes); else conflict.
 */
function placeBundle(built: string, outAbs: string): void {
  if (!fs.existsSync(outAbs)) {
    fs.renameSync(built, outAbs);
    return;
  }
  const same = fs.statSync(built).isDirectory()
    ? fs.statSync(outAbs).isDirectory() &&
      fs.existsSync(path.join(outAbs, 'manifest.json')) &&
      fs
        .readFileSync(path.join(built, 'manifest.json'))
        .equals(fs.readFileSync(path.join(outAbs, 'manifest.json')))
    : fs.statSync(outAbs).isFile() && fs.readFileSync(built).equals(fs.readFileSync(outAbs));
  if (!same) throw new ApiError('conflict', `${outAbs} already exists; choose a new path.`);
  fs.rmSync(built, { recursive: true, force: true });
}

/** The temporary folders and archives a killed export to the same path left beside it. */
function removeTemporaries(parent: string, prefix: string): void {
  for (const name of fs.readdirSync(parent))
    if (name.startsWith(prefix)) fs.rmSync(path.join(parent, name), { recursive: true, force: true });
}

/** Every file under a folder, as sorted forward-slash relative paths. */
export function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const d of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const p = rel ? `${rel}/${d.name}` : d.name;
      if (d.isDirectory()) walk(p);
      else if (d.isFile()) out.push(p);
    }
  };
  walk('');
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
