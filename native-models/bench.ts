import os from 'node:os';
import { listModels } from './registry.ts';
import type { ModelsConfig } from './registry.ts';
import { ModelRunner } from './runner.ts';
import type { ModelRunnerOptions } from './runner.ts';
import type { DeviceRequest, ExecutionDevice, PixelImage, RunInfo } from './types.ts';

export type BenchTask =
  'text-embedding' | 'image-embedding' | 'image-text-align' | 'ner' | 'generation' | 'translation' | 'ocr';

export interface BenchRow {
  model: string;
  task: BenchTask;
  requested: DeviceRequest;
  device: ExecutionDevice;
  batchSize: number;
  items: number;
  itemsPerSec: number;
  /** Warm: from the call to its first finished batch. */
  firstResultMs: number;
}

export interface BenchModelRow {
  model: string;
  requested: DeviceRequest;
  device: ExecutionDevice | null;
  /** Cold: a new model process, loading the model, first batch of one item. */
  coldFirstResultMs: number | null;
  /** Peak resident memory of the model process over the whole run, MiB. */
  peakRssMiB: number | null;
  error: string | null;
}

export interface BenchReport {
  machine: { platform: string; arch: string; cpus: number; cpuModel: string; node: string };
  rows: BenchRow[];
  models: BenchModelRow[];
}

export interface BenchOptions {
  models?: ModelsConfig;
  ids?: string[];
  devices?: DeviceRequest[];
  batchSizes?: number[];
  /** Items per measurement (default 64; 8 prompts for generation). */
  items?: number;
  runnerOptions?: ModelRunnerOptions;
  onRow?: (row: BenchRow) => void;
}

const SAMPLE_TEXT = [
  'The patient John Smith was seen on 2021-03-04 at the hospital.',
  'Chest x ray: the lungs are clear, no effusion, heart size normal.',
  'Dr Garcia reviewed the left lung findings with the patient.',
  'Impression: no pneumonia.',
];
const SAMPLE_ES = [
  'El paciente sin derrame.',
  'Radiografía de tórax normal.',
  'Pulmón izquierdo sin hallazgos.',
];

/** A 256×256 8-bit grayscale gradient with a disc: what a rendered chest film looks like to a pipeline. */
export function sampleImage(seed = 0, size = 256): PixelImage {
  const data = new Uint8Array(size * size);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const d = Math.hypot(x - size / 2, y - size / 2) < size / 4 ? 80 : 0;
      data[y * size + x] = (x + y + seed * 37 + d) & 255;
    }
  return { width: size, height: size, channels: 1, data };
}

function cycle<T>(src: readonly T[], n: number): T[] {
  return Array.from({ length: n }, (_, i) => src[i % src.length] as T);
}

type Job = {
  task: BenchTask;
  run: (r: ModelRunner, n: number, batch: number) => Promise<RunInfo>;
  items: number;
};

function jobsFor(task: string, model: string, items: number): Job[] {
  const images = Array.from({ length: items }, (_, i) => sampleImage(i));
  switch (task) {
    case 'feature-extraction':
      return [
        {
          task: 'text-embedding',
          items,
          run: async (r, n, b) => (await r.embedTexts(model, cycle(SAMPLE_TEXT, n), { batchSize: b })).run,
        },
      ];
    case 'image-text-embedding':
      return [
        {
          task: 'image-embedding',
          items,
          run: async (r, n, b) => (await r.embedImages(model, images.slice(0, n), { batchSize: b })).run,
        },
        {
          task: 'image-text-align',
          items,
          run: async (r, n, b) =>
            (
              await r.alignImageText(
                model,
                images.slice(0, n).map((image, i) => ({ image, text: SAMPLE_TEXT[i % 4] ?? '' })),
                { batchSize: b },
              )
            ).run,
        },
      ];
    case 'token-classification':
      return [
        {
          task: 'ner',
          items,
          run: async (r, n, b) =>
            (await r.recognizeEntities(model, cycle(SAMPLE_TEXT, n), { batchSize: b })).run,
        },
      ];
    case 'text-generation':
      return [
        {
          task: 'generation',
          items: Math.min(items, 8),
          run: async (r, n, b) =>
            (
              await r.generateText(
                model,
                cycle(SAMPLE_TEXT, n).map((t) => [{ role: 'user' as const, content: `Rewrite: ${t}` }]),
                { batchSize: b, maxNewTokens: 16 },
              )
            ).run,
        },
      ];
    case 'translation':
      return [
        {
          task: 'translation',
          items,
          run: async (r, n, b) =>
            (await r.translate(model, cycle(SAMPLE_ES, n), { batchSize: b, maxNewTokens: 32 })).run,
        },
      ];
    case 'text-ocr':
      return [
        {
          task: 'ocr',
          items: Math.min(items, 8),
          run: async (r, n, b) => (await r.readText(model, images.slice(0, n), { batchSize: b })).run,
        },
      ];
    default:
      return [];
  }
}

