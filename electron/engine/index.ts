import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CHANNELS,
  type ApiEvents,
  type ApiInvoke,
  type ArgsOf,
  type Channel,
  type EventName,
  type ImportFormat,
  type JobInfo,
  type ResultOf,
} from '../api/contract.ts';
import { appVersion, resourceFile } from './app-root.ts';
import type { EngineContext, HandlersFor } from './context.ts';
import type { z } from 'zod';
import { CHANNEL_ARGS } from './contract-args.ts';
import { parseOrThrow } from './validation.ts';
import { deidHandlers } from './deid/index.ts';
import { detailHandlers } from './detail/handlers.ts';
import { pixelsMediaFile } from './detail/pixels.ts';
import { ApiError } from './errors.ts';
import { asStorageError, storageCause, unwritableCause } from './storage-errors.ts';
import { curateHandlers } from './curate/handlers.ts';
import { browseHandlers } from './browse/handlers.ts';
import { patientsHandlers } from './patients/handlers.ts';
import { detectFormat } from './import/detect.ts';
import { importSummary, planImport, runImport } from './import/import-job.ts';
import { JobManager } from './jobs/jobs.ts';
import { ModelsStage } from './models/handlers.ts';
import { ProjectLog } from './project/log.ts';
import { Project } from './project/project.ts';
import { checkSourceOutsideProject, isInside } from './project/overlap.ts';
import { isServableCacheFile, type ExpectedContent } from './project/private-files.ts';
import {
  getImage,
  listImages,
  listProblems,
  problemsCsv,
  projectStats,
  thumbnailFileFor,
} from './queries.ts';
import { sftHandlers } from './sft/index.ts';
import { exportHandlers } from './export/index.ts';

export { ApiError, toErrorShape } from './errors.ts';

export interface EngineOptions {
  /** Where "Open sample project" creates its project; defaults to ~/MedPrep/sample-project. */
  sampleProjectDir?: string;
  /** The bundled sample data; defaults to resources/sample-data in the app folder. */
  sampleDataDir?: string;
}

type Handlers = HandlersFor<ApiInvoke>;
type Listener<E extends EventName> = (payload: ApiEvents[E]) => void;

/**
 * The product: one engine behind every front. Fronts call `invoke` with a channel of the contract and
 * subscribe with `on`; they hold no logic of their own. One project is open at a time.
 */
export class Engine {
  private project: Project | null = null;
  private jobs: JobManager | null = null;
  private cacheRoot: string | null = null;
  private readonly listeners = new Map<EventName, Set<(payload: never) => void>>();
  private readonly opts: Required<EngineOptions>;
  private readonly version = appVersion();
  private readonly handlers: Handlers;
  /** Handed to stage handler factories (electron/engine/<stage>/handlers.ts). */
  private readonly ctx: EngineContext;
  private readonly models: ModelsStage;

  constructor(opts: EngineOptions = {}) {
    this.opts = {
      sampleProjectDir: opts.sampleProjectDir ?? path.join(os.homedir(), 'MedPrep', 'sample-project'),
      sampleDataDir: opts.sampleDataDir ?? resourceFile('sample-data'),
    };
    this.ctx = {
      version: this.version,
      requireProject: () => this.requireProject(),
      startJob: (kind, params, body) => this.requireJobs().start(kind, params, body),
      emit: (event, payload) => this.emit(event, payload),
    };
    this.models = new ModelsStage(this.ctx);
    // Core channels here; each stage joins with one line: ...stageHandlers(this.ctx)
    this.handlers = {
      'app.info': () => ({
        name: 'MedPrep',
        version: this.version,
        node: process.versions.node,
        platform: `${process.platform}-${process.arch}`,
        sampleDataDir: this.opts.sampleDataDir,
      }),
      'project.create': (a) => this.setProject(Project.create(a.dir, a.name, this.version)),
      'project.open': (a) => this.openProject(a.dir),
      'project.openSample': (a) => this.openSample(a.dir ?? this.opts.sampleProjectDir),
      'project.current': () => this.project?.info() ?? null,
      'project.close': async () => {
        await this.closeProject();
        this.emit('project.changed', null);
        return null;
      },
      'project.stats': () => projectStats(this.requireProject().db),
      'import.detect': (a) => {
        planImport(a.source, 'dicom'); // existence and readability first, with the same errors
        return detectFormat(path.resolve(a.source));
      },
      'import.start': (a) => this.startImport(a.source, a.format ?? 'auto'),
      'import.summary': (a) => importSummary(this.requireProject(), a.jobId),
      'jobs.list': () => this.jobs?.list() ?? [],
      'jobs.cancel': (a) => this.requireJobs().cancel(a.id),
      'jobs.history': (a) => this.requireJobs().history(a.limit ?? 100, a.offset ?? 0),
      'images.list': (a) => listImages(this.requireProject().db, a.offset, a.limit),
      'images.get': (a) => getImage(this.requireProject().db, a.id),
      'files.problems': (a) => listProblems(this.requireProject().db, a.offset, a.limit),
      'files.problemsCsv': () => {
        const project = this.requireProject();
        return {
          filename: `${path.basename(project.dir)}-import-problems.csv`,
          csv: problemsCsv(project.db),
        };
      },
      ...deidHandlers(this.ctx),
      ...curateHandlers(this.ctx),
      ...sftHandlers(this.ctx),
      ...exportHandlers(this.ctx),
      ...this.models.handlers,
      ...detailHandlers(this.ctx),
      ...browseHandlers(this.ctx),
      ...patientsHandlers(this.ctx),
    };
  }

