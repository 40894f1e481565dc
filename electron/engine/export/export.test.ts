// Each format is read back the way its trainer's loader reads it (described per test), then checked by verify.
import fs from 'node:fs';
import path from 'node:path';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPORT_FORMATS, type ExportFormat } from '../../api/export.ts';
import { runJob, sampleProject, type SampleProject } from '../../../test/support/sample-project.ts';
import { Engine } from '../index.ts';
import { bundleEntries } from '../../../test/support/bundle-entries.ts';
import { writeZip } from './archive.ts';
import { manifestScanItem } from './bundle.ts';
import { listFiles } from './index.ts';

let sp: SampleProject;
const bundles = new Map<ExportFormat, string>();

async function exportTo(engine: Engine, out: string, opts: Record<string, unknown> = {}) {
  const job = await engine.waitForJob(
    (await engine.invoke('export.run', { format: 'llava', out, ...opts } as never)).id,
  );
  return { job, result: await engine.invoke('export.result', { jobId: job.id }) };
}

const read = (dir: string, p: string) => fs.readFileSync(path.join(dir, p), 'utf8');
const jsonl = (text: string) =>
  text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

beforeAll(async () => {
  sp = await sampleProject();
  for (const format of EXPORT_FORMATS) {
    const out = path.join(sp.tmp, `bundle-${format}`);
    const { job } = await exportTo(sp.engine, out, { format, maxSide: 128 });
    expect(job.state, job.message).toBe('done');
    bundles.set(format, out);
  }
});
afterAll(() => sp.dispose());

describe('bundle layout', () => {
  it('has the card, the manifest, images, per-split data files and de-identified metadata', () => {
    const dir = bundles.get('llava')!;
    const files = listFiles(dir);
    for (const f of ['README.md', 'manifest.json', 'metadata.jsonl', 'data/train.json', 'data/test.json'])
      expect(files).toContain(f);
    expect(
      files.filter((f) => f.startsWith('images/')).every((f) => /^images\/i[a-z2-7]{13}\.png$/.test(f)),
    ).toBe(true);
    const card = read(dir, 'README.md');
    for (const s of [
      'Sources and counts',
      'Task mix',
      'Filters and thresholds',
      'De-identification',
      'fingerprint',
      'data use agreement',
      'How to load it',
    ])
      expect(card).toContain(s);
    const meta = jsonl(read(dir, 'metadata.jsonl'));
    // No original ids, UIDs, names or dates: only pseudonyms, view, modality, labels, study order. Keyed
    // pseudonyms are random base32 and may spell anything, so they are taken out before the search.
    const text = JSON.stringify(meta)
      .replace(/MP-[A-Z2-7]{13}/g, '')
      .replace(/images\/i[a-z2-7]{13}\.png/g, '');
    expect(text).not.toMatch(/12286358|50248196|2\.25\.|DOE|MRN|2021\d{4}|FAKE/);
    expect(Object.keys(meta[0]!).sort()).toEqual([
      'image',
      'labels',
      'modality',
      'patient',
      'split',
      'study',
      'study_order',
      'view',
    ]);
    expect(meta[0]!.patient).toMatch(/^MP-[A-Z2-7]{13}$/);
  });
});

