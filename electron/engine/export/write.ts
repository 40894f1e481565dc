/**
 * Writing a bundle: everything goes to a temporary folder beside OUT, one file at a time. Each image, each
 * record of a data file and each shard is scanned by the leak gate as it is written, and each file hashed for
 * the manifest as its bytes go to disk, so memory holds the plan and one row group or shard entry, never a
 * split or the bundle. Only when the gate passes is the folder (or its archive, packed by streaming the
 * files) moved to OUT. A hit fails the export with file, record and category (never the value) and leaves
 * nothing at OUT. Every image whose source had burned-in text is read again by OCR
 * before that (pixel-gate.ts).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { ExportOptions, ExportPlan, ExportResult, LeakSummary } from '../../api/export.ts';
import { ApiError } from '../errors.ts';
import { buildMatcher, dicomScanItems, type ScanItem } from '../leak-gate/index.ts';
import { reviewRun } from '../leak-gate/review.ts';
import type { Db } from '../project/database.ts';
import type { Project } from '../project/project.ts';
import { writeTar, writeZip } from './archive.ts';
import { manifestScanItem, planBundle, scanItemsOf, type BundlePlan, type MetadataRow } from './bundle.ts';
import { BundleFiles, type ManifestFile } from './bundle-files.ts';
import { datasetCard } from './card.ts';
import { formatScanItems, writeFormat, type BundleSample, type BundleSplit } from './formats.ts';
import { itemScoper } from './identifiers.ts';
import { imageBytes } from './images.ts';
import { JobCancelled } from '../jobs/jobs.ts';
import { LeakFeed } from './leak-feed.ts';

export type { ManifestFile } from './bundle-files.ts';
import { pixelGate, withPixels } from './pixel-gate.ts';

export class LeakError extends Error {
  readonly leak: LeakSummary;
  constructor(leak: LeakSummary) {
    const first = leak.hits[0];
    const review = leak.hits.filter((h) => h.kind === 'review').length;
    super(
      `leak gate: ${leak.hits.length} hit${leak.hits.length === 1 ? '' : 's'}` +
        (first ? ` (first: ${first.file}, record ${first.record}, ${first.category})` : '') +
        (review > 0 ? `; ${review} wait for a person's review (medprep leaks)` : '') +
        '; nothing was written',
    );
    this.leak = leak;
  }
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

function bySplit(samples: BundleSample[]): Map<BundleSplit, BundleSample[]> {
  const m = new Map<BundleSplit, BundleSample[]>();
  for (const split of ['train', 'validation', 'test'] as const) {
    const list = samples.filter((s) => s.split === split);
    if (list.length > 0) m.set(split, list);
  }
  return m;
}

/**
 * The plan's leak feed: its matcher, each text scoped to its patient on the way in (texts are pulled one by
 * one, so a generator of every record's text is never held whole), and the review queue (accepted hits pass;
 * `report` records the open ones once every text was fed).
 */
function planFeed(
  plan: BundlePlan,
  db: Db,
): { report: () => Promise<LeakSummary>; scan: (items: Iterable<ScanItem>) => Promise<void> } {
  const review = reviewRun(db);
  const feed = new LeakFeed(buildMatcher(plan.identifiers), review.options);
  const scope = itemScoper(
    new Map(plan.metadata.map((m) => [m.image, m.patient])),
    new Map(plan.samples.map((s) => [s.id, s.images])),
  );
  function* scoped(items: Iterable<ScanItem>) {
    for (const item of items) yield scope(item);
  }
  return {
    scan: (items) => feed.scan(scoped(items)),
    report: async () => {
      const leak = await feed.report();
      review.record();
      return leak;
    },
  };
}

const cardText = (plan: BundlePlan, appVersion: string) => datasetCard(plan, appVersion);
/** A metadata.jsonl row as the leak gate scans it (the line, named by its image). */
const metadataScan = (row: MetadataRow): ScanItem => ({
  file: 'metadata.jsonl',
  record: row.image,
  text: JSON.stringify(row),
});

