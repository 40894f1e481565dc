/**
 * `medprep verify`: a bundle checked the way its readers would read it. Checksums and the manifest digest;
 * each format's structure as its trainer's loader parses it (see the format checks below); every referenced
 * image present; no patient in two splits; and a leak scan (against the project's original identifiers when
 * one is given, identifier-shaped patterns always); with `ocr`, every image read by OCR for identifier text
 * (pixel-gate.ts). Details name files and records, never values.
 */
import { createHash } from 'node:crypto';
import readline from 'node:readline';
import { parquetMetadataAsync, parquetReadObjects, parquetSchema } from 'hyparquet';
import { EXPORT_FORMATS, type ExportFormat, type VerifyCheck, type VerifyReport } from '../../api/export.ts';
import { keptOnPurpose } from './kept-on-purpose.ts';
import { buildMatcher, dicomScanItems, type ScanItem } from '../leak-gate/index.ts';
import { acceptedFingerprints } from '../leak-gate/review.ts';
import type { Project } from '../project/project.ts';
import { manifestScanItem, scanItemsOf } from './bundle.ts';
import { openBundle, type BundleSource } from './bundle-source.ts';
import tar from 'tar-stream';
import { projectIdentifiers } from './identifiers.ts';
import { pseudonym } from '../deid-dicom/pseudonyms.ts';
import { LeakFeed } from './leak-feed.ts';
import { verifyPixels } from './pixel-gate.ts';
import { manifestDigest, type Manifest } from './write.ts';

interface Row {
  file: string;
  id: string;
  split: string | null;
  images: string[];
  /** `<image>` tokens or image parts. */
  slots: number;
  text: string;
}

const IMAGE_TOKEN = /<image>/gu;
const tokens = (s: string) => (s.match(IMAGE_TOKEN) ?? []).length;
const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Absolute, drive-lettered, or with a `..` segment (either slash): extracting it would write elsewhere. */
export function escapesRoot(name: string): boolean {
  if (name.startsWith('/') || name.startsWith('\\') || /^[A-Za-z]:/u.test(name) || name.includes('\0'))
    return true;
  return name.split(/[/\\]/u).includes('..');
}

/** The split a data file holds, from its name (`data/train.json`, `shards/test-000000.tar`). */
function splitOfFile(file: string): string | null {
  return /(?:^|\/)(train|validation|test)(?:[-.]|$)/u.exec(file)?.[1] ?? null;
}

/** The records of the data files under `prefix` ending in `ext`: JSON arrays read whole, JSONL line by line. */
async function* jsonRows(
  src: BundleSource,
  prefix: string,
  ext: '.json' | '.jsonl',
  problems: string[],
): AsyncGenerator<{ file: string; value: unknown }> {
  for (const file of src.names) {
    if (!file.startsWith(prefix) || !file.endsWith(ext)) continue;
    if (ext === '.json') {
      let doc: unknown;
      try {
        doc = JSON.parse(src.read(file).toString('utf8')) as unknown;
      } catch {
        problems.push(`${file} is not valid JSON`);
        continue;
      }
      if (!Array.isArray(doc)) problems.push(`${file} is not a JSON array`);
      else for (const value of doc) yield { file, value };
      continue;
    }
    let n = 0;
    for await (const line of readline.createInterface({ input: src.chunks(file), crlfDelay: Infinity })) {
      n++;
      if (line === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(line) as unknown;
      } catch {
        problems.push(`${file} line ${n} is not JSON`);
        continue;
      }
      yield { file, value };
    }
  }
}

/** LLaVA's LazySupervisedDataset: `image` (path or list), `conversations` human/gpt turns, `<image>` tokens. */
async function* llavaRows(src: BundleSource, problems: string[]): AsyncGenerator<Row> {
  for await (const { file, value } of jsonRows(src, 'data/', '.json', problems)) {
    const id = isObj(value) && typeof value.id === 'string' ? value.id : '?';
    if (!isObj(value) || !Array.isArray(value.conversations)) {
      problems.push(`${file} record ${id}: no conversations`);
      continue;
    }
    const turns = value.conversations as unknown[];
    const ok =
      turns.length >= 2 &&
      turns.length % 2 === 0 &&
      turns.every(
        (t, i) => isObj(t) && t.from === (i % 2 === 0 ? 'human' : 'gpt') && typeof t.value === 'string',
      );
    if (!ok) problems.push(`${file} record ${id}: turns must alternate human/gpt with string values`);
    const img = value.image;
    const images =
      img === undefined ? [] : typeof img === 'string' ? [img] : Array.isArray(img) ? img.map(String) : [];
    const human = turns
      .filter((t, i) => i % 2 === 0 && isObj(t))
      .map((t) => String((t as { value?: unknown }).value ?? ''));
    const meta = isObj(value.meta) ? value.meta : {};
    yield {
      file,
      id,
      split: typeof meta.split === 'string' ? meta.split : null,
      images,
      slots: human.map(tokens).reduce((a, b) => a + b, 0),
      text: JSON.stringify(value),
    };
  }
}

