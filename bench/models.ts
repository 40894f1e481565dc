// Models benchmark: node bench/models.ts [--json] [--device cpu,webgpu,…] [--real] [--items N]
// Per task and device: items/s at batch sizes 1, 8 and 32, time to first result (cold and warm) and the
// model process's peak memory. By default it runs the committed tiny test models (which measure the layer's
// overhead: process, IPC, tokenisation, session calls); --real runs the models installed in the user's
// model folders instead. `medprep models bench --json` reuses benchModels(). bench/run.ts calls run().
import { parseArgs } from 'node:util';
import { DEVICE_REQUESTS, benchModels, formatBench } from '../native-models/index.ts';
import type { BenchOptions, BenchReport, DeviceRequest } from '../native-models/index.ts';
import { TEST_MODELS } from '../native-models/test-helpers.ts';
import { isMain, type BenchResult, type BenchOptions as RunOptions, type Figure } from './lib/types.ts';

export { benchModels, formatBench };
export type { BenchOptions, BenchReport };

function parseDevices(arg: string | undefined): DeviceRequest[] {
  const list = (arg ?? 'cpu').split(',').map((d) => d.trim());
  const bad = list.filter((d) => !DEVICE_REQUESTS.includes(d as DeviceRequest));
  if (bad.length > 0) throw new Error(`unknown device ${bad.join(', ')} (use ${DEVICE_REQUESTS.join(', ')})`);
  return list as DeviceRequest[];
}

function options(argv: string[]) {
  return parseArgs({
    args: argv,
    options: {
      json: { type: 'boolean', default: false },
      device: { type: 'string' },
      real: { type: 'boolean', default: false },
      items: { type: 'string' },
    },
    strict: false,
  }).values;
}

function report(values: ReturnType<typeof options>): Promise<BenchReport> {
  return benchModels({
    models: values.real ? undefined : TEST_MODELS,
    devices: parseDevices(typeof values.device === 'string' ? values.device : undefined),
    items: typeof values.items === 'string' ? Number(values.items) : undefined,
  });
}

/**
 * For bench/run.ts: items/s per model, device and batch size, each batch size > 1 against batch size 1 of
 * the same model and device in the same run.
 */
export async function run(opts: RunOptions): Promise<BenchResult> {
  const values = options(opts.argv);
  const r = await report(values);
  const figures: Figure[] = r.rows.map((row) => {
    const single =
      row.batchSize === 1
        ? undefined
        : r.rows.find(
            (o) =>
              o.model === row.model && o.task === row.task && o.device === row.device && o.batchSize === 1,
          );
    return {
      label: `${row.model} ${row.task} on ${row.device}, batch ${row.batchSize}`,
      value: row.itemsPerSec,
      unit: 'items/s',
      ...(single
        ? {
            baseline: { label: 'batch 1', value: single.itemsPerSec },
            ratio: row.itemsPerSec / single.itemsPerSec,
          }
        : {}),
    };
  });
  for (const m of r.models) {
    if (m.peakRssMiB !== null)
      figures.push({ label: `${m.model} model process peak RSS`, value: m.peakRssMiB, unit: 'MiB' });
  }
  return {
    name: 'models',
    figures,
    notes: [
      values.real
        ? 'installed models (--real)'
        : 'tiny random-weight test models: the layer overhead (process, IPC, tokenisation, session calls)',
      ...r.models.filter((m) => m.error).map((m) => `${m.model} (${m.requested}) failed: ${m.error}`),
    ],
  };
}

async function main(): Promise<void> {
  const values = options(process.argv.slice(2));
  const r = await report(values);
  process.stdout.write(values.json ? `${JSON.stringify(r, null, 2)}\n` : `${formatBench(r)}\n`);
}

if (isMain(import.meta.url)) await main();
