// A socket for the browser bridge's tests that speaks the wire protocol to the real engine in-process, the way
// the browser-mode server does over a WebSocket, with a switch to drop connections and refuse new ones.
import { EVENTS, type WireMessage, type WireRequest } from '../../electron/api/contract.ts';
import { toErrorShape, type Engine } from '../../electron/engine/index.ts';
import type { SocketLike } from '../../renderer/src/lib/bridge.ts';

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 3;

export class LoopbackServer {
  readonly engine: Engine;
  /** While false, new connections fail the way a server that is down does: they close without opening. */
  accepting = true;
  connections = 0;
  private readonly open = new Set<LoopbackSocket>();

  constructor(engine: Engine) {
    this.engine = engine;
  }

  connect = (_url: string): SocketLike => {
    this.connections++;
    const socket = new LoopbackSocket(this);
    setTimeout(() => (this.accepting ? socket.accept() : socket.drop()), 0);
    return socket;
  };

  /** Drops every open connection from the server side. */
  dropAll(): void {
    for (const s of [...this.open]) s.drop();
  }

  track(s: LoopbackSocket, isOpen: boolean): void {
    if (isOpen) this.open.add(s);
    else this.open.delete(s);
  }
}

class LoopbackSocket implements SocketLike {
  readyState = CONNECTING;
  onopen: ((ev: Event) => void) | null = null;
  onclose: ((ev: CloseEvent) => void) | null = null;
  onerror: ((ev: Event) => void) | null = null;
  onmessage: ((ev: MessageEvent) => void) | null = null;
  private readonly server: LoopbackServer;
  private readonly unsubscribe: (() => void)[] = [];

  constructor(server: LoopbackServer) {
    this.server = server;
  }

  accept(): void {
    if (this.readyState !== CONNECTING) return;
    this.readyState = OPEN;
    this.server.track(this, true);
    for (const event of EVENTS) {
      this.unsubscribe.push(
        this.server.engine.on(event, (payload) => this.deliver({ type: 'event', event, payload })),
      );
    }
    this.onopen?.(new Event('open'));
  }

  send(data: string): void {
    if (this.readyState !== OPEN) throw new Error('send on a socket that is not open');
    const req = JSON.parse(data) as WireRequest;
    this.server.engine.invoke(req.channel, req.args as never).then(
      (result) => this.deliver({ type: 'result', id: req.id, ok: true, result }),
      (err: unknown) => this.deliver({ type: 'result', id: req.id, ok: false, error: toErrorShape(err) }),
    );
  }

  close(): void {
    this.drop();
  }

  drop(): void {
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSED;
    this.server.track(this, false);
    for (const off of this.unsubscribe.splice(0)) off();
    this.onclose?.(new CloseEvent('close'));
  }

  private deliver(msg: WireMessage): void {
    const data = JSON.stringify(msg);
    setTimeout(() => {
      if (this.readyState === OPEN) this.onmessage?.(new MessageEvent('message', { data }));
    }, 0);
  }
}
