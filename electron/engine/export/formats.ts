/**
 * The five formats, each a view of the same canonical samples (the project's sft_samples rows). Every format
 * puts one `<image>` token (or one typed image part) per image, in the order of its image list. Image paths
 * are relative to the bundle root, which is the image folder a trainer is pointed at.
 */
import { ParquetWriter } from 'hyparquet-writer';
import type { ExportFormat } from '../../api/export.ts';
import type { ScanItem } from '../leak-gate/index.ts';
import { TarWriter, type Entry } from './archive.ts';
import { ParquetFileWriter, type BundleFiles, type HashedFile } from './bundle-files.ts';

export type BundleSplit = 'train' | 'validation' | 'test';
export const BUNDLE_SPLITS: readonly BundleSplit[] = ['train', 'validation', 'test'];

export interface BundleSample {
  id: string;
  task: string;
  template_id: string;
  generator: string;
  split: BundleSplit;
  instruction: string;
  response: string;
  /** Bundle-relative image paths (`images/<key>.png`). */
  images: string[];
  /** Study pseudonyms. */
  studies: string[];
}

/** Where a format writes: the bundle's files, its images, the leak gate, and the shard size cap. */
export interface FormatSink {
  files: BundleFiles;
  imageData: (p: string) => Buffer;
  /** Texts of the records just written, for the leak gate (which scans them as they come). */
  scan: (items: ScanItem[]) => Promise<void>;
  /** A Parquet or WebDataset shard is closed once it holds this many bytes. */
  shardBytes: number;
}

/** Default shard size cap: about what 🤗 datasets writes per Parquet shard (500 MB). */
export const DEFAULT_SHARD_BYTES = 500 * 1000 * 1000;
/** WebDataset shards also close at this many samples, so a shard of tiny samples stays a sensible unit. */
export const WEBDATASET_SHARD_SAMPLES = 10_000;
/**
 * A Parquet row group closes at this many rows or image bytes, whichever comes first (🤗 datasets writes
 * image datasets in row groups of 100); the writer holds a few copies of one row group while encoding it.
 */
const ROW_GROUP_ROWS = 100;
const ROW_GROUP_BYTES = 8 * 1024 * 1024;

const IMAGE = '<image>';

/** The user turn with LLaVA / LLaMA-Factory image tokens first, one per image. */
export function userText(s: BundleSample): string {
  return IMAGE.repeat(s.images.length) + (s.images.length > 0 ? '\n' : '') + s.instruction;
}

const meta = (s: BundleSample) => ({
  task: s.task,
  template_id: s.template_id,
  generator: s.generator,
  split: s.split,
  studies: s.studies,
});

/** LLaVA: one JSON array per split; `image` is a path, or a list for multi-image samples (LLaVA-OneVision). */
export function llavaRow(s: BundleSample): Record<string, unknown> {
  return {
    id: s.id,
    ...(s.images.length === 1 ? { image: s.images[0] } : s.images.length > 1 ? { image: s.images } : {}),
    conversations: [
      { from: 'human', value: userText(s) },
      { from: 'gpt', value: s.response },
    ],
    meta: meta(s),
  };
}

/** LLaMA-Factory sharegpt: role/content messages with `<image>` tokens and an `images` list. */
export function sharegptRow(s: BundleSample): Record<string, unknown> {
  return {
    id: s.id,
    messages: [
      { role: 'user', content: userText(s) },
      { role: 'assistant', content: s.response },
    ],
    images: s.images,
    meta: meta(s),
  };
}

/** Chat messages with typed content parts (TRL SFTTrainer, axolotl chat_template). */
export function messagesRow(s: BundleSample): Record<string, unknown> {
  return {
    id: s.id,
    messages: [
      {
        role: 'user',
        content: [...s.images.map(() => ({ type: 'image' })), { type: 'text', text: s.instruction }],
      },
      { role: 'assistant', content: [{ type: 'text', text: s.response }] },
    ],
    images: s.images,
    meta: meta(s),
  };
}

/** The one data file of a split (JSON formats), or the pattern of its shards (Parquet, WebDataset). */
export function dataFile(format: ExportFormat, split: BundleSplit): string {
  switch (format) {
    case 'llava':
      return `data/${split}.json`;
    case 'sharegpt':
    case 'messages':
      return `data/${split}.jsonl`;
    case 'parquet':
      return `data/${split}-*.parquet`;
    case 'webdataset':
      return `shards/${split}-*.tar`;
  }
}

/** 🤗 datasets' shard names: `data/train-00000-of-00003.parquet`. */
export const parquetShard = (split: BundleSplit, index: number, count: number): string =>
  `data/${split}-${String(index).padStart(5, '0')}-of-${String(count).padStart(5, '0')}.parquet`;

/** WebDataset's shard names: `shards/train-000000.tar`, `-000001.tar`, … */
export const webdatasetShard = (split: BundleSplit, index: number): string =>
  `shards/${split}-${String(index).padStart(6, '0')}.tar`;

