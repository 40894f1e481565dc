// The preload: hands the page `window.medprep` and nothing else. The window is sandboxed, so this runs as one
// CommonJS script (hence .cts, built to preload.cjs) whose require() knows only a few modules, 'electron' among
// them. It therefore imports types only; the channel names are checked against main's by their types.
import type * as Electron from 'electron';
import type { ApiEvents, ArgsOf, Channel, EventName, MedprepBridge, ResultOf } from '../api/contract.ts';
import type { EventChannel, IpcReply, PickFolderChannel } from '../main/ipc.ts';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- a sandboxed preload has no ESM imports
const { contextBridge, ipcRenderer } = require('electron') as typeof Electron;

const EVENT_CHANNEL: EventChannel = 'medprep:event';
const PICK_FOLDER_CHANNEL: PickFolderChannel = 'dialog.pickFolder';

async function call<T>(channel: string, args: unknown): Promise<T> {
  const reply = (await ipcRenderer.invoke(channel, args)) as IpcReply<T>;
  if (reply.ok) return reply.result;
  // Only the message crosses the context bridge reliably; it is the contract's one line without PHI.
  throw Object.assign(new Error(reply.error.message), { code: reply.error.code });
}

const bridge = {
  front: 'electron',
  invoke: <C extends Channel>(channel: C, args: ArgsOf<C>) => call<ResultOf<C>>(channel, args),
  on: <E extends EventName>(event: E, listener: (payload: ApiEvents[E]) => void) => {
    const handler = (_event: Electron.IpcRendererEvent, name: unknown, payload: unknown) => {
      if (name === event) listener(payload as ApiEvents[E]);
    };
    ipcRenderer.on(EVENT_CHANNEL, handler);
    return () => {
      ipcRenderer.removeListener(EVENT_CHANNEL, handler);
    };
  },
  pickFolder: () => call<string | null>(PICK_FOLDER_CHANNEL, {}),
} satisfies MedprepBridge;

contextBridge.exposeInMainWorld('medprep', bridge);
