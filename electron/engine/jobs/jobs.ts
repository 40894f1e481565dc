import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { JobInfo, JobKind, JobRecord, JobState } from '../../api/contract.ts';
import { ApiError, errorLine } from '../errors.ts';
import { asStorageError, storageCause } from '../storage-errors.ts';
import type { Db } from '../project/database.ts';
import { safeOptions, withoutPaths, type ProjectLog } from '../project/log.ts';
import { ProgressMeter } from './progress.ts';

/** What a running job reports; the job turns it into JobInfo with rate and ETA. */
export interface JobContext {
  /** The job's id, which its rows record (files.job_id), so a summary can be read back from the store. */
  id: string;
  signal: AbortSignal;
  progress(update: {
    done?: number;
    total?: number;
    totalKnown?: boolean;
    errors?: number;
    message?: string;
  }): void;
}

export type JobBody = (ctx: JobContext) => Promise<{ message: string }>;

/** What a stage throws when it sees the job's signal aborted; the job ends 'cancelled', not 'failed'. */
export class JobCancelled extends Error {
  constructor() {
    super('cancelled');
    this.name = 'JobCancelled';
  }
}

const CANCELLED_MESSAGE = 'cancelled; what was finished before the cancel is kept';
// A history row shows option values up to this length; a longer one (a custom recipe's text) by its size.
const OPTION_TEXT_MAX = 200;

interface JobRow {
  id: string;
  kind: JobKind;
  state: JobState;
  params: string;
  done: number;
  total: number;
  errors: number;
  message: string;
  started_at: string;
  finished_at: string | null;
}

const EVENT_INTERVAL_MS = 150;
const TERMINAL: ReadonlySet<JobState> = new Set(['done', 'failed', 'cancelled', 'interrupted']);

/**
 * Long work as objects with progress, cancel and a row in the project's jobs table. Jobs run one at a time
 * (a queue), so two imports never race on the same rows. A job killed mid-way is found 'running' on the next
 * open and marked 'interrupted'; re-running it is safe because every stage's writes are idempotent.
 */
export class JobManager {
  private readonly db: Db;
  private readonly emit: (job: JobInfo) => void;
  private readonly log: ProjectLog | null;
  private readonly jobs = new Map<
    string,
    { info: JobInfo; controller: AbortController; done: Promise<JobInfo> }
  >();
  private chain: Promise<unknown> = Promise.resolve();

  constructor(db: Db, emit: (job: JobInfo) => void, log: ProjectLog | null = null) {
    this.db = db;
    this.emit = emit;
    this.log = log;
    db.prepare(
      `UPDATE jobs SET state = 'interrupted', message = 'stopped before it finished; run it again to resume', finished_at = ?
       WHERE state IN ('running', 'queued')`,
    ).run(new Date().toISOString());
  }

