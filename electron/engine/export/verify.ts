/**
 * `medprep verify`: a bundle checked the way its readers would read it. Checksums and the manifest digest;
 * each format's structure as its trainer's loader parses it (see the format checks below); every referenced
 * image present; no patient in two splits; and a leak scan (against the project's original identifiers when
 * one is given, identifier-shaped patterns always); with `ocr`, every image read by OCR for identifier text
 * (pixel-gate.ts). Details name files and records, never values.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parquetMetadata, parquetReadObjects, parquetSchema } from 'hyparquet';
import { EXPORT_FORMATS, type ExportFormat, type VerifyCheck, type VerifyReport } from '../../api/export.ts';
import { flatHeader, parseDicom } from '../dicom/index.ts';
import { buildMatcher, scanTexts, type ScanItem } from '../leak-gate/index.ts';
import type { Project } from '../project/project.ts';
import { readTar, readZip } from './archive.ts';
import { scanItemsOf } from './bundle.ts';
import { projectIdentifiers, scopeItems } from './identifiers.ts';
import { pseudonym } from '../deid-dicom/pseudonyms.ts';
import { verifyPixels } from './pixel-gate.ts';
import { listFiles, manifestDigest, type Manifest } from './write.ts';

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

function loadEntries(bundle: string): Map<string, Buffer> {
  const stat = fs.statSync(bundle);
  if (stat.isDirectory())
    return new Map(listFiles(bundle).map((p) => [p, fs.readFileSync(path.join(bundle, p))]));
  throw new Error('not a folder');
}

async function loadBundle(bundle: string): Promise<Map<string, Buffer>> {
  if (!fs.existsSync(bundle)) throw new Error(`${bundle} does not exist`);
  if (fs.statSync(bundle).isDirectory()) return loadEntries(bundle);
  const data = fs.readFileSync(bundle);
  const entries = data.subarray(0, 2).toString('latin1') === 'PK' ? readZip(data) : await readTar(data);
  // Zip-slip: an entry that would land outside the folder it is extracted into makes the bundle unreadable.
  const escaping = entries.find((e) => escapesRoot(e.name));
  if (escaping) throw new Error(`entry ${JSON.stringify(escaping.name.slice(0, 80))} escapes the bundle`);
  return new Map(entries.map((e) => [e.name, e.data]));
}

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

function jsonRows(files: Map<string, Buffer>, prefix: string, ext: '.json' | '.jsonl', problems: string[]) {
  const out: { file: string; value: unknown }[] = [];
  for (const [file, data] of files) {
    if (!file.startsWith(prefix) || !file.endsWith(ext)) continue;
    try {
      if (ext === '.json') {
        const doc = JSON.parse(data.toString('utf8')) as unknown;
        if (!Array.isArray(doc)) problems.push(`${file} is not a JSON array`);
        else for (const value of doc) out.push({ file, value });
      } else {
        data
          .toString('utf8')
          .split('\n')
          .forEach((line, i) => {
            if (line === '') return;
            try {
              out.push({ file, value: JSON.parse(line) });
            } catch {
              problems.push(`${file} line ${i + 1} is not JSON`);
            }
          });
      }
    } catch {
      problems.push(`${file} is not valid JSON`);
    }
  }
  return out;
}

/** LLaVA's LazySupervisedDataset: `image` (path or list), `conversations` human/gpt turns, `<image>` tokens. */
function llavaRows(files: Map<string, Buffer>, problems: string[]): Row[] {
  return jsonRows(files, 'data/', '.json', problems).flatMap(({ file, value }) => {
    const id = isObj(value) && typeof value.id === 'string' ? value.id : '?';
    if (!isObj(value) || !Array.isArray(value.conversations)) {
      problems.push(`${file} record ${id}: no conversations`);
      return [];
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
    return [
      {
        file,
        id,
        split: typeof meta.split === 'string' ? meta.split : null,
        images,
        slots: human.map(tokens).reduce((a, b) => a + b, 0),
        text: JSON.stringify(value),
      },
    ];
  });
}

/** LLaMA-Factory's sharegpt converter: user/assistant by position via the tags, `<image>` count = images. */
function sharegptRows(files: Map<string, Buffer>, problems: string[]): Row[] {
  const infoBuf = files.get('dataset_info.json');
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
    if (typeof e.file_name !== 'string' || !files.has(e.file_name))
      problems.push(`dataset_info.json ${name}: file_name missing`);
    else registered.add(e.file_name);
  }
  return jsonRows(files, 'data/', '.jsonl', problems).flatMap(({ file, value }) => {
    if (!registered.has(file)) problems.push(`${file} is not registered in dataset_info.json`);
    const id = isObj(value) && typeof value.id === 'string' ? value.id : '?';
    if (!isObj(value) || !Array.isArray(value.messages) || !Array.isArray(value.images)) {
      problems.push(`${file} record ${id}: messages and images lists expected`);
      return [];
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
    return [rowOfSplitFile(file, id, value, slots)];
  });
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
function messagesRows(files: Map<string, Buffer>, problems: string[]): Row[] {
  return jsonRows(files, 'data/', '.jsonl', problems).flatMap(({ file, value }) => {
    const id = isObj(value) && typeof value.id === 'string' ? value.id : '?';
    if (!isObj(value) || !Array.isArray(value.messages) || !Array.isArray(value.images)) {
      problems.push(`${file} record ${id}: messages and images lists expected`);
      return [];
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
    return [rowOfSplitFile(file, id, value, slots)];
  });
}

/** HF datasets' Parquet reading: features from the footer, images as list<struct<bytes, path>>. */
async function parquetRows(files: Map<string, Buffer>, problems: string[]): Promise<Row[]> {
  const out: Row[] = [];
  for (const [file, data] of files) {
    if (!file.startsWith('data/') || !file.endsWith('.parquet')) continue;
    const ab = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
    let meta;
    try {
      meta = parquetMetadata(ab);
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
    const rows = (await parquetReadObjects({ file: ab, utf8: false })) as Record<string, unknown>[];
    for (const r of rows) {
      const text = (v: unknown) =>
        v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : String(v ?? '');
      const id = text(r.id);
      const images = Array.isArray(r.images) ? (r.images as Record<string, unknown>[]) : [];
      const paths = images.map((im) => text(im.path));
      images.forEach((im, i) => {
        const bytes = im.bytes instanceof Uint8Array ? Buffer.from(im.bytes) : null;
        const onDisk = files.get(paths[i]!);
        if (!bytes || bytes.length === 0) problems.push(`${file} record ${id}: image ${i + 1} has no bytes`);
        else if (onDisk && !bytes.equals(onDisk))
          problems.push(`${file} record ${id}: image ${i + 1} differs from ${paths[i]}`);
      });
      const msgs = Array.isArray(r.messages) ? (r.messages as Record<string, unknown>[]) : [];
      const contents = msgs.map((m) => text(m.content));
      out.push({
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
      });
    }
  }
  return out;
}

/** webdataset's tar grouping: a sample's members share the basename up to the first dot. */
async function webdatasetRows(files: Map<string, Buffer>, problems: string[]): Promise<Row[]> {
  const out: Row[] = [];
  const seen = new Set<string>();
  for (const [file, data] of files) {
    if (!file.startsWith('shards/') || !file.endsWith('.tar')) continue;
    const groups = new Map<string, Map<string, Buffer>>();
    for (const e of await readTar(data)) {
      const base = e.name.slice(e.name.lastIndexOf('/') + 1);
      const dot = base.indexOf('.');
      const key = e.name.slice(0, e.name.length - base.length) + (dot < 0 ? base : base.slice(0, dot));
      const ext = dot < 0 ? '' : base.slice(dot + 1);
      const g = groups.get(key) ?? new Map<string, Buffer>();
      g.set(ext, e.data);
      groups.set(key, g);
    }
    for (const [key, members] of groups) {
      if (seen.has(key)) problems.push(`${file}: sample key ${key} appears in two places`);
      seen.add(key);
      const json = members.get('json');
      if (!json) {
        problems.push(`${file}: sample ${key} has no .json member (a key with a dot splits a sample)`);
        continue;
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
      out.push({
        file,
        id: key,
        split: splitOfFile(file),
        images,
        slots: msgs.map((m) => tokens(String(m.content ?? ''))).reduce((a, b) => a + b, 0),
        text: json.toString('utf8'),
      });
    }
  }
  return out;
}

export async function verifyBundle(
  bundle: string,
  project: Project | null,
  opts: { ocr?: boolean } = {},
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
  let files: Map<string, Buffer>;
  try {
    files = await loadBundle(bundle);
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

  let manifest: Manifest | null;
  try {
    manifest = JSON.parse(files.get('manifest.json')?.toString('utf8') ?? 'null') as Manifest | null;
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
      const data = files.get(f.path);
      if (!data) sums.push(`${f.path} is missing`);
      else if (data.length !== f.size || createHash('sha256').update(data).digest('hex') !== f.sha256)
        sums.push(`${f.path} does not match its checksum`);
    }
    for (const p of files.keys())
      if (p !== 'manifest.json' && !listed.has(p)) sums.push(`${p} is not in the manifest`);
    const { digest, ...body } = manifest;
    if (manifestDigest(body) !== digest) sums.push('the manifest digest does not match');
  }
  check('checksums', sums, `${manifest?.files?.length ?? 0} files match`);

  const formatProblems: string[] = [];
  let rows: Row[] = [];
  if (format === 'llava') rows = llavaRows(files, formatProblems);
  else if (format === 'sharegpt') rows = sharegptRows(files, formatProblems);
  else if (format === 'messages') rows = messagesRows(files, formatProblems);
  else if (format === 'parquet') rows = await parquetRows(files, formatProblems);
  else if (format === 'webdataset') rows = await webdatasetRows(files, formatProblems);
  for (const r of rows) {
    if (r.slots !== r.images.length)
      formatProblems.push(`${r.file} record ${r.id}: ${r.slots} image tokens for ${r.images.length} images`);
    if (r.id.includes('.')) formatProblems.push(`${r.file} record ${r.id}: sample id contains a dot`);
  }
  if (format && rows.length === 0) formatProblems.push('no samples found');
  check('format', formatProblems, `${rows.length} samples read as ${format} readers read them`);

  const metadata: Record<string, unknown>[] = [];
  const metaProblems: string[] = [];
  for (const { value } of jsonRows(files, 'metadata', '.jsonl', metaProblems))
    if (isObj(value)) metadata.push(value);
  if (!files.has('metadata.jsonl')) metaProblems.push('metadata.jsonl is missing');
  const missing = new Set<string>();
  for (const r of rows)
    for (const p of r.images) if (!files.has(p)) missing.add(`${p} (${r.file} record ${r.id})`);
  for (const m of metadata)
    if (typeof m.image === 'string' && !files.has(m.image)) missing.add(`${m.image} (metadata.jsonl)`);
  check(
    'images',
    [...metaProblems, ...[...missing].map((m) => `missing ${m}`)],
    'every referenced image is present',
  );

  const patientOf = new Map<string, string>();
  const splitProblems: string[] = [];
  const splitsOfPatient = new Map<string, Set<string>>();
  const add = (patient: string, split: string) => {
    const s = splitsOfPatient.get(patient) ?? new Set<string>();
    s.add(split);
    splitsOfPatient.set(patient, s);
  };
  for (const m of metadata) {
    if (typeof m.image !== 'string' || typeof m.patient !== 'string') continue;
    patientOf.set(m.image, m.patient);
    if (typeof m.split === 'string') add(m.patient, m.split);
  }
  for (const r of rows) {
    const split = r.split ?? splitOfFile(r.file);
    if (r.split && splitOfFile(r.file) && r.split !== splitOfFile(r.file))
      splitProblems.push(`${r.file} record ${r.id} says split ${r.split}`);
    for (const p of r.images) {
      const patient = patientOf.get(p);
      if (!patient) splitProblems.push(`${p} has no metadata row`);
      else if (split) add(patient, split);
    }
  }
  for (const [patient, splits] of splitsOfPatient)
    if (splits.size > 1) splitProblems.push(`patient ${patient} is in ${[...splits].sort().join(' and ')}`);
  check('splits', splitProblems, `${splitsOfPatient.size} patients, each in one split`);

  const scan: ScanItem[] = [];
  const unreadable: string[] = [];
  for (const [p, data] of files) {
    if (/\.(?:json|jsonl|md|csv|txt)$/u.test(p)) scan.push(...scanItemsOf(p, data));
    else if (p.endsWith('.dcm')) {
      try {
        for (const [k, v] of Object.entries(flatHeader(parseDicom(data))))
          scan.push({ file: p, record: k, text: v });
      } catch {
        unreadable.push(`${p} is not DICOM, so its attributes could not be scanned`);
      }
    }
  }
  if (format === 'parquet' || format === 'webdataset')
    for (const r of rows) scan.push({ file: r.file, record: r.id, text: r.text });
  const identifiers = project
    ? projectIdentifiers(project.db, undefined, (key) => pseudonym(project.secret(), 'patient', key))
    : [];
  const sampleImages = new Map(rows.map((r) => [r.id, r.images]));
  const leak = await scanTexts(scopeItems(scan, patientOf, sampleImages), buildMatcher(identifiers));
  check(
    project ? 'leak' : 'leak-patterns',
    [...unreadable, ...leak.hits.map((h) => `${h.file} record ${h.record}: ${h.category} (${h.kind})`)],
    `${leak.textsScanned} texts scanned${project ? ' against the project’s identifiers' : ' for identifier patterns (pass --project for the full scan)'}`,
  );

  if (opts.ocr) {
    const px = await verifyPixels(project, files, patientOf);
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
      ? `bundle OK: ${checks.length} checks passed (${format}, ${rows.length} samples, ${metadata.length} images)`
      : `bundle FAILED: ${failed.map((c) => `${c.name} (${c.detail.split('; ')[0]})`).join(', ')}`;
  return { ok: failed.length === 0, bundle, format, checks, summary };
}
