// Model hosts across the engine process's parent. In the app the engine runs in a utility process, which
// cannot start another, and fork would start the Electron binary as Node, which the runAsNode fuse forbids:
// the engine asks its parent (Electron's main) to start each model host, and the parent relays the host's
// messages. Both halves are here: `askParent` is the engine's SpawnHost, `serveModelHosts` the parent's.
import type { HostProcess, SpawnHost } from '../../../native-models/runner.ts';
import type { HostReply } from '../../../native-models/protocol.ts';
import type { ModelHostNews, ModelHostOrder } from './protocol.ts';

type Exit = { code: number | null; signal: string | null };

/** A host the parent runs, as the engine follows it. */
interface Relayed {
  pid?: number;
  messages: ((m: HostReply) => void)[];
  exits: ((e: Exit) => void)[];
  tail: string;
}

/** The engine's side: a SpawnHost whose processes live in the parent. `news` takes the parent's messages. */
export function askParent(send: (order: ModelHostOrder) => void): {
  spawn: SpawnHost;
  news(msg: ModelHostNews): void;
} {
  const hosts = new Map<number, Relayed>();
  let next = 1;
  const spawn: SpawnHost = (script, { env }) => {
    const host = next++;
    const state: Relayed = { messages: [], exits: [], tail: '' };
    hosts.set(host, state);
    send({ type: 'model-host.start', host, script, env });
    return {
      get pid() {
        return state.pid;
      },
      send: (msg) => {
        if (hosts.has(host)) send({ type: 'model-host.send', host, msg });
      },
      onMessage: (cb) => void state.messages.push(cb),
      onExit: (cb) => void state.exits.push(cb),
      kill: () => {
        if (hosts.has(host)) send({ type: 'model-host.kill', host });
      },
      stderrTail: () => state.tail,
    } satisfies HostProcess;
  };
  const news = (msg: ModelHostNews) => {
    const state = hosts.get(msg.host);
    if (!state) return;
    if (msg.type === 'model-host.started') state.pid = msg.pid;
    else if (msg.type === 'model-host.message') for (const cb of state.messages) cb(msg.msg);
    else {
      hosts.delete(msg.host);
      state.tail = msg.stderrTail;
      for (const cb of state.exits) cb({ code: msg.code, signal: msg.signal });
    }
  };
  return { spawn, news };
}

/** The parent's side: starts the hosts the engine orders with `spawn` and reports back what they say. */
export function serveModelHosts(
  spawn: SpawnHost,
  tell: (news: ModelHostNews) => void,
): { order(msg: ModelHostOrder): void; killAll(): void } {
  const running = new Map<number, HostProcess>();
  return {
    order: (msg) => {
      if (msg.type === 'model-host.start') {
        const child = spawn(msg.script, { env: msg.env });
        running.set(msg.host, child);
        child.onMessage((m) => tell({ type: 'model-host.message', host: msg.host, msg: m }));
        child.onExit(({ code, signal }) => {
          running.delete(msg.host);
          tell({ type: 'model-host.exit', host: msg.host, code, signal, stderrTail: child.stderrTail() });
        });
        tell({ type: 'model-host.started', host: msg.host, pid: child.pid });
      } else if (msg.type === 'model-host.send') running.get(msg.host)?.send(msg.msg);
      else running.get(msg.host)?.kill();
    },
    killAll: () => {
      for (const child of running.values()) child.kill();
    },
  };
}
