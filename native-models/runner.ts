import { fork } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TEST_HOOKS_ENV } from './protocol.ts';
import type { HostReply, HostRequest, ModelSpec, RunReply, TaskOutput, TaskPayload } from './protocol.ts';
import { listModels } from './registry.ts';
import type { ModelEntry, ModelList, ModelsConfig } from './registry.ts';
import type {
  ChatMessage,
  DeviceRequest,
  EmbeddingResult,
  EntitiesResult,
  GenerateOptions,
  HostStats,
  LoadInfo,
  ModelTask,
  OcrResult,
  PixelImage,
  RunInfo,
  RunOptions,
  ScoresResult,
  TextsResult,
} from './types.ts';

/** The model process as its parent sees it; child_process.fork and Electron's utilityProcess both fit. */
export interface HostProcess {
  readonly pid: number | undefined;
  send(msg: HostRequest): void;
  onMessage(cb: (msg: HostReply) => void): void;
  onExit(cb: (exit: { code: number | null; signal: string | null }) => void): void;
  kill(): void;
  /** The last lines the process wrote to stderr, for crash reports (empty where not captured). */
  stderrTail(): string;
}

export type SpawnHost = (script: string, opts: { env: NodeJS.ProcessEnv }) => HostProcess;

/** The host script beside this module, with the extension the running code has (.ts from source, .js built). */
// (Joined from this module's folder: Vite rewrites `new URL(…, import.meta.url)` in the renderer's test build.)
export const HOST_SCRIPT = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  `host${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`,
);

