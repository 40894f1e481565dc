// Node code the app runs outside its main process, as Electron utility processes: the engine, and the model
// hosts it asks for. The packaged app has the runAsNode fuse off, so child_process.fork (which starts the
// Electron binary as Node) cannot work there; utilityProcess is the supported way, and only main can call it.
import { utilityProcess } from 'electron';
import type { UtilityProcess } from 'electron';
import { keepTail, type HostProcess, type SpawnHost } from '../../native-models/runner.ts';
import type { HostReply } from '../../native-models/protocol.ts';
import type { EngineChild } from '../engine/process/client.ts';
import type { FromEngine } from '../engine/process/protocol.ts';

/** The engine process (electron/engine/process/engine-process.js); its output goes where the app's goes. */
export function utilityEngine(script: string): EngineChild {
  const child = utilityProcess.fork(script, [], { serviceName: 'MedPrep engine', stdio: 'inherit' });
  return {
    send: (msg) => child.postMessage(msg),
    onMessage: (cb) => child.on('message', (m: FromEngine) => cb(m)),
    onExit: (cb) => child.on('exit', (code) => cb(code)),
    kill: () => void child.kill(),
  };
}

/** The utilityProcess adapter the model runner allows for: a model host, its stderr kept for crash reports. */
export const utilityHost: SpawnHost = (script, { env }) => {
  const child: UtilityProcess = utilityProcess.fork(script, [], {
    env,
    serviceName: 'MedPrep models',
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const tail = keepTail(child.stderr);
  return {
    get pid() {
      return child.pid;
    },
    send: (msg) => child.postMessage(msg),
    onMessage: (cb) => child.on('message', (m: HostReply) => cb(m)),
    // A utility process reports an exit code only; a crash shows as a non-zero code.
    onExit: (cb) => child.on('exit', (code) => cb({ code, signal: null })),
    kill: () => void child.kill(),
    stderrTail: tail,
  } satisfies HostProcess;
};
