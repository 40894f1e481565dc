// The model process. Started by a ModelRunner with child_process.fork (CLI, engine, tests) or Electron's
// utilityProcess.fork (the app), with the same script and the same messages (protocol.ts). Native code
// (onnxruntime, GPU drivers) runs here, so a crash takes down this process only and the parent reports it.
import { planDevices, probeDevices } from './devices.ts';
import { configureOffline, loadTask } from './host-tasks.ts';
import type { TaskHandle } from './host-tasks.ts';
import { parentLink, type ParentLink } from './parent-link.ts';
import { TEST_HOOKS_ENV } from './protocol.ts';
import type { HostReply, HostRequest, ModelSpec, RunReply } from './protocol.ts';
import type { DeviceFallback, DeviceRequest, ExecutionDevice, HostStats, LoadInfo } from './types.ts';

function connect(): ParentLink<HostRequest, HostReply> {
  const link = parentLink<HostRequest, HostReply>('the model host');
  if (!link.utility) process.on('disconnect', () => process.exit(0));
  return link;
}

interface Loaded {
  handle: TaskHandle;
  info: LoadInfo;
}

const loaded = new Map<string, Promise<Loaded>>();
let loads = 0;
let peakRss = 0;

/** One readable line: onnxruntime prefixes its messages with a source location and a function signature. */
function firstLine(err: unknown): string {
  const m = err instanceof Error ? err.message : String(err);
  let line = (m.split('\n').find((l) => l.trim() !== '') ?? 'unknown error').trim();
  line = line.replace(/^\S+\.(cc|cpp|h):\d+\s+/, '');
  const assertion = line.lastIndexOf(' was false. ');
  if (assertion >= 0) line = line.slice(assertion + ' was false. '.length);
  return line.slice(0, 300);
}

async function load(spec: ModelSpec, requested: DeviceRequest): Promise<Loaded> {
  const plan = planDevices(requested, probeDevices());
  const fallbacks: DeviceFallback[] = [...plan.skipped];
  for (const device of plan.tryOrder) {
    const t0 = performance.now();
    try {
      const handle = await loadTask(spec, device);
      loads++;
      const info: LoadInfo = {
        model: spec.id,
        requested,
        device,
        fallbacks,
        loadMs: performance.now() - t0,
        cached: false,
      };
      return { handle, info };
    } catch (err) {
      fallbacks.push({ device, reason: firstLine(err) });
    }
  }
  const last = fallbacks.at(-1);
  throw new Error(
    `model "${spec.id}" could not be loaded on ${last?.device ?? 'cpu'}: ${last?.reason ?? 'no device'}`,
  );
}

/** One session per model and requested device, reused across batches; a failed load is not cached. */
function getLoaded(spec: ModelSpec, device: DeviceRequest): Promise<Loaded> {
  const key = `${spec.id}\u0000${spec.dir}\u0000${device}`;
  let p = loaded.get(key);
  if (!p) {
    p = load(spec, device);
    loaded.set(key, p);
    p.catch(() => loaded.delete(key));
  }
  return p;
}

function stats(): HostStats {
  const rss = process.memoryUsage.rss();
  // maxRSS is in kilobytes; it also covers peaks between samples.
  peakRss = Math.max(peakRss, rss, process.resourceUsage().maxRSS * 1024);
  return { pid: process.pid, rss, peakRss, loads, loaded: [] };
}

async function handle(req: HostRequest): Promise<LoadInfo | RunReply | HostStats> {
  switch (req.type) {
    case 'load': {
      const wasLoaded = loaded.has(`${req.model.id}\u0000${req.model.dir}\u0000${req.device}`);
      const { info } = await getLoaded(req.model, req.device);
      return { ...info, cached: wasLoaded };
    }
    case 'run': {
      const { handle: task, info } = await getLoaded(req.model, req.device);
      const output = await task.run(req.payload);
      return { output, load: info, stats: stats() };
    }
    case 'stats': {
      const s = stats();
      const all = await Promise.allSettled(loaded.values());
      const models = all.flatMap((r) =>
        r.status === 'fulfilled'
          ? [{ model: r.value.info.model, device: r.value.info.device as ExecutionDevice }]
          : [],
      );
      return { ...s, loaded: models };
    }
    case 'test-abort':
      if (process.env[TEST_HOOKS_ENV] !== '1')
        throw new Error(`test hooks are disabled (set ${TEST_HOOKS_ENV}=1)`);
      process.abort();
  }
}

const port = connect();
configureOffline();
// Requests are answered one at a time, in order: one model process works on one batch at a time.
let chain: Promise<unknown> = Promise.resolve();
port.onMessage((req) => {
  chain = chain.then(() =>
    handle(req).then(
      (result) => port.send({ type: 'reply', id: req.id, ok: true, result }),
      (err: unknown) => port.send({ type: 'reply', id: req.id, ok: false, error: firstLine(err) }),
    ),
  );
});
port.send({ type: 'ready', pid: process.pid });