/** The card and the leak gate over every text, without rendering images or writing anything. */
export async function exportPlan(
  project: Project,
  options: ExportOptions,
  appVersion: string,
): Promise<ExportPlan> {
  const plan = planBundle(project, options);
  const card = cardText(plan, appVersion);
  const { report, scan } = planFeed(plan, project.db);
  await scan(scanItemsOf('README.md', card));
  await scan(plan.metadata.map(metadataScan));
  await scan(formatScanItems(plan.options.format, bySplit(plan.samples)));
  return {
    card,
    leak: await report(),
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
    const files = new BundleFiles(tmp);
    const { report, scan } = planFeed(plan, project.db);
    let done = 0;
    for (const [name, im] of plan.images) {
      if (signal?.aborted) throw new JobCancelled();
      const bytes = await imageBytes(project, im, plan.options.images, plan.options.maxSide);
      files.write(name, bytes);
      // Every depth and every binary value of the exported DICOM that can hold text.
      if (name.endsWith('.dcm')) await scan(dicomScanItems(name, bytes));
      progress({ done: ++done });
    }
    progress({ message: 'Writing data files' });
    const metadata = files.open('metadata.jsonl');
    for (const row of plan.metadata) {
      const item = metadataScan(row);
      metadata.write(item.text + '\n');
      await scan([item]);
    }
    metadata.close();
    await writeFormat(plan.options.format, bySplit(plan.samples), {
      files,
      imageData: (p) => fs.readFileSync(path.join(tmp, p)),
      scan,
      shardBytes: plan.options.shardBytes,
    });
    const card = cardText(plan, appVersion);
    files.write('README.md', card);
    await scan(scanItemsOf('README.md', card));
    const listed: ManifestFile[] = files.list();
    const body: Omit<Manifest, 'digest'> = {
      medprep: { version: appVersion, bundle: 1 },
      format: plan.options.format,
      options: { images: plan.options.images, maxSide: plan.options.maxSide },
      splits: plan.counts.export.bySplit,
      recipe: plan.recipe,
      counts: plan.counts,
      files: listed,
    };
    const manifest: Manifest = { ...body, digest: manifestDigest(body) };
    const manifestText = JSON.stringify(manifest, null, 2) + '\n';
    await scan([manifestScanItem(manifest)]);
    progress({ done: ++done, message: 'Leak gate' });
    const pixels = await pixelGate(project, plan.pixelChecks, plan.images, tmp, signal);
    const leak = withPixels(await report(), pixels);
    if (!leak.ok) throw new LeakError(leak);
    fs.writeFileSync(path.join(tmp, 'manifest.json'), manifestText);

    let bytes = Buffer.byteLength(manifestText);
    for (const f of listed) bytes += f.size;
    if (plan.options.archive) {
      const names = [...listed.map((f) => f.path), 'manifest.json'].sort((a, b) =>
        a < b ? -1 : a > b ? 1 : 0,
      );
      archiveTmp = `${tmp}.${plan.options.archive}`;
      if (plan.options.archive === 'tar') writeTar(archiveTmp, tmp, names);
      else
        await writeZip(
          archiveTmp,
          names.map((name) => ({ name, path: path.join(tmp, name) })),
        );
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
      files: listed.length + 1,
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
    : fs.statSync(outAbs).isFile() && fileDigest(built) === fileDigest(outAbs);
  if (!same) throw new ApiError('conflict', `${outAbs} already exists; choose a new path.`);
  fs.rmSync(built, { recursive: true, force: true });
}

/** SHA-256 of a file, read in chunks (archives can be larger than memory). */
export function fileDigest(file: string): string {
  const hash = createHash('sha256');
  const fd = fs.openSync(file, 'r');
  try {
    const chunk = Buffer.allocUnsafe(1 << 20);
    for (let n; (n = fs.readSync(fd, chunk, 0, chunk.length, null)) > 0;) hash.update(chunk.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}

/** The temporary folders and archives a killed export to the same path left beside it. */
function removeTemporaries(parent: string, prefix: string): void {
  for (const name of fs.readdirSync(parent))
    if (name.startsWith(prefix)) fs.rmSync(path.join(parent, name), { recursive: true, force: true });
}