  async invoke<C extends Channel>(channel: C, args: ArgsOf<C>): Promise<ResultOf<C>> {
    if (!(CHANNELS as readonly string[]).includes(channel))
      throw new ApiError('bad-request', `Unknown channel ${String(channel)}.`);
    const handler = this.handlers[channel] as (a: ArgsOf<C>) => ResultOf<C> | Promise<ResultOf<C>>;
    const checked = parseOrThrow(CHANNEL_ARGS[channel] as z.ZodType, args ?? {}) as ArgsOf<C>;
    try {
      return await handler(checked);
    } catch (err) {
      // A full or read-only disk outside a job (opening a project, recording a job): cause and path.
      throw asStorageError(err, this.project?.dir ?? 'the project folder');
    }
  }

  on<E extends EventName>(event: E, listener: Listener<E>): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as (payload: never) => void);
    return () => set.delete(listener as (payload: never) => void);
  }

  /** Resolves until a job ends; for the CLI and tests, which run jobs to completion. */
  waitForJob(id: string): Promise<JobInfo> {
    return this.requireJobs().wait(id);
  }

  /** Jobs queued or running now, for a front that is about to close (the desktop window asks first). */
  activeJobs(): JobInfo[] {
    return (this.jobs?.list() ?? []).filter((j) => j.state === 'queued' || j.state === 'running');
  }

  /**
   * Maps a media URL path (as handed to the renderer: `media/thumbs/<hash>.png`, or the detail view's values
   * `media/pixels/<imageId>-<hash>.f32`) to a file inside the project's cache, or null. Confined with
   * path.relative after resolving links, and served only when it holds what the engine wrote there.
   */
  resolveMedia(urlPath: string): string | null {
    const project = this.project;
    if (!project || !this.cacheRoot) return null;
    let file: string | null = null;
    let expected: ExpectedContent = { png: true };
    const thumb = /^\/?media\/thumbs\/([0-9a-f]{64})\.png$/.exec(urlPath);
    if (thumb) {
      const rel = thumbnailFileFor(project.db, thumb[1]!);
      file = rel && path.resolve(project.cacheDir, rel);
    } else {
      const px = /^\/?media\/pixels\/([1-9][0-9]{0,15})-([0-9a-f]{64})\.f32$/.exec(urlPath);
      const values = px && pixelsMediaFile(project.db, project.cacheDir, Number(px[1]), px[2]!);
      if (values) [file, expected] = [values.file, { sha256: values.sha256 }];
    }
    if (!file) return null;
    // Confined after resolving links: a link planted in the cache must not serve the database or the key.
    try {
      const abs = fs.realpathSync(file);
      return isInside(abs, this.cacheRoot) && isServableCacheFile(abs, expected) ? abs : null;
    } catch {
      return null;
    }
  }

  async close(): Promise<void> {
    await this.closeProject();
    this.models.close();
    this.listeners.clear();
  }

  private emit<E extends EventName>(event: E, payload: ApiEvents[E]): void {
    for (const l of this.listeners.get(event) ?? []) (l as Listener<E>)(payload);
  }

  private async setProject(project: Project) {
    await this.closeProject();
    this.project = project;
    // The cache folder with its links resolved, once: media paths must resolve inside it.
    this.cacheRoot = fs.realpathSync(project.cacheDir);
    const log = new ProjectLog(project.dir);
    log.write('project.opened', { version: this.version, schema: project.info().schemaVersion });
    this.jobs = new JobManager(project.db, (job) => this.emit('job.updated', job), log);
    const info = project.info();
    this.emit('project.changed', info);
    return info;
  }

  private async closeProject(): Promise<void> {
    await this.jobs?.shutdown();
    this.project?.close();
    this.project = null;
    this.cacheRoot = null;
    this.jobs = null;
  }

  private async openSample(dir: string) {
    let info;
    try {
      info = await this.setProject(Project.open(dir));
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 'not-found')) throw err;
      info = await this.setProject(Project.create(dir, 'Sample project', this.version));
    }
    if (projectStats(this.requireProject().db).images === 0) {
      this.startImport(path.join(this.opts.sampleDataDir, 'mimic-cxr'), 'mimic-cxr');
    }
    return info;
  }

  /** Opens a project; one that cannot be written (read-only disk, no permission) is refused in plain words. */
  private async openProject(dir: string) {
    const project = Project.open(dir);
    try {
      return await this.setProject(project);
    } catch (err) {
      await this.closeProject();
      const cause = storageCause(err) ? (unwritableCause(project.dir) ?? storageCause(err)) : null;
      if (!cause) throw err;
      throw new ApiError('unavailable', `cannot open the project: ${cause}: ${project.dir}`);
    }
  }

  private startImport(source: string, format: ImportFormat): JobInfo {
    const project = this.requireProject();
    const plan = planImport(source, format);
    checkSourceOutsideProject(project.dir, plan.source);
    return this.requireJobs().start('import', plan, async (ctx) => ({
      message: await runImport(project, plan, ctx),
    }));
  }

  private requireProject(): Project {
    if (!this.project) throw new ApiError('no-project', 'No project is open.');
    return this.project;
  }

  private requireJobs(): JobManager {
    if (!this.jobs) throw new ApiError('no-project', 'No project is open.');
    return this.jobs;
  }
}