/** Default spawn: a Node child with an IPC channel; typed arrays cross it as they are ('advanced'). */
export const forkHost: SpawnHost = (script, { env }) => {
  const child = fork(script, [], {
    env,
    execArgv: [],
    serialization: 'advanced',
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  const tail = keepTail(child.stderr);
  return {
    get pid() {
      return child.pid;
    },
    send: (msg) => {
      if (child.connected) child.send(msg);
    },
    onMessage: (cb) => child.on('message', (m) => cb(m as HostReply)),
    onExit: (cb) => child.on('exit', (code, signal) => cb({ code, signal })),
    kill: () => child.kill(),
    stderrTail: tail,
  };
};

/** Keeps the last lines a process writes to `stream`, for crash reports. */
export function keepTail(stream: NodeJS.ReadableStream | null | undefined): () => string {
  let tail = '';
  stream?.setEncoding('utf8');
  stream?.on('data', (s: string) => {
    tail = (tail + s).slice(-4000);
  });
  return () => tail;
}

/**
 * How this process starts model hosts when a runner is given no `spawn`: a Node child by default (CLI,
 * browser mode, tests). The app's engine runs in an Electron utility process, where fork would start the
 * Electron binary as Node (the runAsNode fuse is off, so it cannot); it installs a spawner that asks the main
 * process for a utilityProcess once at start, before any runner exists.
 */
let processSpawn: SpawnHost = forkHost;
export function setDefaultSpawnHost(spawn: SpawnHost): void {
  processSpawn = spawn;
}

export type ModelErrorCode =
  'unknown-model' | 'missing-files' | 'wrong-task' | 'crashed' | 'failed' | 'closed';

export class ModelError extends Error {
  readonly code: ModelErrorCode;
  constructor(code: ModelErrorCode, message: string) {
    super(message);
    this.name = 'ModelError';
    this.code = code;
  }
}

function abortError(): DOMException {
  return new DOMException('the model call was cancelled', 'AbortError');
}

/** A request before the runner numbers it. */
type Unnumbered = HostRequest extends infer R ? (R extends HostRequest ? Omit<R, 'id'> : never) : never;

type Pending = {
  req: HostRequest;
  resolve: (r: unknown) => void;
  reject: (e: Error) => void;
  signal: AbortSignal | undefined;
  onAbort?: () => void;
};

export interface ModelRunnerOptions {
  models?: ModelsConfig;
  /** Default device for every call (default 'auto'). */
  device?: DeviceRequest;
  /** How the model process is started (default: the process's, see setDefaultSpawnHost). */
  spawn?: SpawnHost;
  hostScript?: string;
  /** Environment of the model process (default this process's). */
  env?: NodeJS.ProcessEnv;
  /** Requests waiting for the model process; callers beyond this wait (back-pressure). Default 4. */
  maxQueue?: number;
  /** A cancelled request still running after this long gets its process killed (default 5000 ms). */
  killCancelledAfterMs?: number;
}

/**
 * Runs model tasks in a separate process. Requests go one at a time to the process, which keeps one
 * session per model; at most `maxQueue` wait behind it. A crash of the process fails the request it was
 * running, and the next request starts a fresh process.
 */
export class ModelRunner {
  private readonly opts: ModelRunnerOptions;
  private readonly spawn: SpawnHost;
  private host: HostProcess | null = null;
  private inFlight: Pending | null = null;
  private readonly queue: Pending[] = [];
  private readonly spaceWaiters: (() => void)[] = [];
  private nextId = 1;
  private list: ModelList | null = null;
  private closed = false;
  private killTimer: NodeJS.Timeout | null = null;
  /** Observed queue high-water mark (for tests and the bench). */
  maxQueuedSeen = 0;
  /** Model processes started so far. */
  processesStarted = 0;

  constructor(opts: ModelRunnerOptions = {}) {
    this.opts = opts;
    this.spawn = opts.spawn ?? processSpawn;
  }

  /** Re-reads manifests and model folders (after the user adds a model). */
  refresh(): ModelList {
    this.list = listModels(this.opts.models);
    return this.list;
  }

  entry(model: string): ModelEntry {
    const list = this.list ?? this.refresh();
    const entry = list.models.find((m) => m.manifest.id === model);
    if (!entry) {
      const known = list.models.map((m) => m.manifest.id).join(', ') || 'none';
      throw new ModelError('unknown-model', `unknown model "${model}" (known: ${known})`);
    }
    return entry;
  }

  private spec(model: string, tasks: readonly ModelTask[]): ModelSpec {
    let entry = this.entry(model);
    if (entry.status !== 'found') entry = this.refresh().models.find((m) => m.manifest.id === model) ?? entry;
    const m = entry.manifest;
    if (!tasks.includes(m.task))
      throw new ModelError(
        'wrong-task',
        `model "${m.id}" is a ${m.task} model; this call needs ${tasks.join(' or ')}`,
      );
    if (entry.status !== 'found' || !entry.dir) {
      const missing = entry.files.filter((f) => !f.found).map((f) => f.path);
      const where = entry.dir ?? entry.searched.join(' or ');
      throw new ModelError('missing-files', `model "${m.id}": ${missing.join(', ')} not found in ${where}`);
    }
    return {
      id: m.id,
      task: m.task,
      architecture: m.architecture,
      dir: entry.dir,
      dtype: m.dtype,
      preprocessing: m.preprocessing,
    };
  }

  // ---- the process and its queue

  private ensureHost(): HostProcess {
    if (this.host) return this.host;
    const env = { ...(this.opts.env ?? process.env) };
    const host = this.spawn(this.opts.hostScript ?? HOST_SCRIPT, { env });
    this.processesStarted++;
    this.host = host;
    host.onMessage((msg) => {
      if (msg.type !== 'reply' || this.host !== host) return;
      const p = this.inFlight;
      if (!p || p.req.id !== msg.id) return;
      this.settle(p);
      if (msg.ok) p.resolve(msg.result);
      else p.reject(new ModelError('failed', msg.error));
      this.pump();
    });
    host.onExit(({ code, signal }) => {
      if (this.host !== host) return;
      this.host = null;
      const p = this.inFlight;
      if (p) {
        this.settle(p);
        const how = signal ? `signal ${signal}` : `code ${code}`;
        const detail = host.stderrTail().trim().split('\n').at(-1)?.slice(0, 200);
        p.reject(
          new ModelError(
            'crashed',
            `the model process stopped (${how})${detail ? `: ${detail}` : ''}; the next call starts a new one`,
          ),
        );
      }
      this.pump();
    });
    return host;
  }

  private settle(p: Pending): void {
    if (this.inFlight === p) this.inFlight = null;
    if (this.killTimer) clearTimeout(this.killTimer);
    this.killTimer = null;
    if (p.onAbort) p.signal?.removeEventListener('abort', p.onAbort);
  }

  private pump(): void {
    if (this.inFlight || this.closed) return;
    const next = this.queue.shift();
    if (!next) return;
    this.spaceWaiters.shift()?.();
    this.inFlight = next;
    this.ensureHost().send(next.req);
  }

  private async request<R>(req: Unnumbered, signal?: AbortSignal): Promise<R> {
    if (this.closed) throw new ModelError('closed', 'the model runner is closed');
    const maxQueue = Math.max(1, this.opts.maxQueue ?? 4);
    while (this.queue.length >= maxQueue) {
      await new Promise<void>((resolve) => this.spaceWaiters.push(resolve));
      if (signal?.aborted) throw abortError();
    }
    if (signal?.aborted) throw abortError();
    return new Promise<R>((resolve, reject) => {
      const p: Pending = {
        req: { ...req, id: this.nextId++ } as HostRequest,
        resolve: resolve as (r: unknown) => void,
        reject,
        signal,
      };
      p.onAbort = () => {
        const i = this.queue.indexOf(p);
        if (i >= 0) {
          this.queue.splice(i, 1);
          this.spaceWaiters.shift()?.();
        } else if (this.inFlight === p) {
          // The process cannot stop a running session: the reply is dropped, and a process that keeps
          // working on a cancelled request for too long is replaced.
          const host = this.host;
          this.killTimer = setTimeout(() => host?.kill(), this.opts.killCancelledAfterMs ?? 5000);
          this.killTimer.unref();
          p.resolve = () => undefined;
          p.reject = () => undefined;
        }
        reject(abortError());
      };
      signal?.addEventListener('abort', p.onAbort, { once: true });
      this.queue.push(p);
      this.maxQueuedSeen = Math.max(this.maxQueuedSeen, this.queue.length);
      this.pump();
    });
  }

  /** Splits items into batches, runs them in order through the queue, reports progress. */
  private async runBatches<I, O>(
    model: string,
    tasks: readonly ModelTask[],
    items: readonly I[],
    payload: (batch: I[]) => TaskPayload,
    take: (out: TaskOutput) => O[],
    o: RunOptions,
  ): Promise<{ results: O[]; run: RunInfo }> {
    const spec = this.spec(model, tasks);
    const device = o.device ?? this.opts.device ?? 'auto';
    const size = Math.max(1, o.batchSize ?? 8);
    const t0 = performance.now();
    const batches: I[][] = [];
    for (let i = 0; i < items.length; i += size) batches.push(items.slice(i, i + size));
    const inner = new AbortController();
    const onOuter = () => inner.abort();
    o.signal?.addEventListener('abort', onOuter, { once: true });
    let done = 0;
    let firstResultMs = 0;
    let first: RunReply | null = null;
    try {
      if (o.signal?.aborted) throw abortError();
      const replies = await Promise.all(
        batches.map(async (batch) => {
          const reply = await this.request<RunReply>(
            { type: 'run', model: spec, device, payload: payload(batch) },
            inner.signal,
          ).catch((err: unknown) => {
            inner.abort();
            throw err;
          });
          if (!first) {
            first = reply;
            firstResultMs = performance.now() - t0;
          }
          done += batch.length;
          o.onProgress?.({ done, total: items.length });
          return reply;
        }),
      );
      if (o.signal?.aborted) throw abortError();
      const results = replies.flatMap((r) => take(r.output));
      const load: LoadInfo | undefined = replies[0]?.load;
      return {
        results,
        run: {
          requested: device,
          device: load?.device ?? 'cpu',
          fallbacks: load?.fallbacks ?? [],
          items: items.length,
          batches: batches.length,
          ms: performance.now() - t0,
          firstResultMs,
        },
      };
    } catch (err) {
      throw o.signal?.aborted ? abortError() : err;
    } finally {
      o.signal?.removeEventListener('abort', onOuter);
    }
  }

  // ---- tasks

  /** Loads a model (once per process) and reports the device that will run it. */
  load(model: string, o: { device?: DeviceRequest; signal?: AbortSignal } = {}): Promise<LoadInfo> {
    const spec = this.spec(model, [this.entry(model).manifest.task]);
    return this.request<LoadInfo>(
      { type: 'load', model: spec, device: o.device ?? this.opts.device ?? 'auto' },
      o.signal,
    );
  }

  /** Text embeddings (L2-normalised): a sentence-embedding model, or the text tower of a CLIP-style model. */
  async embedTexts(model: string, texts: readonly string[], o: RunOptions = {}): Promise<EmbeddingResult> {
    const { results, run } = await this.runBatches(
      model,
      ['feature-extraction', 'image-text-embedding'],
      texts,
      (b) => ({ kind: 'embed-texts', texts: b }),
      vectorsOf,
      o,
    );
    return { vectors: results, normalized: true, run };
  }

  /** Image embeddings (L2-normalised) from a CLIP-style model's vision tower. */
  async embedImages(
    model: string,
    images: readonly PixelImage[],
    o: RunOptions = {},
  ): Promise<EmbeddingResult> {
    const { results, run } = await this.runBatches(
      model,
      ['image-text-embedding'],
      images,
      (b) => ({ kind: 'embed-images', images: b }),
      vectorsOf,
      o,
    );
    return { vectors: results, normalized: true, run };
  }

  /** CLIP-style alignment: the cosine of each image's and text's embeddings. */
  async alignImageText(
    model: string,
    pairs: readonly { image: PixelImage; text: string }[],
    o: RunOptions = {},
  ): Promise<ScoresResult> {
    const { results, run } = await this.runBatches(
      model,
      ['image-text-embedding'],
      pairs,
      (b) => ({ kind: 'align', pairs: b }),
      (out) => (out.kind === 'scores' ? out.scores : []),
      o,
    );
    return { scores: results, run };
  }

  /** Named entities with character offsets (for de-identification). */
  async recognizeEntities(
    model: string,
    texts: readonly string[],
    o: RunOptions = {},
  ): Promise<EntitiesResult> {
    const { results, run } = await this.runBatches(
      model,
      ['token-classification'],
      texts,
      (b) => ({ kind: 'entities', texts: b }),
      (out) => (out.kind === 'entities' ? out.entities : []),
      o,
    );
    return { entities: results, run };
  }

  /** Greedy generation for each prompt (a string, or chat messages for an instruction model). */
  async generateText(
    model: string,
    prompts: readonly (string | ChatMessage[])[],
    o: GenerateOptions = {},
  ): Promise<TextsResult> {
    const maxNewTokens = o.maxNewTokens ?? 128;
    const { results, run } = await this.runBatches(
      model,
      ['text-generation'],
      prompts,
      (b) => ({ kind: 'generate', prompts: b, maxNewTokens }),
      textsOf,
      { batchSize: 1, ...o },
    );
    return { texts: results, run };
  }

  /** Translation with the model's language pair (es→en for OPUS-MT es-en). */
  async translate(model: string, texts: readonly string[], o: GenerateOptions = {}): Promise<TextsResult> {
    const maxNewTokens = o.maxNewTokens ?? 256;
    const { results, run } = await this.runBatches(
      model,
      ['translation'],
      texts,
      (b) => ({ kind: 'translate', texts: b, maxNewTokens }),
      textsOf,
      o,
    );
    return { texts: results, run };
  }

  /** Lines of text in each image, with their boxes (a text-ocr model: detector and recogniser). */
  async readText(model: string, images: readonly PixelImage[], o: RunOptions = {}): Promise<OcrResult> {
    const { results, run } = await this.runBatches(
      model,
      ['text-ocr'],
      images,
      (b) => ({ kind: 'ocr', images: b }),
      (out) => (out.kind === 'lines' ? out.lines : []),
      { batchSize: 4, ...o },
    );
    return { lines: results, run };
  }

  /** Memory and loaded models of the model process (starts it when none runs). */
  stats(): Promise<HostStats> {
    return this.request<HostStats>({ type: 'stats' });
  }

  /** Test hook: makes the model process abort (only honoured with MEDPREP_MODELS_TEST_HOOKS=1 in its env). */
  crashForTest(): Promise<never> {
    return this.request<never>({ type: 'test-abort' });
  }

  get pid(): number | undefined {
    return this.host?.pid;
  }

  /** Stops the model process; waiting calls fail. */
  close(): void {
    this.closed = true;
    for (const p of this.queue.splice(0)) p.reject(new ModelError('closed', 'the model runner is closed'));
    if (this.inFlight) this.inFlight.reject(new ModelError('closed', 'the model runner is closed'));
    this.inFlight = null;
    for (const w of this.spaceWaiters.splice(0)) w();
    const host = this.host;
    this.host = null;
    host?.kill();
  }
}

function vectorsOf(out: TaskOutput): Float32Array[] {
  return out.kind === 'vectors' ? out.vectors : [];
}

function textsOf(out: TaskOutput): string[] {
  return out.kind === 'texts' ? out.texts : [];
}

export { TEST_HOOKS_ENV };
