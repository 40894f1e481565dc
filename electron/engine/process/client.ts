// The engine process as its parent uses it: the contract's invoke and events, as the in-process Engine offers
// them, plus what the desktop front needs (media files, the jobs still running, an orderly stop). Electron's
// main process drives it over a utility process; tests drive it over child_process.fork (forkEngine).
import { fork } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type {
  ApiErrorShape,
  ApiEvents,
  ArgsOf,
  Channel,
  EventName,
  JobInfo,
  ResultOf,
} from '../../api/contract.ts';
import type { SpawnHost } from '../../../native-models/runner.ts';
import { ApiError } from '../errors.ts';
import type { EngineOptions } from '../index.ts';
import { serveModelHosts } from './model-hosts.ts';
import type { FromEngine, ToEngine } from './protocol.ts';

/** The engine process as its parent holds it; child_process.fork and Electron's utilityProcess both fit. */
export interface EngineChild {
  send(msg: ToEngine): void;
  onMessage(cb: (msg: FromEngine) => void): void;
  onExit(cb: (code: number | null) => void): void;
  kill(): void;
}

export interface EngineClientOptions {
  engine: EngineOptions;
  /** Starts the model hosts the engine asks for (the app: utilityProcess); absent, the engine forks its own. */
  modelHosts?: SpawnHost;
}

/** The entry beside this module, with the extension the running code has (.ts from source, .js built). */
export const ENGINE_PROCESS_SCRIPT = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  `engine-process${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`,
);

const STOPPED = 'The engine process stopped; restart MedPrep.';

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };

export class EngineClient {
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Map<EventName, Set<(payload: never) => void>>();
  /** Jobs queued or running, kept from `job.updated`: the close prompt asks synchronously. */
  private readonly active = new Map<string, JobInfo>();
  private readonly crashListeners: ((code: number | null) => void)[] = [];
  private nextId = 1;
  private exited = false;
  private readonly child: EngineChild;

  private constructor(child: EngineChild) {
    this.child = child;
  }

  /** Starts the engine in `child` and resolves once it answers. */
  static start(child: EngineChild, opts: EngineClientOptions): Promise<EngineClient> {
    const client = new EngineClient(child);
    const hosts = opts.modelHosts
      ? serveModelHosts(opts.modelHosts, (news) => {
          if (!client.exited) child.send(news);
        })
      : null;
    return new Promise((resolve, reject) => {
      child.onExit((code) => {
        if (!client.exited) for (const cb of client.crashListeners) cb(code);
        client.exited = true;
        hosts?.killAll();
        for (const p of client.pending.values()) p.reject(new ApiError('unavailable', STOPPED));
        client.pending.clear();
        reject(new Error('the engine process stopped before it started'));
      });
      child.onMessage((msg) => {
        if (msg.type === 'ready') resolve(client);
        else if (msg.type === 'result') client.settle(msg);
        else if (msg.type === 'event') client.emit(msg.event, msg.payload);
        else hosts?.order(msg);
      });
      child.send({ type: 'start', options: opts.engine, modelHostsFromParent: hosts !== null });
    });
  }

  invoke<C extends Channel>(channel: C, args: ArgsOf<C>): Promise<ResultOf<C>> {
    return this.call((id) => ({ type: 'invoke', id, channel, args }));
  }

  on<E extends EventName>(event: E, listener: (payload: ApiEvents[E]) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as (payload: never) => void);
    return () => set.delete(listener as (payload: never) => void);
  }

  /** Called when the engine process ends without being closed (a crash, or killed from outside). */
  onCrash(cb: (code: number | null) => void): void {
    this.crashListeners.push(cb);
  }

  /** A media URL path to a file inside the open project's cache, or null (Engine.resolveMedia). */
  resolveMedia(urlPath: string): Promise<string | null> {
    return this.call((id) => ({ type: 'media', id, path: urlPath }));
  }

  /** Jobs queued or running now, as the engine last reported them. */
  activeJobs(): JobInfo[] {
    return [...this.active.values()];
  }

  /** Finishes the engine (jobs checkpoint, the database closes), then ends its process. */
  async close(): Promise<void> {
    if (!this.exited) await this.call((id) => ({ type: 'close', id }));
    this.exited = true; // a model host may still report its end: nothing is sent to a process being stopped
    this.child.kill();
  }

  private call<T>(request: (id: number) => ToEngine): Promise<T> {
    if (this.exited) return Promise.reject(new ApiError('unavailable', STOPPED));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send(request(id));
    });
  }

  private settle(
    msg: { id: number } & ({ ok: true; result: unknown } | { ok: false; error: ApiErrorShape }),
  ) {
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    if (msg.ok) p.resolve(msg.result);
    else p.reject(new ApiError(msg.error.code, msg.error.message));
  }

  private emit(event: EventName, payload: unknown): void {
    if (event === 'job.updated') {
      const job = payload as JobInfo;
      if (job.state === 'queued' || job.state === 'running') this.active.set(job.id, job);
      else this.active.delete(job.id);
    } else this.active.clear(); // another project (or none): the jobs of the last one have ended
    for (const l of this.listeners.get(event) ?? []) (l as (p: unknown) => void)(payload);
  }
}

/**
 * The engine process as a Node child (`medprep serve`, tests); typed arrays cross as they are ('advanced').
 * Its output goes to the parent's stderr: stdout belongs to the parent (`--json` prints one line there).
 */
export function forkEngine(
  script = ENGINE_PROCESS_SCRIPT,
  opts: { execArgv?: string[]; env?: NodeJS.ProcessEnv } = {},
): EngineChild {
  const child = fork(script, [], {
    execArgv: opts.execArgv ?? [],
    env: opts.env ?? process.env,
    serialization: 'advanced',
    stdio: ['ignore', 2, 2, 'ipc'],
  });
  return {
    send: (msg) => {
      if (child.connected) child.send(msg);
    },
    onMessage: (cb) => child.on('message', (m) => cb(m as FromEngine)),
    onExit: (cb) => child.on('exit', (code) => cb(code)),
    kill: () => child.kill(),
  };
}