describe('each format loads the way its trainer reads it', () => {
  it('LLaVA: LazySupervisedDataset reads a JSON list; image joined to --image_folder; one <image> per image', () => {
    const dir = bundles.get('llava')!;
    const rows = JSON.parse(read(dir, 'data/train.json')) as {
      id: string;
      image?: string | string[];
      conversations: { from: string; value: string }[];
    }[];
    for (const r of rows) {
      const images = r.image === undefined ? [] : Array.isArray(r.image) ? r.image : [r.image];
      for (const im of images) expect(fs.existsSync(path.join(dir, im))).toBe(true);
      expect(r.conversations.map((c) => c.from)).toEqual(['human', 'gpt']);
      expect(r.conversations[0]!.value.split('<image>').length - 1).toBe(images.length);
      // LLaVA's preprocess moves a single <image> to the front: ours already is.
      if (images.length === 1) expect(r.conversations[0]!.value.startsWith('<image>\n')).toBe(true);
    }
  });

  it('LLaMA-Factory: dataset_info.json sharegpt entry; roles by tags; <image> count equals len(images)', () => {
    const dir = bundles.get('sharegpt')!;
    const info = JSON.parse(read(dir, 'dataset_info.json')) as Record<
      string,
      {
        file_name: string;
        formatting: string;
        columns: Record<string, string>;
        tags: Record<string, string>;
      }
    >;
    expect(Object.keys(info).sort()).toEqual(['medprep_test', 'medprep_train', 'medprep_validation']);
    for (const entry of Object.values(info)) {
      expect(entry).toMatchObject({
        formatting: 'sharegpt',
        columns: { messages: 'messages', images: 'images' },
      });
      // SharegptDatasetConverter: odd turns must carry user_tag, even turns assistant_tag.
      for (const row of jsonl(read(dir, entry.file_name))) {
        const msgs = row[entry.columns.messages!] as Record<string, string>[];
        msgs.forEach((m, i) =>
          expect(m[entry.tags.role_tag!]).toBe(i % 2 === 0 ? entry.tags.user_tag : entry.tags.assistant_tag),
        );
        const images = row[entry.columns.images!] as string[];
        const tokens = msgs
          .map((m) => m[entry.tags.content_tag!]!.split('<image>').length - 1)
          .reduce((a, b) => a + b, 0);
        expect(tokens).toBe(images.length);
      }
    }
  });

  it('TRL / axolotl chat templates: typed content parts, one {"type": "image"} per entry of images', () => {
    const dir = bundles.get('messages')!;
    for (const row of jsonl(read(dir, 'data/train.jsonl'))) {
      const msgs = row.messages as { role: string; content: { type: string; text?: string }[] }[];
      expect(msgs.map((m) => m.role)).toEqual(['user', 'assistant']);
      for (const m of msgs)
        for (const p of m.content) expect(p.type === 'image' || typeof p.text === 'string').toBe(true);
      expect(msgs[0]!.content.filter((p) => p.type === 'image')).toHaveLength(
        (row.images as string[]).length,
      );
    }
  });

  it('Hugging Face datasets: Parquet with footer features; images a list of Image structs {bytes, path}', async () => {
    const dir = bundles.get('parquet')!;
    const buf = fs.readFileSync(path.join(dir, 'data/train-00000-of-00001.parquet'));
    const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
    const meta = parquetMetadata(ab);
    const hf = JSON.parse(meta.key_value_metadata!.find((k) => k.key === 'huggingface')!.value!) as {
      info: { features: Record<string, unknown> };
    };
    expect(hf.info.features.images).toEqual({ feature: { _type: 'Image' }, _type: 'Sequence' });
    const rows = (await parquetReadObjects({ file: ab, utf8: false })) as {
      images: { bytes: Uint8Array; path: Uint8Array }[];
      messages: { content: Uint8Array }[];
    }[];
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) {
      for (const im of r.images) {
        const p = Buffer.from(im.path).toString('utf8');
        expect(Buffer.from(im.bytes).equals(fs.readFileSync(path.join(dir, p)))).toBe(true);
      }
      const tokens = Buffer.from(r.messages[0]!.content).toString('utf8').split('<image>').length - 1;
      expect(tokens).toBe(r.images.length);
    }
  });

  it('WebDataset: members grouped by the basename up to the first dot; keys have no dots', async () => {
    const dir = bundles.get('webdataset')!;
    const entries = bundleEntries(path.join(dir, 'shards/train-000000.tar'));
    const groups = new Map<string, string[]>();
    for (const e of entries) {
      const [key, ...rest] = e.name.split('.');
      groups.set(key!, [...(groups.get(key!) ?? []), rest.join('.')]);
    }
    for (const [key, exts] of groups) {
      expect(key).toMatch(/^s[a-z2-7]{13}$/);
      expect(exts).toContain('json');
      const doc = JSON.parse(entries.find((e) => e.name === `${key}.json`)!.data.toString('utf8')) as {
        images: string[];
      };
      expect(exts.filter((x) => x.endsWith('png'))).toHaveLength(doc.images.length);
    }
  });

  it.each(EXPORT_FORMATS)('verify accepts the %s bundle, with the project’s leak scan', async (format) => {
    const report = await sp.engine.invoke('export.verify', {
      bundle: bundles.get(format)!,
      withProject: true,
    });
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(report.checks.map((c) => c.name)).toEqual([
      'manifest',
      'checksums',
      'format',
      'images',
      'splits',
      'leak',
    ]);
  });
});

