import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { DeviceFallback, DeviceRequest, ExecutionDevice } from './types.ts';

/** What this machine offers, found without creating a session. */
export interface DeviceProbe {
  platform: NodeJS.Platform;
  arch: string;
  /** Path of libonnxruntime_providers_cuda.so when found (beside the binding or in LD_LIBRARY_PATH). */
  cudaProviderLibrary: string | null;
  /** Linux only: a Vulkan loader and driver manifest were found (WebGPU needs them there). */
  vulkan: boolean;
  /** Folder of the onnxruntime-node binding in use. */
  bindingDir: string | null;
}

const CUDA_PROVIDER = 'libonnxruntime_providers_cuda.so';

function bindingDir(platform: string, arch: string): string | null {
  try {
    const require = createRequire(import.meta.url);
    const pkg = path.dirname(require.resolve('onnxruntime-node/package.json'));
    const dir = path.join(pkg, 'bin', 'napi-v6', platform, arch);
    return fs.existsSync(dir) ? dir : null;
  } catch {
    return null;
  }
}

function firstExisting(candidates: string[]): string | null {
  return candidates.find((p) => fs.existsSync(p)) ?? null;
}

export function probeDevices(env: NodeJS.ProcessEnv = process.env): DeviceProbe {
  const platform = process.platform;
  const arch = process.arch;
  const binding = bindingDir(platform, arch);
  let cuda: string | null = null;
  let vulkan = false;
  if (platform === 'linux') {
    const libDirs = (env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean);
    cuda = firstExisting([...(binding ? [binding] : []), ...libDirs].map((d) => path.join(d, CUDA_PROVIDER)));
    const loaderDirs = [
      ...libDirs,
      '/usr/lib/x86_64-linux-gnu',
      '/usr/lib/aarch64-linux-gnu',
      '/usr/lib64',
      '/usr/lib',
    ];
    const loader = firstExisting(loaderDirs.map((d) => path.join(d, 'libvulkan.so.1')));
    const icd = ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d'].some(
      (d) => fs.existsSync(d) && fs.readdirSync(d).some((f) => f.endsWith('.json')),
    );
    vulkan = loader !== null && icd;
  }
  return { platform, arch, cudaProviderLibrary: cuda, vulkan, bindingDir: binding };
}

/** The devices to try in order (the CPU always last) and those ruled out before trying. */
export interface DevicePlan {
  tryOrder: ExecutionDevice[];
  skipped: DeviceFallback[];
}

function unavailable(device: ExecutionDevice, probe: DeviceProbe): string | null {
  const where = `${probe.platform}-${probe.arch}`;
  switch (device) {
    case 'cpu':
      return null;
    case 'cuda':
      if (probe.platform !== 'linux' || probe.arch !== 'x64')
        return `CUDA is only built into onnxruntime-node for linux-x64 (this is ${where})`;
      if (!probe.cudaProviderLibrary)
        return `${CUDA_PROVIDER} was not found beside the onnxruntime-node binding or in LD_LIBRARY_PATH (install with ONNXRUNTIME_NODE_INSTALL=cuda12)`;
      return null;
    case 'dml':
      return probe.platform === 'win32' ? null : `DirectML is only available on Windows (this is ${where})`;
    case 'coreml':
      return probe.platform === 'darwin' ? null : `CoreML is only available on macOS (this is ${where})`;
    case 'webgpu':
      if (probe.platform === 'linux' && probe.arch !== 'x64')
        return `onnxruntime-node has no WebGPU build for ${where}`;
      return null;
  }
}

/**
 * Plans a request. An explicit device is tried even when a probe doubts it (the session decides), except
 * where it cannot exist at all; 'auto' only tries what the probe found, so it does not spend seconds on
 * adapters that are not there.
 */
export function planDevices(request: DeviceRequest, probe: DeviceProbe): DevicePlan {
  const skipped: DeviceFallback[] = [];
  const tryOrder: ExecutionDevice[] = [];
  const consider = (device: ExecutionDevice) => {
    const reason = unavailable(device, probe);
    if (reason) skipped.push({ device, reason });
    else tryOrder.push(device);
  };
  if (request === 'auto') {
    if (probe.platform === 'linux' && probe.arch === 'x64' && probe.cudaProviderLibrary)
      tryOrder.push('cuda');
    if (probe.platform === 'win32') tryOrder.push('dml');
    if (probe.platform === 'darwin') tryOrder.push('coreml');
    if (probe.platform !== 'linux' || probe.vulkan) consider('webgpu');
  } else if (request !== 'cpu') {
    consider(request);
  }
  tryOrder.push('cpu');
  return { tryOrder, skipped };
}
