/**
 * The five formats, each a view of the same canonical samples (the project's sft_samples rows). Every format
 * puts one `<image>` token (or one typed image part) per image, in the order of its image list. Image paths
 * are relative to the bundle root, which is the image folder a trainer is pointed at.
 */
import { parquetWriteBuffer } from 'hyparquet-writer';
import type { ExportFormat } from '../../api/export.ts';
import type { ScanItem } from '../leak-gate/index.ts';
import { tarBuffer, type Entry } from './archive.ts';

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

export interface FormatOutput {
  /** Files to write, by bundle-relative path. */
  files: Map<string, Buffer>;
  /** Texts inside binary files (parquet rows, tar members) for the leak gate. */
  scan: ScanItem[];
}

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

const jsonl = (rows: unknown[]) => Buffer.from(rows.map((r) => JSON.stringify(r) + '\n').join(''));

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

export function dataFile(format: ExportFormat, split: BundleSplit): string {
  switch (format) {
    case 'llava':
      return `data/${split}.json`;
    case 'sharegpt':
    case 'messages':
      return `data/${split}.jsonl`;
    case 'parquet':
      return `data/${split}-00000-of-00001.parquet`;
    case 'webdataset':
      return `shards/${split}-000000.tar`;
  }
}

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

export function parquetBuffer(samples: BundleSample[], imageData: (p: string) => Buffer): Buffer {
  const ab = parquetWriteBuffer({
    columnData: [
      { name: 'id', data: samples.map((s) => s.id) },
      {
        name: 'images',
        data: samples.map((s) => s.images.map((p) => ({ bytes: new Uint8Array(imageData(p)), path: p }))),
      },
      {
        name: 'messages',
        data: samples.map((s) => [
          { role: 'user', content: userText(s) },
          { role: 'assistant', content: s.response },
        ]),
      },
      { name: 'task', data: samples.map((s) => s.task) },
      { name: 'split', data: samples.map((s) => s.split) },
    ],
    schema: [
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
    ],
    kvMetadata: [{ key: 'huggingface', value: JSON.stringify(HF_FEATURES) }],
    createdBy: 'medprep',
    rowGroupSize: 1000,
  });
  return Buffer.from(ab);
}

/**
 * WebDataset members of one sample: `<key>.json` and its images `<key>.png`, `<key>.1.png`, … The key is the
 * sample id (no dots), so webdataset's grouping by the basename up to the first dot puts them together.
 */
export function webdatasetEntries(s: BundleSample, imageData: (p: string) => Buffer): Entry[] {
  const entries: Entry[] = [
    { name: `${s.id}.json`, data: Buffer.from(JSON.stringify({ ...sharegptRow(s), images: s.images })) },
  ];
  s.images.forEach((p, i) => {
    const ext = p.slice(p.lastIndexOf('.') + 1);
    entries.push({ name: i === 0 ? `${s.id}.${ext}` : `${s.id}.${i}.${ext}`, data: imageData(p) });
  });
  return entries;
}

/** The data files of a format, per split. */
export async function formatFiles(
  format: ExportFormat,
  bySplit: Map<BundleSplit, BundleSample[]>,
  imageData: (p: string) => Buffer,
): Promise<FormatOutput> {
  const files = new Map<string, Buffer>();
  const scan: ScanItem[] = [];
  for (const [split, samples] of bySplit) {
    const file = dataFile(format, split);
    if (format === 'llava')
      files.set(file, Buffer.from(JSON.stringify(samples.map(llavaRow), null, 1) + '\n'));
    else if (format === 'sharegpt') files.set(file, jsonl(samples.map(sharegptRow)));
    else if (format === 'messages') files.set(file, jsonl(samples.map(messagesRow)));
    else if (format === 'parquet') {
      files.set(file, parquetBuffer(samples, imageData));
      for (const s of samples) scan.push({ file, record: s.id, text: JSON.stringify(sharegptRow(s)) });
    } else {
      files.set(file, await tarBuffer(samples.flatMap((s) => webdatasetEntries(s, imageData))));
      for (const s of samples)
        scan.push({ file, record: `${s.id}.json`, text: JSON.stringify(sharegptRow(s)) });
    }
  }
  if (format === 'sharegpt') {
    files.set(
      'dataset_info.json',
      Buffer.from(JSON.stringify(datasetInfo([...bySplit.keys()]), null, 2) + '\n'),
    );
  }
  return { files, scan };
}
