import type { ApiEvents, EventName, JobInfo, JobKind } from '../api/contract.ts';
import type { JobBody } from './jobs/jobs.ts';
import type { Project } from './project/project.ts';

/**
 * What a stage's handlers get from the engine: the open project, a way to run a job, and the event
 * channel. Stages (electron/engine/<stage>/handlers.ts) export `(ctx) => HandlersFor<TheirInvoke>` and the
 * engine joins them, so adding a stage touches one line of index.ts.
 */
export interface EngineContext {
  readonly version: string;
  requireProject(): Project;
  startJob(kind: JobKind, params: unknown, body: JobBody): JobInfo;
  emit<E extends EventName>(event: E, payload: ApiEvents[E]): void;
}

/** Handlers for an invoke map: each channel's function, sync or async. */
export type HandlersFor<I> = {
  [C in keyof I]: I[C] extends (args: infer A) => infer R ? (args: A) => R | Promise<R> : never;
};
