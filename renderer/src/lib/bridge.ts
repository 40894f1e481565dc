import type {
  ApiErrorShape,
  ApiEvents,
  ArgsOf,
  Channel,
  EventName,
  MedprepBridge,
  ResultOf,
  WireMessage,
  WireRequest,
} from './api.ts';

/** An engine error as the renderer sees it: the engine's one-line message and its stable code. */
export class BridgeError extends Error {
  readonly code: ApiErrorShape['code'];
  constructor(shape: ApiErrorShape) {
    super(shape.message);
    this.name = 'BridgeError';
    this.code = shape.code;
  }
}

export type ConnectionState = 'connecting' | 'open' | 'reconnecting';

/** The browser-mode bridge: a MedprepBridge plus what the UI needs to show about the connection. */
export interface SocketBridge extends MedprepBridge {
  readonly front: 'browser';
  connectionState(): ConnectionState;
  onConnectionChange(listener: (state: ConnectionState) => void): () => void;
  /** Closes the socket for good (no reconnect); pending invokes are rejected. */
  close(): void;
}

/** The part of the DOM WebSocket the bridge uses, so tests can hand it any conforming socket. */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(): void;
  onopen: ((ev: Event) => void) | null;
  onclose: ((ev: CloseEvent) => void) | null;
  onerror: ((ev: Event) => void) | null;
  onmessage: ((ev: MessageEvent) => void) | null;
}

export interface SocketBridgeOptions {
  url: string;
  createSocket?: (url: string) => SocketLike;
  /** First reconnect delay; it doubles per failed attempt up to maxDelayMs. */
  minDelayMs?: number;
  maxDelayMs?: number;
}

const OPEN = 1;

/** The API endpoint of the page's own server: same host, ws or wss to match the page. */
export function apiUrl(location: Pick<Location, 'protocol' | 'host'>): string {
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/api`;
}

/**
 * Speaks the wire protocol over one WebSocket. Invokes are numbered and resolved by their `result`; invokes
 * made while the socket is down wait in a queue and go out when it opens. If the socket drops, invokes
 * already sent are rejected (the engine may or may not have run them, so retrying is the caller's call) and
 * the bridge reconnects with exponential backoff. Auth is the cookie the server set with the page.
 */
export function createSocketBridge(options: SocketBridgeOptions): SocketBridge {
  const createSocket = options.createSocket ?? ((url: string) => new WebSocket(url));
  const minDelay = options.minDelayMs ?? 250;
  const maxDelay = options.maxDelayMs ?? 10_000;

  const pending = new Map<
    number,
    { sent: boolean; resolve: (value: unknown) => void; reject: (err: Error) => void }
  >();
  const queue: WireRequest[] = [];
  const listeners = new Map<EventName, Set<(payload: never) => void>>();
  const stateListeners = new Set<(state: ConnectionState) => void>();
  let socket: SocketLike | null = null;
  let state: ConnectionState = 'connecting';
  let nextId = 1;
  let attempts = 0;
  let reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  let closed = false;

  const setState = (next: ConnectionState) => {
    if (next === state) return;
    state = next;
    for (const l of stateListeners) l(next);
  };

  /** Rejects the invokes that went out (all of them when closing for good); queued ones keep waiting. */
  const rejectPending = (message: string, all: boolean) => {
    const error = new BridgeError({ code: 'unavailable', message });
    for (const [id, p] of pending) {
      if (!p.sent && !all) continue;
      pending.delete(id);
      p.reject(error);
    }
  };

  const send = (s: SocketLike, req: WireRequest) => {
    const p = pending.get(req.id);
    if (!p) return;
    p.sent = true;
    s.send(JSON.stringify(req));
  };

  const handleMessage = (raw: unknown) => {
    if (typeof raw !== 'string') return;
    let msg: WireMessage;
    try {
      msg = JSON.parse(raw) as WireMessage;
    } catch {
      return;
    }
    if (msg.type === 'result') {
      const p = pending.get(msg.id);
      if (!p) return;
      pending.delete(msg.id);
      if (msg.ok) p.resolve(msg.result);
      else p.reject(new BridgeError(msg.error));
    } else if (msg.type === 'event') {
      for (const l of listeners.get(msg.event) ?? []) (l as (payload: unknown) => void)(msg.payload);
    }
  };

  const connect = () => {
    reconnectTimer = null;
    const s = createSocket(options.url);
    socket = s;
    s.onopen = () => {
      if (socket !== s) return;
      attempts = 0;
      setState('open');
      for (const req of queue.splice(0)) send(s, req);
    };
    s.onmessage = (ev) => {
      if (socket === s) handleMessage(ev.data);
    };
    // Every failure ends in a close; the error event carries nothing more to act on.
    s.onerror = () => undefined;
    s.onclose = () => {
      if (socket !== s) return;
      socket = null;
      rejectPending('The connection to MedPrep was lost before it answered; try again.', false);
      if (closed) return;
      setState('reconnecting');
      const delay = Math.min(maxDelay, minDelay * 2 ** attempts);
      attempts++;
      reconnectTimer = setTimeout(connect, delay);
    };
  };

  connect();

  return {
    front: 'browser',
    invoke<C extends Channel>(channel: C, args: ArgsOf<C>): Promise<ResultOf<C>> {
      if (closed)
        return Promise.reject(new BridgeError({ code: 'unavailable', message: 'The connection is closed.' }));
      const req: WireRequest = { type: 'invoke', id: nextId++, channel, args };
      return new Promise<ResultOf<C>>((resolve, reject) => {
        pending.set(req.id, { sent: false, resolve: resolve as (value: unknown) => void, reject });
        if (socket && socket.readyState === OPEN) send(socket, req);
        else queue.push(req);
      });
    },
    on<E extends EventName>(event: E, listener: (payload: ApiEvents[E]) => void): () => void {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      const l = listener as (payload: never) => void;
      set.add(l);
      return () => set.delete(l);
    },
    connectionState: () => state,
    onConnectionChange(listener) {
      stateListeners.add(listener);
      return () => stateListeners.delete(listener);
    },
    close() {
      closed = true;
      if (reconnectTimer) clearTimeout(reconnectTimer);
      queue.length = 0;
      const s = socket;
      socket = null;
      rejectPending('The connection is closed.', true);
      s?.close();
    },
  };
}

/** The bridge this window talks through: the preload's under Electron, a WebSocket in browser mode. */
export function resolveBridge(win: Window): MedprepBridge {
  return win.medprep ?? createSocketBridge({ url: apiUrl(win.location) });
}

declare global {
  interface Window {
    /** Exposed by the Electron preload; absent in browser mode. */
    medprep?: MedprepBridge;
  }
}
