// A child process's channel to the process that started it: Electron's utility process has
// `process.parentPort`, a Node child started with child_process.fork has its IPC channel. The model host and
// the engine process both run under either.

export interface ParentLink<In, Out> {
  send(m: Out): void;
  onMessage(cb: (m: In) => void): void;
  /** Electron's utility process; it ends with its parent, so there is no disconnect to watch. */
  readonly utility: boolean;
}

interface ElectronParentPort {
  on(ev: 'message', cb: (e: { data: unknown }) => void): void;
  postMessage(m: unknown): void;
}

export function parentLink<In, Out>(what: string): ParentLink<In, Out> {
  const parentPort = (process as { parentPort?: ElectronParentPort }).parentPort;
  if (parentPort)
    return {
      send: (m) => parentPort.postMessage(m),
      onMessage: (cb) => parentPort.on('message', (e) => cb(e.data as In)),
      utility: true,
    };
  const send = process.send?.bind(process);
  if (!send) throw new Error(`${what} needs an IPC channel (child_process.fork or utilityProcess.fork)`);
  return {
    send: (m) => void send(m),
    onMessage: (cb) => process.on('message', (m) => cb(m as In)),
    utility: false,
  };
}