describe('determinism', () => {
  it('the same project, recipe and secret give byte-identical bundles, folders and archives', async () => {
    const a = path.join(sp.tmp, 'det-a');
    const b = path.join(sp.tmp, 'det-b');
    await exportTo(sp.engine, a, { format: 'parquet', maxSide: 128 });
    await runJob(sp.engine, sp.engine.invoke('sft.run', {}));
    await exportTo(sp.engine, b, { format: 'parquet', maxSide: 128 });
    expect(listFiles(a)).toEqual(listFiles(b));
    for (const f of listFiles(a))
      expect(fs.readFileSync(path.join(a, f)).equals(fs.readFileSync(path.join(b, f))), f).toBe(true);
    for (const archive of ['tar', 'zip'] as const) {
      const x = path.join(sp.tmp, `det-x.${archive}`);
      const y = path.join(sp.tmp, `det-y.${archive}`);
      await exportTo(sp.engine, x, { format: 'webdataset', maxSide: 128, archive });
      await exportTo(sp.engine, y, { format: 'webdataset', maxSide: 128, archive });
      expect(fs.readFileSync(x).equals(fs.readFileSync(y))).toBe(true);
      const entries = bundleEntries(x);
      expect(entries.map((e) => e.name)).toContain('manifest.json');
      expect((await sp.engine.invoke('export.verify', { bundle: x })).ok).toBe(true);
    }
  });

  it('another project secret gives other sample ids and image names', async () => {
    const copy = path.join(sp.tmp, 'other-secret');
    await sp.engine.invoke('project.close', {});
    fs.cpSync(sp.dir, copy, { recursive: true });
    fs.writeFileSync(path.join(copy, 'secret.key'), 'ab'.repeat(32) + '\n', { mode: 0o600 });
    const other = new Engine();
    try {
      await other.invoke('project.open', { dir: copy });
      await runJob(other, other.invoke('sft.run', {}));
      const out = path.join(sp.tmp, 'bundle-other');
      await exportTo(other, out, { format: 'llava', maxSide: 128 });
      const ids = (d: string) =>
        (JSON.parse(read(d, 'data/train.json')) as { id: string }[]).map((r) => r.id);
      const mine = new Set(ids(bundles.get('llava')!));
      expect(ids(out).some((id) => mine.has(id))).toBe(false);
      const images = (d: string) => listFiles(d).filter((f) => f.startsWith('images/'));
      expect(images(out).some((f) => images(bundles.get('llava')!).includes(f))).toBe(false);
    } finally {
      await other.close();
      await sp.engine.invoke('project.open', { dir: sp.dir });
    }
  });
});

describe('shards and archives', () => {
  it('Parquet and WebDataset splits are cut into shards at the size cap, named as their readers expect', async () => {
    for (const format of ['parquet', 'webdataset'] as const) {
      const out = path.join(sp.tmp, `sharded-${format}`);
      const { job, result } = await exportTo(sp.engine, out, { format, maxSide: 128, shardBytes: 60_000 });
      expect(job.state, job.message).toBe('done');
      const shards = listFiles(out).filter((f) => /^(?:data|shards)\/train-/.test(f));
      expect(shards.length).toBeGreaterThan(1);
      expect(shards).toEqual(
        format === 'parquet'
          ? shards.map(
              (_, i) =>
                `data/train-${String(i).padStart(5, '0')}-of-${String(shards.length).padStart(5, '0')}.parquet`,
            )
          : shards.map((_, i) => `shards/train-${String(i).padStart(6, '0')}.tar`),
      );
      const report = await sp.engine.invoke('export.verify', { bundle: out, withProject: true });
      expect(report.checks.filter((c) => !c.ok)).toEqual([]);
      // Every sample is in exactly one shard: the same count as the unsharded bundle.
      expect(report.summary).toContain(`${result.samples} samples`);
    }
  });

  it('a zip with zip64 records (forced, as above 4 GiB) verifies', async () => {
    const dir = bundles.get('parquet')!;
    const zip = path.join(sp.tmp, 'forced-zip64.zip');
    await writeZip(
      zip,
      listFiles(dir).map((name) => ({ name, path: path.join(dir, name) })),
      true,
    );
    expect(fs.readFileSync(zip).includes(Buffer.from([0x50, 0x4b, 0x06, 0x06]))).toBe(true);
    const report = await sp.engine.invoke('export.verify', { bundle: zip, withProject: true });
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
  });
});