/** LLaMA-Factory's sharegpt converter: user/assistant by position via the tags, `<image>` count = images. */
async function* sharegptRows(src: BundleSource, problems: string[]): AsyncGenerator<Row> {
  const infoBuf = src.has('dataset_info.json') ? src.read('dataset_info.json') : undefined;
  let info: Record<string, unknown> = {};
  try {
    info = infoBuf ? (JSON.parse(infoBuf.toString('utf8')) as Record<string, unknown>) : {};
  } catch {
    problems.push('dataset_info.json is not valid JSON');
  }
  if (!infoBuf) problems.push('dataset_info.json is missing');
  const registered = new Set<string>();
  for (const [name, entry] of Object.entries(info)) {
    const e = isObj(entry) ? entry : {};
    const cols = isObj(e.columns) ? e.columns : {};
    const tags = isObj(e.tags) ? e.tags : {};
    if (e.formatting !== 'sharegpt' || cols.messages !== 'messages' || cols.images !== 'images')
      problems.push(
        `dataset_info.json ${name}: formatting sharegpt with columns messages and images expected`,
      );
    if (
      tags.role_tag !== 'role' ||
      tags.content_tag !== 'content' ||
      tags.user_tag !== 'user' ||
      tags.assistant_tag !== 'assistant'
    )
      problems.push(`dataset_info.json ${name}: role/content/user/assistant tags expected`);
    if (typeof e.file_name !== 'string' || !src.has(e.file_name))
      problems.push(`dataset_info.json ${name}: file_name missing`);
    else registered.add(e.file_name);
  }
  const unregistered = new Set<string>();
  for await (const { file, value } of jsonRows(src, 'data/', '.jsonl', problems)) {
    if (!registered.has(file) && !unregistered.has(file)) {
      unregistered.add(file);
      problems.push(`${file} is not registered in dataset_info.json`);
    }
    const id = isObj(value) && typeof value.id === 'string' ? value.id : '?';
    if (!isObj(value) || !Array.isArray(value.messages) || !Array.isArray(value.images)) {
      problems.push(`${file} record ${id}: messages and images lists expected`);
      continue;
    }
    const msgs = value.messages as unknown[];
    const ok =
      msgs.length >= 2 &&
      msgs.length % 2 === 0 &&
      msgs.every(
        (m, i) =>
          isObj(m) && m.role === (i % 2 === 0 ? 'user' : 'assistant') && typeof m.content === 'string',
      );
    if (!ok)
      problems.push(`${file} record ${id}: messages must alternate user/assistant with string content`);
    const slots = msgs
      .map((m) => (isObj(m) && typeof m.content === 'string' ? tokens(m.content) : 0))
      .reduce((a, b) => a + b, 0);
    yield rowOfSplitFile(file, id, value, slots);
  }
}

/** A record of a format that keeps one JSONL file per split, with its `images` list beside the messages. */
function rowOfSplitFile(file: string, id: string, value: Record<string, unknown>, slots: number): Row {
  return {
    file,
    id,
    split: splitOfFile(file),
    images: (value.images as unknown[]).map(String),
    slots,
    text: JSON.stringify(value),
  };
}