/**
 * Benchmarks every complete model on each device: items/s at each batch size, time to first result (cold
 * and warm), peak memory of the model process. One fresh model process per model and device.
 */
export async function benchModels(opts: BenchOptions = {}): Promise<BenchReport> {
  const list = listModels(opts.models);
  const devices = opts.devices ?? ['cpu'];
  const batchSizes = opts.batchSizes ?? [1, 8, 32];
  const items = opts.items ?? 64;
  const rows: BenchRow[] = [];
  const models: BenchModelRow[] = [];
  const present = list.models.filter(
    (m) => m.status === 'found' && (!opts.ids || opts.ids.includes(m.manifest.id)),
  );
  for (const entry of present) {
    const id = entry.manifest.id;
    for (const requested of devices) {
      const runner = new ModelRunner({ ...opts.runnerOptions, models: opts.models, device: requested });
      const summary: BenchModelRow = {
        model: id,
        requested,
        device: null,
        coldFirstResultMs: null,
        peakRssMiB: null,
        error: null,
      };
      try {
        const jobs = jobsFor(entry.manifest.task, id, items);
        const cold = jobs[0] ? await jobs[0].run(runner, 1, 1) : null;
        summary.coldFirstResultMs = cold?.firstResultMs ?? null;
        summary.device = cold?.device ?? null;
        for (const job of jobs) {
          for (const batchSize of batchSizes) {
            const n = Math.max(job.items, batchSize);
            const run = await job.run(runner, n, batchSize);
            const row: BenchRow = {
              model: id,
              task: job.task,
              requested,
              device: run.device,
              batchSize,
              items: n,
              itemsPerSec: n / (run.ms / 1000),
              firstResultMs: run.firstResultMs,
            };
            rows.push(row);
            opts.onRow?.(row);
          }
        }
        summary.peakRssMiB = (await runner.stats()).peakRss / 2 ** 20;
      } catch (err) {
        summary.error = (err as Error).message;
      } finally {
        runner.close();
      }
      models.push(summary);
    }
  }
  const cpus = os.cpus();
  return {
    machine: {
      platform: process.platform,
      arch: process.arch,
      cpus: cpus.length,
      cpuModel: cpus[0]?.model ?? 'unknown',
      node: process.version,
    },
    rows,
    models,
  };
}

/** The bench as a table (what `medprep models bench` prints without --json). */
export function formatBench(report: BenchReport): string {
  const head = ['MODEL', 'TASK', 'DEVICE', 'BATCH', 'ITEMS/S', 'FIRST (ms)'];
  const body = report.rows.map((r) => [
    r.model,
    r.task,
    r.device === r.requested ? r.device : `${r.device} (asked ${r.requested})`,
    String(r.batchSize),
    r.itemsPerSec.toFixed(1),
    r.firstResultMs.toFixed(1),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? '').length)));
  const line = (c: string[]) =>
    c.map((x, i) => (i >= 3 ? x.padStart(widths[i] ?? 0) : x.padEnd(widths[i] ?? 0))).join('  ');
  const m = report.machine;
  const out = [
    `${m.cpuModel} × ${m.cpus}, ${m.platform}-${m.arch}, Node ${m.node}`,
    '',
    line(head),
    ...body.map(line),
    '',
  ];
  for (const s of report.models) {
    const what = s.error
      ? `failed: ${s.error}`
      : `cold first result ${s.coldFirstResultMs?.toFixed(0)} ms on ${s.device}, peak RSS of the model process ${s.peakRssMiB?.toFixed(0)} MiB`;
    out.push(`${s.model} (${s.requested}): ${what}`);
  }
  return out.join('\n');
}
