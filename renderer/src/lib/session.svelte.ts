import { createContext } from 'svelte';
import type { AppInfo, JobInfo, MedprepBridge, ProjectInfo, ProjectStats } from './api.ts';
import { errorCode, errorMessage } from './format.ts';
import { JobStore, isFinal, whenJobEnds } from './job-store.svelte.ts';
import { throttle } from './throttle.ts';

export { isFinal, whenJobEnds };

/** How often views refetch project data while a job streams updates. */
export const REFRESH_INTERVAL_MS = 1000;

/**
 * What this window knows about the engine: the open project, its counts and its jobs (one store for every
 * stage). Mirrors the engine's events, so every view reads one source; views fetch their own pages and refetch
 * when `dataVersion` moves (at most once a second while an import runs, and at once when it ends).
 */
export class Session {
  readonly bridge: MedprepBridge;
  ready = $state(false);
  appInfo = $state.raw<AppInfo | null>(null);
  project = $state.raw<ProjectInfo | null>(null);
  stats = $state.raw<ProjectStats | null>(null);
  /** Every job of the open project, live; a view shows `jobs.latest(itsKind)`. */
  readonly jobs = new JobStore();
  dataVersion = $state(0);
  /** A problem that belongs to no form (loading, refreshing); shown as an alert over the main area. */
  error = $state<string | null>(null);

  private readonly unsubscribe: (() => void)[] = [];
  private readonly refresh = throttle(() => void this.refreshData(), REFRESH_INTERVAL_MS);

  constructor(bridge: MedprepBridge) {
    this.bridge = bridge;
  }

  async start(): Promise<void> {
    this.unsubscribe.push(
      this.bridge.on('project.changed', (p) => void this.adopt(p)),
      this.bridge.on('job.updated', (j) => this.onJob(j)),
    );
    try {
      const [info, project] = await Promise.all([
        this.bridge.invoke('app.info', {}),
        this.bridge.invoke('project.current', {}),
      ]);
      this.appInfo = info;
      await this.adopt(project);
    } catch (err) {
      this.error = errorMessage(err);
    } finally {
      this.ready = true;
    }
  }

  dispose(): void {
    for (const off of this.unsubscribe.splice(0)) off();
    this.refresh.cancel();
  }

  async createProject(dir: string, name?: string): Promise<void> {
    await this.adopt(await this.bridge.invoke('project.create', name ? { dir, name } : { dir }));
  }

  async openProject(dir: string): Promise<void> {
    await this.adopt(await this.bridge.invoke('project.open', { dir }));
  }

  async openSample(): Promise<void> {
    await this.adopt(await this.bridge.invoke('project.openSample', {}));
  }

  async closeProject(): Promise<void> {
    await this.bridge.invoke('project.close', {});
    await this.adopt(null);
  }

  /** After a reconnect: events may have been missed, so read the project and its latest job again. */
  async resync(): Promise<void> {
    try {
      const project = await this.bridge.invoke('project.current', {});
      await this.adopt(project);
      if (!project || project.dir !== this.project?.dir) return;
      this.jobs.load(await this.bridge.invoke('jobs.list', {}));
      this.refresh.flush();
    } catch (err) {
      this.error = errorMessage(err);
    }
  }

  /** Refetches the counts and tells the views to refetch their pages. */
  async refreshData(): Promise<void> {
    if (!this.project) return;
    try {
      this.stats = await this.bridge.invoke('project.stats', {});
      this.error = null;
    } catch (err) {
      // The project can close between the event and the answer; that is not worth an alert.
      if (errorCode(err) !== 'no-project') this.error = errorMessage(err);
    }
    this.dataVersion++;
  }

  /** Takes a project from an answer or an event; both arrive for the same change, so this is idempotent. */
  private async adopt(project: ProjectInfo | null): Promise<void> {
    const same = project !== null && this.project?.dir === project.dir;
    this.project = project;
    if (same) return;
    this.stats = null;
    this.jobs.clear();
    this.error = null;
    this.refresh.cancel();
    if (!project) return;
    try {
      const jobs = await this.bridge.invoke('jobs.list', {});
      // Events may have brought newer states while the list was on its way; the store keeps the newest.
      if (this.project?.dir === project.dir) for (const job of jobs) this.jobs.update(job);
    } catch (err) {
      this.error = errorMessage(err);
    }
    this.refresh.flush();
  }

  private onJob(job: JobInfo): void {
    if (!this.project) return;
    this.jobs.update(job);
    if (job.kind !== 'import') return;
    if (isFinal(job)) this.refresh.flush();
    else this.refresh.call();
  }
}

export const [getSession, setSession] = createContext<Session>();