/** TRL / axolotl chat templates: typed content parts; one `{"type": "image"}` per entry of `images`. */
async function* messagesRows(src: BundleSource, problems: string[]): AsyncGenerator<Row> {
  for await (const { file, value } of jsonRows(src, 'data/', '.jsonl', problems)) {
    const id = isObj(value) && typeof value.id === 'string' ? value.id : '?';
    if (!isObj(value) || !Array.isArray(value.messages) || !Array.isArray(value.images)) {
      problems.push(`${file} record ${id}: messages and images lists expected`);
      continue;
    }
    let slots = 0;
    (value.messages as unknown[]).forEach((m, i) => {
      const parts = isObj(m) && Array.isArray(m.content) ? (m.content as unknown[]) : null;
      if (!isObj(m) || m.role !== (i % 2 === 0 ? 'user' : 'assistant') || !parts) {
        problems.push(
          `${file} record ${id}: message ${i + 1} needs role ${i % 2 === 0 ? 'user' : 'assistant'} and a content list`,
        );
        return;
      }
      for (const p of parts) {
        if (isObj(p) && p.type === 'image') slots++;
        else if (!(isObj(p) && p.type === 'text' && typeof p.text === 'string'))
          problems.push(`${file} record ${id}: content parts must be {type: image} or {type: text, text}`);
      }
    });
    yield rowOfSplitFile(file, id, value, slots);
  }
}

/**
 * HF datasets' Parquet reading: features from the footer, images as list<struct<bytes, path>>. Read row
 * group by row group through random access, so a shard is never loaded whole.
 */
async function* parquetRows(src: BundleSource, problems: string[]): AsyncGenerator<Row> {
  for (const file of src.names) {
    if (!file.startsWith('data/') || !file.endsWith('.parquet')) continue;
    const buffer = src.randomAccess(file);
    let meta;
    try {
      meta = await parquetMetadataAsync(buffer);
    } catch {
      problems.push(`${file} is not a Parquet file`);
      continue;
    }
    const schema = parquetSchema(meta);
    const col = (name: string) => schema.children.find((c) => c.element.name === name);
    const imagesCol = col('images');
    const element = imagesCol?.children[0]?.children[0];
    const fields = element?.children
      .map((c) => c.element.name)
      .sort()
      .join(',');
    if (!col('id') || !col('messages') || !imagesCol || fields !== 'bytes,path')
      problems.push(`${file}: columns id, messages and images (list of struct {bytes, path}) expected`);
    const hf = meta.key_value_metadata?.find((kv) => kv.key === 'huggingface')?.value;
    try {
      const features = (JSON.parse(hf ?? '{}') as { info?: { features?: Record<string, unknown> } }).info
        ?.features;
      const img = features?.images as { feature?: { _type?: string } } | undefined;
      if (img?.feature?._type !== 'Image')
        problems.push(`${file}: the huggingface features do not declare images as Image`);
    } catch {
      problems.push(`${file}: the huggingface metadata is not JSON`);
    }
    let rowStart = 0;
    for (const group of meta.row_groups) {
      const rowEnd = rowStart + Number(group.num_rows);
      const rows = (await parquetReadObjects({
        file: buffer,
        metadata: meta,
        rowStart,
        rowEnd,
        utf8: false,
      })) as Record<string, unknown>[];
      rowStart = rowEnd;
      for (const r of rows) yield parquetRow(src, file, r, problems);
    }
  }
}

function parquetRow(src: BundleSource, file: string, r: Record<string, unknown>, problems: string[]): Row {
  const text = (v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : String(v ?? ''));
  const id = text(r.id);
  const images = Array.isArray(r.images) ? (r.images as Record<string, unknown>[]) : [];
  const paths = images.map((im) => text(im.path));
  images.forEach((im, i) => {
    const bytes = im.bytes instanceof Uint8Array ? Buffer.from(im.bytes) : null;
    if (!bytes || bytes.length === 0) problems.push(`${file} record ${id}: image ${i + 1} has no bytes`);
    else if (src.has(paths[i]!) && !bytes.equals(src.read(paths[i]!)))
      problems.push(`${file} record ${id}: image ${i + 1} differs from ${paths[i]}`);
  });
  const msgs = Array.isArray(r.messages) ? (r.messages as Record<string, unknown>[]) : [];
  const contents = msgs.map((m) => text(m.content));
  return {
    file,
    id,
    split: text(r.split),
    images: paths,
    slots: contents.map(tokens).reduce((a, b) => a + b, 0),
    text: JSON.stringify({
      id,
      messages: msgs.map((m) => ({ role: text(m.role), content: text(m.content) })),
      images: paths,
    }),
  };
}

/** The members of a tar read in order from a stream, one at a time. */
async function* tarMembers(input: NodeJS.ReadableStream): AsyncGenerator<{ name: string; data: Buffer }> {
  const extract = tar.extract();
  input.pipe(extract);
  for await (const entry of extract) {
    const parts: Buffer[] = [];
    for await (const c of entry) parts.push(c as Buffer);
    if (entry.header.type === 'file') yield { name: entry.header.name, data: Buffer.concat(parts) };
  }
}

