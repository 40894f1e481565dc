import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANNELS } from '../api/contract.ts';
import { Engine } from '../engine/index.ts';
import { PICK_FOLDER_CHANNEL, forwardEvents, registerIpc, type IpcReply } from './ipc.ts';

type Handler = (event: IpcMainInvokeEvent, args?: unknown) => Promise<IpcReply>;

function fakeIpcMain() {
  const handlers = new Map<string, Handler>();
  const ipcMain = {
    handle: (channel: string, h: Handler) => handlers.set(channel, h),
    removeHandler: (channel: string) => handlers.delete(channel),
  };
  return { ipcMain: ipcMain as unknown as Pick<IpcMain, 'handle' | 'removeHandler'>, handlers };
}

const fromFrame = (url: string) => ({ senderFrame: { url } }) as unknown as IpcMainInvokeEvent;
const APP = fromFrame('app://medprep/index.html');

describe('Electron IPC', () => {
  let tmp: string;
  let engine: Engine;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'medprep-ipc-'));
    engine = new Engine({
      sampleProjectDir: path.join(tmp, 'sample'),
      sampleDataDir: path.join(tmp, 'none'),
    });
    await engine.invoke('project.create', { dir: path.join(tmp, 'project') });
  });

  afterAll(async () => {
    await engine.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('handles every contract channel plus the folder picker, and nothing else', () => {
    const { ipcMain, handlers } = fakeIpcMain();
    const unregister = registerIpc(ipcMain, { engine, pickFolder: async () => null });
    expect([...handlers.keys()].sort()).toEqual([...CHANNELS, PICK_FOLDER_CHANNEL].sort());
    unregister();
    expect(handlers.size).toBe(0);
  });

  it('answers results and errors as values, since Electron mangles thrown errors', async () => {
    const { ipcMain, handlers } = fakeIpcMain();
    registerIpc(ipcMain, { engine, pickFolder: async () => '/picked' });
    expect(await handlers.get('app.info')!(APP, {})).toMatchObject({ ok: true, result: { name: 'MedPrep' } });
    expect(await handlers.get('project.current')!(APP, {})).toMatchObject({
      ok: true,
      result: { dir: path.join(tmp, 'project') },
    });
    expect(await handlers.get('project.open')!(APP, { dir: 5 })).toEqual({
      ok: false,
      error: { code: 'bad-request', message: 'dir: Invalid input: expected string, received number' },
    });
    expect(await handlers.get(PICK_FOLDER_CHANNEL)!(APP)).toEqual({ ok: true, result: '/picked' });
  });

  it('refuses calls from any frame that is not the app page', async () => {
    const { ipcMain, handlers } = fakeIpcMain();
    let picked = false;
    registerIpc(ipcMain, {
      engine,
      pickFolder: async () => {
        picked = true;
        return null;
      },
    });
    for (const event of [
      fromFrame('https://example.com/'),
      fromFrame('file:///x.html'),
      {} as IpcMainInvokeEvent,
    ]) {
      expect(await handlers.get('project.current')!(event, {})).toMatchObject({
        ok: false,
        error: { code: 'bad-request' },
      });
      expect(await handlers.get(PICK_FOLDER_CHANNEL)!(event)).toMatchObject({ ok: false });
    }
    expect(picked).toBe(false);
  });

  it('forwards every engine event until unsubscribed', async () => {
    const sent: [string, unknown][] = [];
    const stop = forwardEvents(engine, (event, payload) => sent.push([event, payload]));
    await engine.invoke('project.close', {});
    expect(sent).toEqual([['project.changed', null]]);
    stop();
    await engine.invoke('project.open', { dir: path.join(tmp, 'project') });
    expect(sent).toHaveLength(1);
  });
});
