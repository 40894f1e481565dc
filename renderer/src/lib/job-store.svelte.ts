import { untrack } from 'svelte';
import { SvelteMap } from 'svelte/reactivity';
import type { JobInfo, JobKind, JobState } from './api.ts';

const FINAL_STATES: ReadonlySet<JobState> = new Set(['done', 'failed', 'cancelled', 'interrupted']);

export function isFinal(job: JobInfo): boolean {
  return FINAL_STATES.has(job.state);
}

// queued → running → an end: a state never goes back, so an answer that arrives after the job's own events
// (a start call's reply) cannot overwrite a newer state.
function rank(state: JobState): number {
  return state === 'queued' ? 0 : state === 'running' ? 1 : 2;
}

/**
 * Every job of the open project that this window knows, live through `job.updated`. It belongs to the session,
 * not to a view, so a view that is left and entered again finds its job (running or ended) where it was; each
 * view reads the newest job of its kind from here instead of following events itself.
 */
export class JobStore {
  private readonly byId = new SvelteMap<string, JobInfo>();

  /** The jobs newest first. */
  get all(): JobInfo[] {
    return [...this.byId.values()].sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  }

  /** Jobs queued or running now, oldest first (the order they run in). */
  get active(): JobInfo[] {
    return this.all.filter((j) => !isFinal(j)).reverse();
  }

  /** The newest job of one of these kinds, or null. */
  latest(...kinds: JobKind[]): JobInfo | null {
    return this.all.find((j) => kinds.includes(j.kind)) ?? null;
  }

  /** Takes a job from an event or an answer; an older state of a job already known is ignored. */
  update(job: JobInfo): void {
    const known = this.byId.get(job.id);
    if (known && rank(job.state) < rank(known.state)) return;
    this.byId.set(job.id, job);
  }

  /** Replaces what is known with a project's list (on open, and after a reconnect that may have missed events). */
  load(jobs: JobInfo[]): void {
    for (const id of [...this.byId.keys()]) if (!jobs.some((j) => j.id === id)) this.byId.delete(id);
    for (const job of jobs) this.update(job);
  }

  clear(): void {
    this.byId.clear();
  }
}

/**
 * Calls `ended` once for each job of `kind` (one or several) that ends while the calling component is mounted, wherever it was
 * started; with `endedBefore`, also for the newest one that had already ended when the component opened (a view
 * showing a job's result finds it again after navigation). Call during component initialisation.
 */
export function whenJobEnds(
  jobs: JobStore,
  kind: JobKind | JobKind[],
  ended: (job: JobInfo) => void,
  opts: { endedBefore?: boolean } = {},
): void {
  const kinds = Array.isArray(kind) ? kind : [kind];
  const atOpen = untrack(() => jobs.latest(...kinds));
  let handled = !opts.endedBefore && atOpen && isFinal(atOpen) ? atOpen.id : '';
  $effect(() => {
    const job = jobs.latest(...kinds);
    if (job && isFinal(job) && job.id !== handled) {
      handled = job.id;
      untrack(() => ended(job));
    }
  });
}
