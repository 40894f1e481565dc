/**
 * `medprep models list|check|bench`: the on-device models, through native-models. `check` exits 1 when a
 * model is corrupt or fails to load (missing models are reported, not failures: they are optional).
 */
import {
  DEVICE_REQUESTS,
  benchModels,
  checkModels,
  formatBench,
  formatChecks,
  formatModelList,
  listModels,
  type DeviceRequest,
  type ModelCheck,
} from '../../../native-models/index.ts';
import { UsageError, print, type Command, type CommandContext } from '../shared.ts';

const ACTIONS = ['list', 'check', 'bench'] as const;

export const modelsCommand: Command = {
  usage: 'models list|check|bench [MODEL…] [--device DEVICE]',
  summary: 'on-device models: where they are, verify and load them, measure them',
  positionals: [1, Number.MAX_SAFE_INTEGER],
  options: {
    device: { type: 'string', help: `where models run: ${DEVICE_REQUESTS.join(', ')}` },
  },
  run: models,
};

function device(value: string): DeviceRequest {
  if (!(DEVICE_REQUESTS as readonly string[]).includes(value))
    throw new UsageError(`--device must be one of ${DEVICE_REQUESTS.join(', ')} (got "${value}")`);
  return value as DeviceRequest;
}

/** One line naming what failed: the first failing model's first problem (it names the file). */
export function checkFailure(checks: ModelCheck[]): string | null {
  const bad = checks.filter((c) => c.status === 'corrupt' || c.status === 'load-failed');
  if (bad.length === 0) return null;
  const first = bad[0]!;
  const why =
    first.status === 'corrupt'
      ? (first.problems.find((p) => p.kind !== 'unpinned')?.message ?? `model "${first.id}" is corrupt`)
      : `model "${first.id}" failed to load: ${first.error ?? 'unknown error'}`;
  return bad.length === 1 ? why : `${why} (and ${bad.length - 1} more failing models)`;
}

async function models(ctx: CommandContext): Promise<void> {
  const [action, ...ids] = ctx.args as [string, ...string[]];
  if (!(ACTIONS as readonly string[]).includes(action))
    throw new UsageError(`unknown models action "${action}" (use ${ACTIONS.join(', ')})`);
  const deviceArg = typeof ctx.values.device === 'string' ? ctx.values.device : undefined;
  const only = ids.length > 0 ? ids : undefined;

  if (action === 'list') {
    if (deviceArg !== undefined) throw new UsageError('models list takes no --device');
    const list = listModels();
    const models = only ? list.models.filter((m) => only.includes(m.manifest.id)) : list.models;
    const unknown = (only ?? []).filter((id) => !list.models.some((m) => m.manifest.id === id));
    if (unknown.length > 0) throw new Error(`unknown model ${unknown.map((u) => `"${u}"`).join(', ')}`);
    print(ctx, { ...list, models }, formatModelList({ ...list, models }));
    return;
  }

  if (action === 'check') {
    const { list, checks } = await checkModels({
      ids: only,
      ...(deviceArg === undefined ? {} : { device: device(deviceArg) }),
    });
    print(ctx, { dirs: list.dirs, invalid: list.invalid, checks }, formatChecks(checks));
    const failure = checkFailure(checks);
    if (failure) throw new Error(failure);
    return;
  }

  const devices = (deviceArg ?? 'cpu').split(',').map((d) => device(d.trim()));
  const report = await benchModels({ ids: only, devices });
  print(ctx, report, formatBench(report));
}