/**
 * webdataset's tar grouping: a sample's members share the basename up to the first dot and follow each
 * other in the shard; each shard is streamed, one sample's members in memory at a time.
 */
async function* webdatasetRows(src: BundleSource, problems: string[]): AsyncGenerator<Row> {
  const seen = new Set<string>();
  for (const file of src.names) {
    if (!file.startsWith('shards/') || !file.endsWith('.tar')) continue;
    let key: string | null = null;
    let members = new Map<string, Buffer>();
    const sample = (): Row | null => {
      if (key === null) return null;
      if (seen.has(key)) problems.push(`${file}: sample key ${key} appears in two places`);
      seen.add(key);
      return webdatasetRow(file, key, members, problems);
    };
    for await (const e of tarMembers(src.chunks(file))) {
      const base = e.name.slice(e.name.lastIndexOf('/') + 1);
      const dot = base.indexOf('.');
      const k = e.name.slice(0, e.name.length - base.length) + (dot < 0 ? base : base.slice(0, dot));
      if (k !== key) {
        const row = sample();
        if (row) yield row;
        key = k;
        members = new Map();
      }
      members.set(dot < 0 ? '' : base.slice(dot + 1), e.data);
    }
    const row = sample();
    if (row) yield row;
  }
}

function webdatasetRow(file: string, key: string, members: Map<string, Buffer>, problems: string[]) {
  const json = members.get('json');
  if (!json) {
    problems.push(`${file}: sample ${key} has no .json member (a key with a dot splits a sample)`);
    return null;
  }
  let doc: Record<string, unknown> = {};
  try {
    doc = JSON.parse(json.toString('utf8')) as Record<string, unknown>;
  } catch {
    problems.push(`${file}: ${key}.json is not JSON`);
  }
  const images = Array.isArray(doc.images) ? doc.images.map(String) : [];
  const imageMembers = [...members.keys()].filter((k) => /(?:^|\.)(?:png|jpg|dcm)$/u.test(k));
  if (imageMembers.length !== images.length)
    problems.push(
      `${file}: sample ${key} has ${imageMembers.length} image members for ${images.length} images`,
    );
  const msgs = Array.isArray(doc.messages) ? (doc.messages as Record<string, unknown>[]) : [];
  return {
    file,
    id: key,
    split: splitOfFile(file),
    images,
    slots: msgs.map((m) => tokens(String(m.content ?? ''))).reduce((a, b) => a + b, 0),
    text: json.toString('utf8'),
  };
}

const ROWS: Record<ExportFormat, (src: BundleSource, problems: string[]) => AsyncGenerator<Row>> = {
  llava: llavaRows,
  sharegpt: sharegptRows,
  messages: messagesRows,
  parquet: parquetRows,
  webdataset: webdatasetRows,
};

/** SHA-256 and size of an entry, streamed. */
async function digestOf(src: BundleSource, name: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const c of src.chunks(name)) {
    hash.update(c as Buffer);
    size += (c as Buffer).length;
  }
  return { sha256: hash.digest('hex'), size };
}

/** Scan items of a text entry: a JSONL file line by line, any other text whole (via scanItemsOf). */
async function* textItems(src: BundleSource, file: string): AsyncGenerator<ScanItem> {
  if (file === 'manifest.json') {
    try {
      yield manifestScanItem(JSON.parse(src.read(file).toString('utf8')) as { files?: unknown });
      return;
    } catch {
      // Not JSON: scanned whole below, as any other text.
    }
  }
  if (!file.endsWith('.jsonl')) {
    yield* scanItemsOf(file, src.read(file));
    return;
  }
  let n = 0;
  for await (const line of readline.createInterface({ input: src.chunks(file), crlfDelay: Infinity })) {
    n++;
    if (line !== '') yield { ...scanItemsOf(file, line)[0]!, record: recordOfLine(line, n) };
  }
}

function recordOfLine(line: string, n: number): string {
  try {
    const v = JSON.parse(line) as unknown;
    if (isObj(v) && typeof v.id === 'string') return v.id;
    if (isObj(v) && typeof v.image === 'string') return v.image;
  } catch {
    // An unparsable line is still scanned, under its line number.
  }
  return `line ${n}`;
}