describe('verify on tampered bundles', () => {
  function copyOf(format: ExportFormat, name: string) {
    const dir = path.join(sp.tmp, name);
    fs.cpSync(bundles.get(format)!, dir, { recursive: true });
    return dir;
  }
  const failed = async (dir: string, withProject = false) =>
    (await sp.engine.invoke('export.verify', { bundle: dir, withProject })).checks.filter((c) => !c.ok);

  it('a changed byte fails the checksums', async () => {
    const dir = copyOf('llava', 't-byte');
    const img = listFiles(dir).find((f) => f.startsWith('images/'))!;
    const data = fs.readFileSync(path.join(dir, img));
    data.writeUInt8(data.readUInt8(data.length - 20) ^ 0xff, data.length - 20);
    fs.writeFileSync(path.join(dir, img), data);
    expect((await failed(dir)).map((c) => c.name)).toEqual(['checksums']);
  });

  it('a missing image fails checksums and images', async () => {
    const dir = copyOf('sharegpt', 't-missing');
    fs.rmSync(
      path.join(
        dir,
        listFiles(dir).find((f) => f.startsWith('images/'))!,
      ),
    );
    expect((await failed(dir)).map((c) => c.name)).toEqual(['checksums', 'images']);
  });

  it('a patient in two splits fails the split check', async () => {
    const dir = copyOf('messages', 't-split');
    const train = jsonl(read(dir, 'data/train.jsonl'));
    const test = jsonl(read(dir, 'data/test.jsonl'));
    fs.writeFileSync(
      path.join(dir, 'data/test.jsonl'),
      // A sample with an image: its patient is known from metadata.jsonl (text-only samples carry none).
      [...test, train.find((r) => Array.isArray(r.images) && r.images.length > 0)]
        .map((r) => JSON.stringify(r) + '\n')
        .join(''),
    );
    const names = (await failed(dir)).map((c) => c.name);
    expect(names).toContain('splits');
  });

  it('a planted identifier is a leak hit named by file, record and category, never the value', async () => {
    const dir = copyOf('llava', 't-leak');
    const rows = JSON.parse(read(dir, 'data/train.json')) as {
      id: string;
      conversations: { value: string }[];
    }[];
    rows[0]!.conversations[1]!.value += ' Seen by Jane Doe, MRN-FAKE-0001.';
    fs.writeFileSync(path.join(dir, 'data/train.json'), JSON.stringify(rows));
    const report = await sp.engine.invoke('export.verify', { bundle: dir, withProject: true });
    const leak = report.checks.find((c) => c.name === 'leak')!;
    expect(leak.ok).toBe(false);
    expect(leak.detail).toContain(`data/train.json record ${rows[0]!.id}: NAME`);
    expect(JSON.stringify(report)).not.toMatch(/Jane|Doe|MRN-FAKE/);
    expect(report.summary).toMatch(/^bundle FAILED: .*leak/);
  });
});

