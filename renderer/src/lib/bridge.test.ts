import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { JobInfo, ProjectInfo } from './api.ts';
import { apiUrl, createSocketBridge, type ConnectionState, type SocketBridge } from './bridge.ts';
import { startEngine, type EngineHarness } from '../../../test/support/engine-bridge.ts';
import { LoopbackServer } from '../../../test/support/loopback-socket.ts';

let h: EngineHarness;
let server: LoopbackServer;
let bridge: SocketBridge;

beforeEach(() => {
  h = startEngine();
  server = new LoopbackServer(h.engine);
  bridge = createSocketBridge({
    url: 'ws://test/api',
    createSocket: server.connect,
    minDelayMs: 5,
    maxDelayMs: 20,
  });
});

afterEach(async () => {
  bridge.close();
  await h.dispose();
});

describe('the browser bridge', () => {
  it('talks to the page’s own server on /api, wss under https', () => {
    expect(apiUrl({ protocol: 'http:', host: '127.0.0.1:4321' })).toBe('ws://127.0.0.1:4321/api');
    expect(apiUrl({ protocol: 'https:', host: 'medprep.local' })).toBe('wss://medprep.local/api');
  });

  it('queues invokes made before the socket opens and resolves them with the engine’s answers', async () => {
    expect(bridge.connectionState()).toBe('connecting');
    const [info, current] = await Promise.all([
      bridge.invoke('app.info', {}),
      bridge.invoke('project.current', {}),
    ]);
    expect(info.name).toBe('MedPrep');
    expect(current).toBeNull();
    expect(bridge.connectionState()).toBe('open');
  });

  it('rejects with the engine’s message and code', async () => {
    const err = await bridge.invoke('project.stats', {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({ message: 'No project is open.', code: 'no-project' });
  });

  it('delivers engine events to its listeners until they unsubscribe', async () => {
    const changes: (ProjectInfo | null)[] = [];
    const jobs: JobInfo[] = [];
    const off = bridge.on('project.changed', (p) => changes.push(p));
    bridge.on('job.updated', (j) => jobs.push(j));
    const project = await bridge.invoke('project.create', { dir: h.at('p'), name: 'Events' });
    await vi.waitFor(() => expect(changes).toEqual([project]));
    off();
    await bridge.invoke('project.close', {});
    await new Promise((r) => setTimeout(r, 20));
    expect(changes).toHaveLength(1);
    expect(jobs).toEqual([]);
  });

  it('rejects invokes lost with a dropped connection, then reconnects and carries on', async () => {
    const states: ConnectionState[] = [];
    bridge.onConnectionChange((s) => states.push(s));
    await bridge.invoke('app.info', {});

    server.accepting = false;
    const lost = bridge.invoke('project.current', {});
    server.dropAll();
    await expect(lost).rejects.toMatchObject({ code: 'unavailable' });
    expect(bridge.connectionState()).toBe('reconnecting');

    // Made while the server is down: it waits in the queue rather than failing.
    const queued = bridge.invoke('project.current', {});
    await new Promise((r) => setTimeout(r, 30));
    server.accepting = true;
    await expect(queued).resolves.toBeNull();
    expect(states).toEqual(['open', 'reconnecting', 'open']);
    expect(server.connections).toBeGreaterThan(2);
  });

  it('rejects everything once closed for good', async () => {
    const pending = bridge.invoke('app.info', {});
    bridge.close();
    await expect(pending).rejects.toMatchObject({ code: 'unavailable' });
    await expect(bridge.invoke('app.info', {})).rejects.toThrow('closed');
  });
});
