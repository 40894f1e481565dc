// Messages between the engine process (engine-process.ts) and the process that started it: Electron's main
// process in the app (utilityProcess), a Node parent in tests and scripts (child_process.fork). Contract calls
// and events are the browser mode's wire messages (contract.ts). The rest is what the desktop front needs
// beside the contract (media files for app://, an orderly stop) and the model host, which in the app only the
// main process can start (a utility process cannot start another), so main starts it and relays its messages.
// Payloads are structured-cloneable: both transports clone (fork is started with serialization 'advanced').
import type { HostReply, HostRequest } from '../../../native-models/protocol.ts';
import type { EngineOptions } from '../index.ts';
import type { WireMessage, WireRequest } from '../../api/contract.ts';

/** Calls of the desktop front outside the contract; answered with a `result` message like an invoke. */
export type FrontRequest =
  | { type: 'media'; id: number; path: string }
  /** Finishes the engine (jobs checkpoint, the database closes); the process exits after answering. */
  | { type: 'close'; id: number };

/** Main's side of a model host it started for the engine (`host` numbers the engine's requests). */
export type ModelHostNews =
  | { type: 'model-host.started'; host: number; pid: number | undefined }
  | { type: 'model-host.message'; host: number; msg: HostReply }
  | { type: 'model-host.exit'; host: number; code: number | null; signal: string | null; stderrTail: string };

export type ModelHostOrder =
  | { type: 'model-host.start'; host: number; script: string; env: NodeJS.ProcessEnv }
  | { type: 'model-host.send'; host: number; msg: HostRequest }
  | { type: 'model-host.kill'; host: number };

/** Parent → engine. `start` comes first, once. */
export type ToEngine =
  | {
      type: 'start';
      options: EngineOptions;
      /** Model hosts are started by the parent (the app's main process); otherwise the engine forks them. */
      modelHostsFromParent: boolean;
    }
  | WireRequest
  | FrontRequest
  | ModelHostNews;

/** Engine → parent. `ready` answers `start`; a parent that relays model hosts gets their orders. */
export type FromEngine = { type: 'ready' } | WireMessage | ModelHostOrder;
