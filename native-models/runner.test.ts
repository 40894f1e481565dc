import { afterEach, describe, expect, it } from 'vitest';
import { planDevices, probeDevices } from './devices.ts';
import type { DeviceProbe } from './devices.ts';
import { TEST_HOOKS_ENV } from './protocol.ts';
import { ModelRunner, forkHost } from './runner.ts';
import type { SpawnHost } from './runner.ts';
import { TEST_MODELS } from './test-helpers.ts';

const runners: ModelRunner[] = [];
function runner(opts: ConstructorParameters<typeof ModelRunner>[0] = {}): ModelRunner {
  const r = new ModelRunner({ models: TEST_MODELS, device: 'cpu', ...opts });
  runners.push(r);
  return r;
}
afterEach(() => {
  for (const r of runners.splice(0)) r.close();
});

const TEXTS = Array.from({ length: 10 }, (_, i) => `chest x ray ${i} no effusion`);

describe('device selection', () => {
  const linux: DeviceProbe = {
    platform: 'linux',
    arch: 'x64',
    cudaProviderLibrary: null,
    vulkan: false,
    bindingDir: null,
  };

  it('auto on Linux without CUDA libraries or Vulkan runs on the CPU straight away', () => {
    expect(planDevices('auto', linux)).toEqual({ tryOrder: ['cpu'], skipped: [] });
  });

  it('auto tries CUDA when its provider library is installed, WebGPU when Vulkan is, then the CPU', () => {
    const probe = { ...linux, cudaProviderLibrary: '/x/libonnxruntime_providers_cuda.so', vulkan: true };
    expect(planDevices('auto', probe).tryOrder).toEqual(['cuda', 'webgpu', 'cpu']);
  });

  it('auto tries DirectML on Windows and CoreML on macOS before WebGPU and the CPU', () => {
    expect(planDevices('auto', { ...linux, platform: 'win32' }).tryOrder).toEqual(['dml', 'webgpu', 'cpu']);
    expect(planDevices('auto', { ...linux, platform: 'darwin', arch: 'arm64' }).tryOrder).toEqual([
      'coreml',
      'webgpu',
      'cpu',
    ]);
  });

  it('cuda without its provider library falls back to the CPU with the reason', () => {
    const plan = planDevices('cuda', linux);
    expect(plan.tryOrder).toEqual(['cpu']);
    expect(plan.skipped[0]?.reason).toMatch(/libonnxruntime_providers_cuda\.so was not found/);
  });

  it('dml and coreml elsewhere are ruled out with the reason', () => {
    expect(planDevices('dml', linux).skipped[0]?.reason).toMatch(/only available on Windows/);
    expect(planDevices('coreml', linux).skipped[0]?.reason).toMatch(/only available on macOS/);
  });

  it('asking for webgpu where it cannot start runs on the CPU and records why', async () => {
    const probe = probeDevices();
    const r = await runner().embedTexts('test-text-embed', ['a'], { device: 'webgpu' });
    expect(r.run.requested).toBe('webgpu');
    if (r.run.device === 'cpu') {
      expect(r.run.fallbacks[0]?.device).toBe('webgpu');
      expect(r.run.fallbacks[0]?.reason.length).toBeGreaterThan(10);
    } else {
      // A machine with a working WebGPU adapter (Vulkan on Linux) really runs there.
      expect(probe.platform === 'linux' ? probe.vulkan : true).toBe(true);
      expect(r.run.device).toBe('webgpu');
    }
  });

  it('asking for cuda without the CUDA provider runs on the CPU and records why', async () => {
    const r = await runner().recognizeEntities('test-ner', ['John Smith'], { device: 'cuda' });
    if (r.run.device === 'cpu') expect(r.run.fallbacks.map((f) => f.device)).toEqual(['cuda']);
    else expect(r.run.device).toBe('cuda');
  });
});

