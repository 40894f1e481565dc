import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import type { MedprepBridge } from '../api/contract.ts';

const here = path.dirname(new URL(import.meta.url).pathname);

/**
 * Compiles the preload the way the build does (CommonJS, types erased) and runs it the way a sandboxed renderer
 * does: one function taking (require, process, Buffer, global, setImmediate, clearImmediate, exports, module),
 * whose require() knows 'electron' only.
 */
function loadPreload(replies: Map<string, unknown>) {
  const source = fs.readFileSync(path.join(here, 'preload.cts'), 'utf8');
  const tsconfig = JSON.parse(fs.readFileSync(path.join(here, '../../tsconfig.base.json'), 'utf8')) as {
    compilerOptions: Record<string, unknown>;
  };
  const { options } = ts.convertCompilerOptionsFromJson(tsconfig.compilerOptions, here);
  const js = ts.transpileModule(source, { compilerOptions: options, fileName: 'preload.cts' }).outputText;

  const exposed = new Map<string, unknown>();
  const invoked: [string, unknown][] = [];
  const ipc = new EventEmitter();
  const electron = {
    contextBridge: { exposeInMainWorld: (key: string, api: unknown) => exposed.set(key, api) },
    ipcRenderer: {
      invoke: async (channel: string, args: unknown) => {
        invoked.push([channel, args]);
        return replies.get(channel);
      },
      on: (channel: string, l: (...a: unknown[]) => void) => ipc.on(channel, l),
      removeListener: (channel: string, l: (...a: unknown[]) => void) => ipc.removeListener(channel, l),
    },
  };
  const required: string[] = [];
  const sandboxRequire = (name: string) => {
    required.push(name);
    if (name === 'electron') return electron;
    throw new Error(`a sandboxed preload cannot require ${name}`);
  };
  const wrapper = new vm.Script(
    `(function (require, process, Buffer, global, setImmediate, clearImmediate, exports, module) {\n${js}\n})`,
  );
  const run = wrapper.runInNewContext({}) as (...args: unknown[]) => void;
  const module = { exports: {} };
  run(sandboxRequire, {}, undefined, {}, undefined, undefined, module.exports, module);
  return { js, required, bridge: exposed.get('medprep') as MedprepBridge, exposed, invoked, ipc };
}

describe('preload', () => {
  it('builds to a CommonJS script that requires electron only and exposes window.medprep alone', () => {
    const { js, required, exposed, bridge } = loadPreload(new Map());
    expect(js).not.toMatch(/^\s*import\s/m);
    expect(js).not.toMatch(/^\s*export\s/m);
    expect(required).toEqual(['electron']);
    expect([...exposed.keys()]).toEqual(['medprep']);
    expect(bridge.front).toBe('electron');
    expect(typeof bridge.pickFolder).toBe('function');
  });

  it('unwraps results and turns error replies into thrown errors with the message', async () => {
    const replies = new Map<string, unknown>([
      ['app.info', { ok: true, result: { name: 'MedPrep' } }],
      ['project.stats', { ok: false, error: { code: 'no-project', message: 'No project is open.' } }],
      ['dialog.pickFolder', { ok: true, result: '/data/export' }],
    ]);
    const { bridge, invoked } = loadPreload(replies);
    await expect(bridge.invoke('app.info', {})).resolves.toEqual({ name: 'MedPrep' });
    await expect(bridge.invoke('project.stats', {})).rejects.toThrow('No project is open.');
    await expect(bridge.pickFolder!()).resolves.toBe('/data/export');
    expect(invoked.map(([c]) => c)).toEqual(['app.info', 'project.stats', 'dialog.pickFolder']);
  });

  it('delivers only the subscribed event from medprep:event, until unsubscribed', () => {
    const { bridge, ipc } = loadPreload(new Map());
    const seen: unknown[] = [];
    const off = bridge.on('project.changed', (p) => seen.push(p));
    ipc.emit('medprep:event', {}, 'job.updated', { id: 'j1' });
    ipc.emit('medprep:event', {}, 'project.changed', null);
    off();
    ipc.emit('medprep:event', {}, 'project.changed', { dir: '/x' });
    expect(seen).toEqual([null]);
    expect(ipc.listenerCount('medprep:event')).toBe(0);
  });
});
