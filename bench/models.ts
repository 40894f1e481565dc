// Models benchmark: node bench/models.ts [--json] [--device cpu,webgpu,…] [--real] [--items N]
// Per task and device: items/s at batch sizes 1, 8 and 32, time to first result (cold and warm) and the
// model process's peak memory. By default it runs the committed tiny test models (which measure the layer's
// overhead: process, IPC, tokenisation, session calls); --real runs the models installed in the user's
// model folders instead. `medprep models bench --json` reuses benchModels().
import { parseArgs } from 'node:util';
import { DEVICE_REQUESTS, benchModels, formatBench } from '../native-models/index.ts';
import type { BenchOptions, BenchReport, DeviceRequest } from '../native-models/index.ts';
import { TEST_MODELS } from '../native-models/test-helpers.ts';

export { benchModels, formatBench };
export type { BenchOptions, BenchReport };

function parseDevices(arg: string | undefined): DeviceRequest[] {
  const list = (arg ?? 'cpu').split(',').map((d) => d.trim());
  const bad = list.filter((d) => !DEVICE_REQUESTS.includes(d as DeviceRequest));
  if (bad.length > 0) throw new Error(`unknown device ${bad.join(', ')} (use ${DEVICE_REQUESTS.join(', ')})`);
  return list as DeviceRequest[];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean', default: false },
      device: { type: 'string' },
      real: { type: 'boolean', default: false },
      items: { type: 'string' },
    },
  });
  const report = await benchModels({
    models: values.real ? undefined : TEST_MODELS,
    devices: parseDevices(values.device),
    items: values.items ? Number(values.items) : undefined,
  });
  process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatBench(report)}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