describe('the model process', () => {
  it('a native crash is reported to the caller and the next call starts a fresh process', async () => {
    const r = runner({ env: { ...process.env, [TEST_HOOKS_ENV]: '1' } });
    const before = await r.embedTexts('test-text-embed', ['a']);
    const pid = r.pid;
    await expect(r.crashForTest()).rejects.toMatchObject({
      code: 'crashed',
      message: expect.stringMatching(/the model process stopped \(signal SIGABRT\)/),
    });
    const after = await r.embedTexts('test-text-embed', ['a']);
    expect(r.pid).not.toBe(pid);
    expect(r.processesStarted).toBe(2);
    expect(after.vectors).toEqual(before.vectors);
  });

  it('ignores the crash message unless the test hook variable is set', async () => {
    const env = { ...process.env };
    delete env[TEST_HOOKS_ENV];
    const r = runner({ env });
    await expect(r.crashForTest()).rejects.toThrow(/test hooks are disabled/);
    await expect(r.embedTexts('test-text-embed', ['a'])).resolves.toBeDefined();
    expect(r.processesStarted).toBe(1);
  });

  it('starts the process through the injected spawn function (how Electron passes utilityProcess.fork)', async () => {
    const spawned: string[] = [];
    const spawn: SpawnHost = (script, opts) => {
      spawned.push(script);
      return forkHost(script, opts);
    };
    await runner({ spawn }).embedTexts('test-text-embed', ['a']);
    expect(spawned).toHaveLength(1);
    expect(spawned[0]).toMatch(/host\.(ts|js)$/);
  });

  it('keeps one session per model across batches and calls', async () => {
    const r = runner();
    await r.embedTexts('test-text-embed', TEXTS, { batchSize: 3 });
    await r.embedTexts('test-text-embed', TEXTS, { batchSize: 5 });
    const stats = await r.stats();
    expect(stats.loads).toBe(1);
    expect(stats.loaded).toEqual([{ model: 'test-text-embed', device: 'cpu' }]);
    expect(stats.peakRss).toBeGreaterThan(10 * 2 ** 20);
  });
});

describe('batches, back-pressure and cancel', () => {
  it('splits work into batches, reports progress after each, and gives the same vectors as one batch', async () => {
    const r = runner();
    const progress: number[] = [];
    const batched = await r.embedTexts('test-text-embed', TEXTS, {
      batchSize: 3,
      onProgress: (p) => progress.push(p.done),
    });
    const whole = await r.embedTexts('test-text-embed', TEXTS, { batchSize: 10 });
    expect(batched.run.batches).toBe(4);
    expect(progress).toEqual([3, 6, 9, 10]);
    expect(batched.vectors).toHaveLength(10);
    batched.vectors.forEach((v, i) => {
      const w = whole.vectors[i] ?? new Float32Array();
      v.forEach((x, k) => expect(x).toBeCloseTo(w[k] ?? NaN, 5));
    });
  });

  it('never queues more requests than allowed; callers beyond that wait their turn', async () => {
    const r = runner({ maxQueue: 2 });
    const [a, b] = await Promise.all([
      r.embedTexts('test-text-embed', TEXTS, { batchSize: 1 }),
      r.recognizeEntities('test-ner', TEXTS, { batchSize: 1 }),
    ]);
    expect(a.vectors).toHaveLength(10);
    expect(b.entities).toHaveLength(10);
    expect(r.maxQueuedSeen).toBe(2);
  });

  it('cancel stops the remaining batches, rejects with AbortError, and the runner keeps working', async () => {
    const r = runner();
    const ac = new AbortController();
    const seen: number[] = [];
    const texts = Array.from({ length: 200 }, (_, i) => `the patient ${i}`);
    const call = r.recognizeEntities('test-ner', texts, {
      batchSize: 1,
      signal: ac.signal,
      onProgress: (p) => {
        seen.push(p.done);
        if (p.done === 2) ac.abort();
      },
    });
    await expect(call).rejects.toMatchObject({ name: 'AbortError' });
    expect(Math.max(...seen)).toBeLessThan(200);
    const again = await r.recognizeEntities('test-ner', ['John Smith']);
    expect(again.entities[0]?.[0]?.text).toBe('John Smith');
  });

  it('a call whose signal is already aborted does not start', async () => {
    const r = runner();
    await expect(
      r.embedTexts('test-text-embed', ['a'], { signal: AbortSignal.abort() }),
    ).rejects.toMatchObject({
      name: 'AbortError',
    });
    expect(r.processesStarted).toBe(0);
  });
});