describe('the leak gate', () => {
  it('reads the manifest without the sizes and digests MedPrep computed (a size can equal a numeric ID)', () => {
    const item = manifestScanItem({
      format: 'llava',
      recipe: { note: 'kept' },
      files: [{ path: 'images/iabc.png', sha256: 'f'.repeat(64), size: 10000123 }],
    });
    expect(item.text).toContain('images/iabc.png');
    expect(item.text).toContain('kept');
    expect(item.text).not.toContain('10000123');
    expect(item.text).not.toContain('f'.repeat(64));
  });

  it('blocks an export whose text carries an original identifier and leaves nothing at OUT', async () => {
    const { Project } = await import('../project/project.ts');
    const p = Project.open(sp.dir);
    const row = p.db
      .prepare(
        `INSERT INTO sft_samples (run_id, task, template_id, generator, split, instruction, response, image_ids, source_records)
         VALUES ('manual', 'findings', 'findings#0', 'manual', 'train', 'Describe the findings.',
                 'Seen for Jane Doe on 03/14/2021.', '[1]', '{"studies":[1],"reports":[],"labels":null}')`,
      )
      .run();
    try {
      const out = path.join(sp.tmp, 'leaky', 'bundle');
      const plan = await sp.engine.invoke('export.plan', { format: 'llava' });
      expect(plan.leak.ok).toBe(false);
      const { job, result } = await exportTo(sp.engine, out, { format: 'llava' });
      expect(job.state).toBe('failed');
      expect(result.ok).toBe(false);
      expect(result.out).toBeNull();
      expect(result.leak.hits).toEqual(
        expect.arrayContaining([
          {
            file: 'data/train.json',
            record: `row${row.lastInsertRowid}`,
            category: 'NAME',
            kind: 'identifier',
          },
          {
            file: 'data/train.json',
            record: `row${row.lastInsertRowid}`,
            category: 'DATE',
            kind: 'identifier',
          },
        ]),
      );
      expect(JSON.stringify(result) + job.message).not.toMatch(/Jane|Doe|03\/14/);
      expect(fs.existsSync(out)).toBe(false);
      expect(fs.readdirSync(path.dirname(out))).toEqual([]);
    } finally {
      p.db.prepare('DELETE FROM sft_samples WHERE id = ?').run(row.lastInsertRowid);
      p.close();
    }
  });

  it('de-identified DICOM images: attributes scanned, verify accepts them', async () => {
    const out = path.join(sp.tmp, 'bundle-dicom');
    const { job, result } = await exportTo(sp.engine, out, { format: 'sharegpt', images: 'dicom' });
    expect(job.state, job.message).toBe('done');
    expect(result.leak.textsScanned).toBeGreaterThan(500);
    const files = listFiles(out);
    expect(files.some((f) => f.endsWith('.dcm'))).toBe(true);
    expect(files.some((f) => f.endsWith('.png'))).toBe(true); // PADCHEST's raster sources stay PNG
    expect((await sp.engine.invoke('export.verify', { bundle: out, withProject: true })).ok).toBe(true);
  });
});

describe('the dataset card', () => {
  it('counts what the latest deciding curation run removed, not an earlier run', async () => {
    const removedBy = (recipe?: string) =>
      runJob(sp.engine, sp.engine.invoke('curate.run', recipe ? { recipe } : {})).then(async () => {
        const card = (await sp.engine.invoke('export.plan', { format: 'llava' })).card;
        return Number(/images removed by curation \(latest run\) \| (\d+)/.exec(card)?.[1]);
      });
    const { defaultRecipeText } = await import('../curate/index.ts');
    const frontalOnly = defaultRecipeText().replace('keep: [frontal, lateral]', 'keep: [frontal]');
    const strict = await removedBy(frontalOnly);
    const lenient = await removedBy();
    expect(strict).toBeGreaterThan(lenient);
    // Alternate a few times: each card must follow the run just made, whatever order run ids sort in.
    for (let i = 0; i < 3; i++) {
      expect(await removedBy(frontalOnly)).toBe(strict);
      expect(await removedBy()).toBe(lenient);
    }
    // The analyse-only run decides nothing, so the card keeps the last deciding run's figure.
    await runJob(sp.engine, sp.engine.invoke('curate.run', { recipe: frontalOnly, analyse: true }));
    const card = (await sp.engine.invoke('export.plan', { format: 'llava' })).card;
    expect(Number(/images removed by curation \(latest run\) \| (\d+)/.exec(card)?.[1])).toBe(lenient);
  });
});

describe('running the same export again', () => {
  it('to the same path succeeds when the same bundle is there, and never overwrites another bundle', async () => {
    const out = path.join(sp.tmp, 'bundle-again');
    const first = await exportTo(sp.engine, out, { maxSide: 128 });
    expect(first.job.state, first.job.message).toBe('done');
    const manifest = fs.readFileSync(path.join(out, 'manifest.json'));
    // A re-run (after a kill that came once the bundle was recorded, or by hand) finds its own bundle.
    const again = await exportTo(sp.engine, out, { maxSide: 128 });
    expect(again.job.state, again.job.message).toBe('done');
    expect(again.result.digest).toBe(first.result.digest);
    // Something else at the path is refused and left as it was, whether the options match or not.
    const changed = Buffer.concat([manifest, Buffer.from(' ')]);
    fs.writeFileSync(path.join(out, 'manifest.json'), changed);
    for (const opts of [{ maxSide: 128 }, { maxSide: 64 }]) {
      const refused = await exportTo(sp.engine, out, opts);
      expect(refused.job.state).toBe('failed');
      expect(refused.job.message).toMatch(/already exists; choose a new path/);
    }
    expect(fs.readFileSync(path.join(out, 'manifest.json'))).toEqual(changed);
    expect(fs.readdirSync(sp.tmp).filter((n) => n.startsWith('.bundle-again.'))).toEqual([]);
  });
});