export async function verifyBundle(
  bundle: string,
  project: Project | null,
  opts: { ocr?: boolean } = {},
): Promise<VerifyReport> {
  let src: BundleSource;
  try {
    src = openBundle(bundle);
    // Zip-slip: an entry that would land outside the folder it is extracted into makes the bundle unreadable.
    const escaping = src.names.find((n) => escapesRoot(n));
    if (escaping) {
      src.close();
      throw new Error(`entry ${JSON.stringify(escaping.slice(0, 80))} escapes the bundle`);
    }
  } catch (err) {
    const detail = `cannot read the bundle (${(err as Error).message})`;
    return {
      ok: false,
      bundle,
      format: null,
      checks: [{ name: 'bundle', ok: false, detail }],
      summary: `bundle FAILED: ${detail}`,
    };
  }
  try {
    return await verifySource(bundle, src, project, opts);
  } finally {
    src.close();
  }
}

async function verifySource(
  bundle: string,
  src: BundleSource,
  project: Project | null,
  opts: { ocr?: boolean },
): Promise<VerifyReport> {
  const checks: VerifyCheck[] = [];
  const check = (name: string, problems: string[], okDetail: string) =>
    checks.push({
      name,
      ok: problems.length === 0,
      detail:
        problems.length === 0
          ? okDetail
          : problems.slice(0, 5).join('; ') + (problems.length > 5 ? `; … ${problems.length - 5} more` : ''),
    });

  let manifest: Manifest | null;
  try {
    manifest = src.has('manifest.json')
      ? (JSON.parse(src.read('manifest.json').toString('utf8')) as Manifest | null)
      : null;
  } catch {
    manifest = null;
  }
  const format =
    manifest && (EXPORT_FORMATS as readonly string[]).includes(manifest.format)
      ? (manifest.format as ExportFormat)
      : null;
  check(
    'manifest',
    manifest && Array.isArray(manifest.files) && format
      ? []
      : ['manifest.json is missing or not a MedPrep manifest'],
    `format ${format}`,
  );

  const sums: string[] = [];
  if (manifest && Array.isArray(manifest.files)) {
    const listed = new Set<string>();
    for (const f of manifest.files) {
      listed.add(f.path);
      if (!src.has(f.path)) {
        sums.push(`${f.path} is missing`);
        continue;
      }
      const got = await digestOf(src, f.path);
      if (got.size !== f.size || got.sha256 !== f.sha256) sums.push(`${f.path} does not match its checksum`);
    }
    for (const p of src.names)
      if (p !== 'manifest.json' && !listed.has(p)) sums.push(`${p} is not in the manifest`);
    const { digest, ...body } = manifest;
    if (manifestDigest(body) !== digest) sums.push('the manifest digest does not match');
  }
  check('checksums', sums, `${manifest?.files?.length ?? 0} files match`);

  // metadata.jsonl first: it says whose each image is, which the split check and the leak scopes need.
  let metadataRows = 0;
  const metaProblems: string[] = [];
  const patientOf = new Map<string, string>();
  const splitsOfPatient = new Map<string, Set<string>>();
  const add = (patient: string, split: string) => {
    const s = splitsOfPatient.get(patient) ?? new Set<string>();
    s.add(split);
    splitsOfPatient.set(patient, s);
  };
  const missing = new Set<string>();
  for await (const { value: m } of jsonRows(src, 'metadata', '.jsonl', metaProblems)) {
    if (!isObj(m)) continue;
    metadataRows++;
    if (typeof m.image === 'string' && !src.has(m.image)) missing.add(`${m.image} (metadata.jsonl)`);
    if (typeof m.image !== 'string' || typeof m.patient !== 'string') continue;
    patientOf.set(m.image, m.patient);
    if (typeof m.split === 'string') add(m.patient, m.split);
  }
  if (!src.has('metadata.jsonl')) metaProblems.push('metadata.jsonl is missing');

  // Values the de-identification options kept on purpose (device, institution, dates) are not leaks in DICOM.
  const kept = project
    ? keptOnPurpose(
        project.db,
        src.names.some((p) => p.endsWith('.dcm')),
      )
    : [];
  const identifiers = project
    ? projectIdentifiers(
        project.db,
        undefined,
        (key) => pseudonym(project.secret(), 'patient', key),
        kept.flatMap((k) => k.keys),
      )
    : [];
  // Hits a person accepted in the project's review queue pass here as they passed the export.
  const feed = new LeakFeed(
    buildMatcher(identifiers),
    project ? { accepted: acceptedFingerprints(project.db) } : {},
  );
  /** Sample id → its one patient, for scoping the data files' records in the text scan below. */
  const sampleScope = new Map<string, string>();
  const formatProblems: string[] = [];
  const splitProblems: string[] = [];
  let rows = 0;
  for await (const r of format ? ROWS[format](src, formatProblems) : []) {
    rows++;
    if (r.slots !== r.images.length)
      formatProblems.push(`${r.file} record ${r.id}: ${r.slots} image tokens for ${r.images.length} images`);
    if (r.id.includes('.')) formatProblems.push(`${r.file} record ${r.id}: sample id contains a dot`);
    const split = r.split ?? splitOfFile(r.file);
    if (r.split && splitOfFile(r.file) && r.split !== splitOfFile(r.file))
      splitProblems.push(`${r.file} record ${r.id} says split ${r.split}`);
    const patients = new Set<string>();
    for (const p of r.images) {
      if (!src.has(p)) missing.add(`${p} (${r.file} record ${r.id})`);
      const patient = patientOf.get(p);
      if (!patient) splitProblems.push(`${p} has no metadata row`);
      else {
        patients.add(patient);
        if (split) add(patient, split);
      }
    }
    const scope = patients.size === 1 ? [...patients][0]! : undefined;
    if (scope !== undefined) sampleScope.set(r.id, scope);
    // Texts inside binary files (Parquet rows, tar members) are scanned here; text files below.
    if (format === 'parquet' || format === 'webdataset')
      await feed.scan([{ file: r.file, record: r.id, text: r.text, ...(scope ? { scope } : {}) }]);
  }
  if (format && rows === 0) formatProblems.push('no samples found');
  check('format', formatProblems, `${rows} samples read as ${format} readers read them`);
  check(
    'images',
    [...metaProblems, ...[...missing].map((m) => `missing ${m}`)],
    'every referenced image is present',
  );
  for (const [patient, splits] of splitsOfPatient)
    if (splits.size > 1) splitProblems.push(`patient ${patient} is in ${[...splits].sort().join(' and ')}`);
  check('splits', splitProblems, `${splitsOfPatient.size} patients, each in one split`);

  const unreadable: string[] = [];
  for (const p of src.names) {
    if (/\.(?:json|jsonl|md|csv|txt)$/u.test(p)) {
      for await (const item of textItems(src, p)) {
        const scope = sampleScope.get(item.record) ?? sampleScope.get(item.record.replace(/\.json$/u, ''));
        await feed.scan([scope === undefined ? item : { ...item, scope }]);
      }
    } else if (p.endsWith('.dcm')) {
      const scope = patientOf.get(p);
      try {
        // Every depth and every binary value that can hold text (dicomScanItems), scoped to its patient.
        for (const item of dicomScanItems(p, src.read(p)))
          await feed.scan([scope ? { ...item, scope } : item]);
      } catch {
        unreadable.push(`${p} is not DICOM, so its attributes could not be scanned`);
      }
    }
  }
  const leak = await feed.report();
  check(
    project ? 'leak' : 'leak-patterns',
    [...unreadable, ...leak.hits.map((h) => `${h.file} record ${h.record}: ${h.category} (${h.kind})`)],
    `${leak.textsScanned} texts scanned${project ? ' against the project’s identifiers' : ' for identifier patterns (pass --project for the full scan)'}`,
  );

  if (opts.ocr) {
    const px = await verifyPixels(project, src, patientOf);
    check(
      'pixels',
      [
        ...px.unreadable.map((f) => `${f} could not be read as an image`),
        ...px.hits.map((h) => `${h.file} ${h.record}: ${h.category} text`),
      ],
      `${px.checked} images read by OCR (${px.device ?? 'no device'}, every frame and view), ${px.linesRead} lines of text, none an identifier${project ? '' : ' pattern (pass --project to match the patients’ identifiers)'}`,
    );
  }

  const failed = checks.filter((c) => !c.ok);
  const summary =
    failed.length === 0
      ? `bundle OK: ${checks.length} checks passed (${format}, ${rows} samples, ${metadataRows} images)`
      : `bundle FAILED: ${failed.map((c) => `${c.name} (${c.detail.split('; ')[0]})`).join(', ')}`;
  return { ok: failed.length === 0, bundle, format, checks, summary };
}