  start(kind: JobKind, params: unknown, body: JobBody): JobInfo {
    const info: JobInfo = {
      id: randomUUID(),
      kind,
      state: 'queued',
      done: 0,
      total: 0,
      totalKnown: false,
      rate: 0,
      eta: null,
      errors: 0,
      message: 'waiting for the previous job',
      startedAt: new Date().toISOString(),
      finishedAt: null,
    };
    this.db
      .prepare('INSERT INTO jobs (id, kind, state, params, message, started_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(info.id, kind, info.state, JSON.stringify(params), info.message, info.startedAt);
    const controller = new AbortController();
    const done = this.chain.then(() => this.run(info, controller, body));
    this.chain = done.catch(() => undefined);
    this.jobs.set(info.id, { info, controller, done });
    this.log?.write('job.queued', { id: info.id, kind, options: safeOptions(params) });
    this.emit({ ...info });
    return { ...info };
  }

  /** Resolves when the job reaches a final state. */
  wait(id: string): Promise<JobInfo> {
    const job = this.jobs.get(id);
    if (!job) throw new ApiError('not-found', `No running job ${id}.`);
    return job.done;
  }

  cancel(id: string): JobInfo {
    const job = this.jobs.get(id);
    if (!job) {
      const row = this.list().find((j) => j.id === id);
      if (!row) throw new ApiError('not-found', `No job ${id}.`);
      return row;
    }
    if (!TERMINAL.has(job.info.state)) {
      job.controller.abort();
      job.info.message = 'cancelling…';
      this.emit({ ...job.info });
    }
    return { ...job.info };
  }

  /** Jobs of this session first (live), then earlier ones from the store, newest first. */
  list(): JobInfo[] {
    const live = [...this.jobs.values()].map((j) => ({ ...j.info }));
    const liveIds = new Set(live.map((j) => j.id));
    const rows = this.db.prepare('SELECT * FROM jobs ORDER BY started_at DESC LIMIT 50').all() as JobRow[];
    const stored = rows.filter((r) => !liveIds.has(r.id)).map(storedInfo);
    return [...live.reverse(), ...stored];
  }

  /**
   * What ran in this project, newest first: each job with its options, duration and outcome (a job of this
   * session with its live state).
   */
  history(limit: number, offset: number): JobRecord[] {
    const rows = this.db
      .prepare('SELECT * FROM jobs ORDER BY started_at DESC, rowid DESC LIMIT ? OFFSET ?')
      .all(limit, offset) as JobRow[];
    return rows.map((r) => {
      const info = this.jobs.get(r.id)?.info ?? storedInfo(r);
      const end = info.finishedAt ? Date.parse(info.finishedAt) : null;
      return {
        ...info,
        options: historyOptions(r.params),
        durationMs: end === null ? null : Math.max(0, end - Date.parse(info.startedAt)),
      };
    });
  }

  /** Cancels everything and waits for the jobs to stop (they commit what they finished). */
  async shutdown(): Promise<void> {
    for (const job of this.jobs.values()) if (!TERMINAL.has(job.info.state)) job.controller.abort();
    await Promise.allSettled([...this.jobs.values()].map((j) => j.done));
  }

  private async run(info: JobInfo, controller: AbortController, body: JobBody): Promise<JobInfo> {
    const meter = new ProgressMeter();
    let lastEmit = 0;
    const publish = (force: boolean) => {
      info.rate = meter.rate();
      info.eta = meter.eta(info.done, info.total, info.totalKnown);
      const now = performance.now();
      if (force || now - lastEmit >= EVENT_INTERVAL_MS) {
        lastEmit = now;
        this.persist(info);
        this.emit({ ...info });
      }
    };
    if (controller.signal.aborted) {
      this.finish(info, 'cancelled', 'cancelled before it started');
      return { ...info };
    }
    info.state = 'running';
    info.message = 'starting';
    meter.record(0);
    publish(true);
    const ctx: JobContext = {
      id: info.id,
      signal: controller.signal,
      progress: (u) => {
        if (u.done !== undefined) {
          info.done = u.done;
          meter.record(u.done);
        }
        if (u.total !== undefined) info.total = u.total;
        if (u.totalKnown !== undefined) info.totalKnown = u.totalKnown;
        if (u.errors !== undefined) info.errors = u.errors;
        if (u.message !== undefined) info.message = u.message;
        publish(false);
      },
    };
    try {
      const { message } = await body(ctx);
      this.finish(info, controller.signal.aborted ? 'cancelled' : 'done', message);
    } catch (thrown) {
      if (controller.signal.aborted) {
        this.finish(info, 'cancelled', CANCELLED_MESSAGE);
        return { ...info };
      }
      const err = asStorageError(thrown, path.dirname(this.db.name));
      const message = err instanceof ApiError ? err.message : `failed: ${errorLine(err)}`;
      this.finish(info, 'failed', message);
    }
    return { ...info };
  }

  private finish(info: JobInfo, state: JobState, message: string): void {
    info.state = state;
    info.message = message;
    info.eta = state === 'done' ? 0 : null;
    info.finishedAt = new Date().toISOString();
    try {
      this.persist(info);
    } catch (err) {
      // A full disk can refuse even this small update; the job still ends, and the next open marks it.
      if (!storageCause(err)) throw err;
    }
    this.log?.write('job.finished', {
      id: info.id,
      kind: info.kind,
      state,
      done: info.done,
      total: info.total,
      errors: info.errors,
      ms: Date.parse(info.finishedAt) - Date.parse(info.startedAt),
      message: withoutPaths(message),
    });
    this.emit({ ...info });
  }

  private persist(info: JobInfo): void {
    if (!this.db.open) return;
    this.db
      .prepare(
        'UPDATE jobs SET state = ?, done = ?, total = ?, errors = ?, message = ?, finished_at = ? WHERE id = ?',
      )
      .run(info.state, info.done, info.total, info.errors, info.message, info.finishedAt, info.id);
  }
}

function storedInfo(r: JobRow): JobInfo {
  return {
    id: r.id,
    kind: r.kind,
    state: r.state,
    done: r.done,
    total: r.total,
    totalKnown: true,
    rate: 0,
    eta: null,
    errors: r.errors,
    message: r.message,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
  };
}

function historyOptions(params: string): Record<string, unknown> {
  const parsed = JSON.parse(params) as unknown;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {};
  return Object.fromEntries(
    Object.entries(parsed).map(([k, v]) => [
      k,
      typeof v === 'string' && v.length > OPTION_TEXT_MAX ? `(${v.length} characters)` : v,
    ]),
  );
}
