// IPC between the window and the engine: one handler per contract channel, engine events pushed on one
// channel. Electron objects are passed in (types only are imported), so this is tested without the binary.
import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import { CHANNELS, EVENTS, type ApiErrorShape, type EventName } from '../api/contract.ts';
import { ApiError, toErrorShape, type Engine } from '../engine/index.ts';
import { isAppUrl } from './policy.ts';

/** What every invoke answers. Electron strips thrown errors down to a message with a prefix, so errors travel as values. */
export type IpcReply<T = unknown> = { ok: true; result: T } | { ok: false; error: ApiErrorShape };

/** The one main → renderer channel; every engine event travels on it as (event, payload). */
export const EVENT_CHANNEL = 'medprep:event';
export type EventChannel = typeof EVENT_CHANNEL;
/** The native folder picker, the Electron front's one channel outside the contract. */
export const PICK_FOLDER_CHANNEL = 'dialog.pickFolder';
export type PickFolderChannel = typeof PICK_FOLDER_CHANNEL;

export interface IpcDeps {
  /** The engine in its utility process (EngineClient), or in this process in tests. */
  engine: Pick<Engine, 'invoke'>;
  /** Shows the native folder picker for the window that asked; null when cancelled. */
  pickFolder(event: IpcMainInvokeEvent): Promise<string | null>;
}

export async function reply<T>(run: () => T | Promise<T>): Promise<IpcReply<T>> {
  try {
    return { ok: true, result: await run() };
  } catch (err) {
    return { ok: false, error: toErrorShape(err) };
  }
}

/** Only the app's own page may call in; anything else (a frame that got there somehow) is refused. */
function fromApp(event: IpcMainInvokeEvent): boolean {
  return isAppUrl(event.senderFrame?.url ?? '');
}

const NOT_FROM_APP = (): never => {
  throw new ApiError('bad-request', 'Calls are accepted from the app page only.');
};

export function registerIpc(ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>, deps: IpcDeps): () => void {
  for (const channel of CHANNELS) {
    ipcMain.handle(channel, (event, args: unknown) =>
      reply(fromApp(event) ? () => deps.engine.invoke(channel, args as never) : NOT_FROM_APP),
    );
  }
  ipcMain.handle(PICK_FOLDER_CHANNEL, (event) =>
    reply(fromApp(event) ? () => deps.pickFolder(event) : NOT_FROM_APP),
  );
  return () => {
    for (const channel of [...CHANNELS, PICK_FOLDER_CHANNEL]) ipcMain.removeHandler(channel);
  };
}

/** Subscribes `send` to every engine event; returns the unsubscribe. */
export function forwardEvents(
  engine: Pick<Engine, 'on'>,
  send: (event: EventName, payload: unknown) => void,
): () => void {
  const offs = EVENTS.map((event) => engine.on(event, (payload) => send(event, payload)));
  return () => {
    for (const off of offs) off();
  };
}