/** LLaMA-Factory's dataset_info.json: one entry per split, sharegpt formatting, role/content tags. */
export function datasetInfo(splits: BundleSplit[]): Record<string, unknown> {
  const info: Record<string, unknown> = {};
  for (const split of splits) {
    info[`medprep_${split}`] = {
      file_name: dataFile('sharegpt', split),
      formatting: 'sharegpt',
      columns: { messages: 'messages', images: 'images' },
      tags: { role_tag: 'role', content_tag: 'content', user_tag: 'user', assistant_tag: 'assistant' },
    };
  }
  return info;
}

/** Hugging Face datasets features, stored in the Parquet footer under "huggingface" (how datasets reads them back). */
export const HF_FEATURES = {
  info: {
    features: {
      id: { dtype: 'string', _type: 'Value' },
      images: { feature: { _type: 'Image' }, _type: 'Sequence' },
      messages: [{ role: { dtype: 'string', _type: 'Value' }, content: { dtype: 'string', _type: 'Value' } }],
      task: { dtype: 'string', _type: 'Value' },
      split: { dtype: 'string', _type: 'Value' },
    },
  },
};

const PARQUET_SCHEMA = [
  { name: 'schema', num_children: 5 },
  { name: 'id', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
  { name: 'images', repetition_type: 'REQUIRED', converted_type: 'LIST', num_children: 1 },
  { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
  { name: 'element', repetition_type: 'REQUIRED', num_children: 2 },
  { name: 'bytes', type: 'BYTE_ARRAY', repetition_type: 'OPTIONAL' },
  { name: 'path', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
  { name: 'messages', repetition_type: 'REQUIRED', converted_type: 'LIST', num_children: 1 },
  { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
  { name: 'element', repetition_type: 'REQUIRED', num_children: 2 },
  { name: 'role', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
  { name: 'content', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
  { name: 'task', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
  { name: 'split', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
] as const;

function parquetColumns(samples: BundleSample[], images: { bytes: Uint8Array; path: string }[][]) {
  return [
    { name: 'id', data: samples.map((s) => s.id) },
    { name: 'images', data: images },
    {
      name: 'messages',
      data: samples.map((s) => [
        { role: 'user', content: userText(s) },
        { role: 'assistant', content: s.response },
      ]),
    },
    { name: 'task', data: samples.map((s) => s.task) },
    { name: 'split', data: samples.map((s) => s.split) },
  ];
}

const JSON_ROWS = { llava: llavaRow, sharegpt: sharegptRow, messages: messagesRow } as const;

/** A sample's record as the leak gate scans it: its data-file row (Parquet rows and tar members as sharegpt). */
function recordScan(format: ExportFormat, file: string, s: BundleSample): ScanItem {
  if (format === 'parquet' || format === 'webdataset')
    return {
      file,
      record: format === 'webdataset' ? `${s.id}.json` : s.id,
      text: JSON.stringify(sharegptRow(s)),
    };
  return { file, record: s.id, text: JSON.stringify(JSON_ROWS[format](s)) };
}

const datasetInfoText = (splits: BundleSplit[]) => JSON.stringify(datasetInfo(splits), null, 2) + '\n';

/**
 * One split as Parquet shards, written row group by row group: a row group closes at ROW_GROUP_ROWS rows or
 * ROW_GROUP_BYTES of image bytes, a shard once it holds `shardBytes`. Shards are written under temporary
 * names and renamed to `-NNNNN-of-MMMMM` when the split is done and their count known.
 */
async function writeParquetSplit(split: BundleSplit, samples: BundleSample[], sink: FormatSink) {
  const shards: HashedFile[] = [];
  let file: HashedFile | null = null;
  let writer: ParquetWriter | null = null;
  const closeShard = () => {
    writer?.finish();
    writer = null;
    file = null;
  };
  let group: BundleSample[] = [];
  let images: { bytes: Uint8Array; path: string }[][] = [];
  let groupBytes = 0;
  const flushGroup = async () => {
    if (group.length === 0) return;
    if (!writer) {
      // Named by its index until the split's shard count is known (the leak gate's hits name it so).
      file = sink.files.open(`data/${split}-${String(shards.length).padStart(5, '0')}.parquet`);
      shards.push(file);
      writer = new ParquetWriter({
        writer: new ParquetFileWriter(file),
        schema: [...PARQUET_SCHEMA],
        kvMetadata: [{ key: 'huggingface', value: JSON.stringify(HF_FEATURES) }],
        createdBy: 'medprep',
      });
    }
    writer.write({ columnData: parquetColumns(group, images), rowGroupSize: group.length });
    await sink.scan(group.map((s) => recordScan('parquet', file!.rel, s)));
    group = [];
    images = [];
    groupBytes = 0;
    if (file!.bytesWritten >= sink.shardBytes) closeShard();
  };
  for (const s of samples) {
    const row = s.images.map((p) => ({ bytes: sink.imageData(p), path: p }));
    group.push(s);
    images.push(row);
    groupBytes += row.reduce((n, im) => n + im.bytes.length, 0);
    if (group.length >= ROW_GROUP_ROWS || groupBytes >= ROW_GROUP_BYTES) await flushGroup();
  }
  await flushGroup();
  closeShard();
  return shards.map((f, i) => ({ file: f, name: parquetShard(split, i, shards.length) }));
}

/**
 * WebDataset members of one sample: `<key>.json` and its images `<key>.png`, `<key>.1.png`, … The key is the
 * sample id (no dots), so webdataset's grouping by the basename up to the first dot puts them together.
 * Members are in name order, as in the rest of the shard (ids are letters and digits, which sort after the dot).
 */
export function webdatasetEntries(s: BundleSample, imageData: (p: string) => Buffer): Entry[] {
  const entries: Entry[] = [
    { name: `${s.id}.json`, data: Buffer.from(JSON.stringify({ ...sharegptRow(s), images: s.images })) },
  ];
  s.images.forEach((p, i) => {
    const ext = p.slice(p.lastIndexOf('.') + 1);
    entries.push({ name: i === 0 ? `${s.id}.${ext}` : `${s.id}.${i}.${ext}`, data: imageData(p) });
  });
  return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** One split as WebDataset shards, each closed at `shardBytes` or WEBDATASET_SHARD_SAMPLES samples. */
async function writeWebdatasetSplit(split: BundleSplit, samples: BundleSample[], sink: FormatSink) {
  let shard = 0;
  let tar: TarWriter<HashedFile> | null = null;
  let inShard = 0;
  for (const s of samples) {
    if (!tar) tar = new TarWriter(sink.files.open(webdatasetShard(split, shard++)));
    for (const e of webdatasetEntries(s, sink.imageData)) tar.add(e.name, e.data);
    await sink.scan([recordScan('webdataset', tar.file.rel, s)]);
    if (++inShard >= WEBDATASET_SHARD_SAMPLES || tar.file.bytesWritten >= sink.shardBytes) {
      tar.finish();
      tar.file.close();
      tar = null;
      inShard = 0;
    }
  }
  if (tar) {
    tar.finish();
    tar.file.close();
  }
}

/**
 * A JSON-lines split (sharegpt, messages), or LLaVA's JSON array written element by element with the same
 * bytes `JSON.stringify(rows, null, 1)` gives: each element indented by one space.
 */
async function writeJsonSplit(
  file: HashedFile,
  samples: BundleSample[],
  row: (s: BundleSample) => Record<string, unknown>,
  array: boolean,
  sink: FormatSink,
) {
  if (array) file.write('[\n');
  for (const [i, s] of samples.entries()) {
    const value = row(s);
    if (array) file.write(`${i > 0 ? ',\n' : ''} ${JSON.stringify(value, null, 1).replaceAll('\n', '\n ')}`);
    else file.write(JSON.stringify(value) + '\n');
    await sink.scan([{ file: file.rel, record: s.id, text: JSON.stringify(value) }]);
  }
  if (array) file.write('\n]\n');
  file.close();
}

/** Writes the data files of a format, split by split, feeding the leak gate each record as it is written. */
export async function writeFormat(
  format: ExportFormat,
  bySplit: Map<BundleSplit, BundleSample[]>,
  sink: FormatSink,
): Promise<void> {
  for (const [split, samples] of bySplit) {
    if (format === 'parquet') {
      for (const { file, name } of await writeParquetSplit(split, samples, sink)) file.close(name);
    } else if (format === 'webdataset') await writeWebdatasetSplit(split, samples, sink);
    else {
      const file = sink.files.open(dataFile(format, split));
      await writeJsonSplit(file, samples, JSON_ROWS[format], format === 'llava', sink);
    }
  }
  if (format === 'sharegpt') {
    const text = datasetInfoText([...bySplit.keys()]);
    sink.files.write('dataset_info.json', text);
    await sink.scan([{ file: 'dataset_info.json', record: 'whole file', text }]);
  }
}

/**
 * The texts a format's data files would carry, without writing them (the export plan's leak gate): the same
 * record texts writeFormat scans. Shard names are the first shard's; a plan reports files, not shards.
 */
export function* formatScanItems(
  format: ExportFormat,
  bySplit: Map<BundleSplit, BundleSample[]>,
): Generator<ScanItem> {
  for (const [split, samples] of bySplit) {
    const file =
      format === 'parquet'
        ? parquetShard(split, 0, 1)
        : format === 'webdataset'
          ? webdatasetShard(split, 0)
          : dataFile(format, split);
    for (const s of samples) yield recordScan(format, file, s);
  }
  if (format === 'sharegpt')
    yield { file: 'dataset_info.json', record: 'whole file', text: datasetInfoText([...bySplit.keys()]) };
}
