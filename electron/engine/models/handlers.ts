/**
 * The models stage: lists models with where to put them, checks (hash + load) and benchmarks them as jobs,
 * and keeps the device setting. One ModelRunner (one model process) per engine, for the model folders of
 * the open project; Engine.close() closes it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { JobInfo } from '../../api/contract.ts';
import {
  MODEL_DEVICES,
  type ModelCheckRow,
  type ModelDevice,
  type ModelInfo,
  type ModelsInvoke,
  type ModelsOverview,
  type ModelsResult,
  type ModelStatus,
} from '../../api/models.ts';
import {
  ModelRunner,
  benchModels,
  checkModels,
  listModels,
  resolveModelDirs,
  type ModelCheck,
  type ModelEntry,
  type ModelsConfig,
} from '../../../native-models/index.ts';
import type { EngineContext, HandlersFor } from '../context.ts';
import { ApiError } from '../errors.ts';
import type { Project } from '../project/project.ts';

const SETTING = 'models.device';

/** The user's settings file (device for every project without its own). */
export function userSettingsFile(): string {
  return path.join(os.homedir(), '.medprep', 'settings.json');
}

function readUserSettings(): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(fs.readFileSync(userSettingsFile(), 'utf8'));
    return parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function isDevice(v: unknown): v is ModelDevice {
  return typeof v === 'string' && (MODEL_DEVICES as readonly string[]).includes(v);
}

function checkRow(c: ModelCheck): ModelCheckRow {
  return {
    id: c.id,
    status: c.status,
    device: c.load?.device ?? null,
    loadMs: c.load ? Math.round(c.load.loadMs) : null,
    fallbacks: c.load?.fallbacks ?? [],
    problems: [...c.problems.map((p) => p.message), ...(c.error ? [c.error] : [])],
  };
}

export class ModelsStage {
  private readonly ctx: EngineContext;
  private runner: ModelRunner | null = null;
  private runnerKey = '';
  /** Outcome of the last check of each model in this session, shown in the list. */
  private readonly lastChecks = new Map<string, ModelCheck>();
  private readonly results = new Map<string, ModelsResult>();

  constructor(ctx: EngineContext) {
    this.ctx = ctx;
  }

  readonly handlers: HandlersFor<ModelsInvoke> = {
    'models.list': () => this.overview(),
    'models.check': (a) => this.startCheck(a.ids, a.device),
    'models.bench': (a) => this.startBench(a.ids, a.devices),
    'models.result': (a) => {
      const result = this.results.get(a.jobId);
      if (!result) throw new ApiError('not-found', 'No result for that job (not a finished models job).');
      return result;
    },
    'models.setDevice': (a) => this.setDevice(a.device, a.scope),
  };

  close(): void {
    this.runner?.close();
    this.runner = null;
  }

  private project(): Project | null {
    try {
      return this.ctx.requireProject();
    } catch {
      return null;
    }
  }

  /** Model folders: the open project's models/ first, then the user's (MEDPREP_MODELS_DIR or ~/.medprep/models). */
  private config(): ModelsConfig {
    return { dirs: resolveModelDirs({ projectDir: this.project()?.dir ?? null }) };
  }

  private device(): { device: ModelDevice; from: ModelsOverview['deviceFrom'] } {
    const project = this.project();
    if (project) {
      const row = project.db.prepare('SELECT value FROM settings WHERE key = ?').get(SETTING) as
        { value: string } | undefined;
      const v: unknown = row ? JSON.parse(row.value) : undefined;
      if (isDevice(v)) return { device: v, from: 'project' };
    }
    const user = readUserSettings()[SETTING];
    return isDevice(user) ? { device: user, from: 'user' } : { device: 'auto', from: 'default' };
  }

  /** The runner for the current model folders; replaced when the open project (hence the folders) changes. */
  private runnerFor(config: ModelsConfig): ModelRunner {
    const key = JSON.stringify(config.dirs);
    if (!this.runner || key !== this.runnerKey) {
      this.runner?.close();
      this.runner = new ModelRunner({ models: config });
      this.runnerKey = key;
    }
    return this.runner;
  }

  private overview(): ModelsOverview {
    const list = listModels(this.config());
    const { device, from } = this.device();
    return {
      device,
      deviceFrom: from,
      dirs: list.dirs.map((d) => ({ path: d.path, scope: d.scope })),
      models: list.models.map((m) => this.info(m)),
      invalid: list.invalid,
    };
  }

  private info(m: ModelEntry): ModelInfo {
    const check = this.lastChecks.get(m.manifest.id);
    // A check outlives a change on disk only while the files it saw are still all there.
    const status: ModelStatus =
      m.status !== 'found' ? 'missing' : check && check.dir === m.dir ? check.status : 'found';
    return {
      id: m.manifest.id,
      task: m.manifest.task,
      name: m.manifest.name,
      status,
      dir: m.dir,
      folder: m.manifest.folder,
      searched: m.searched,
      files: m.files.map((f) => ({ path: f.path, found: f.found, bytes: f.bytes, pinnedBy: f.hashFrom })),
      obtain: m.manifest.source.obtain,
      convert: m.manifest.source.convert ?? null,
      licence: m.manifest.licence.spdx ?? m.manifest.licence.note ?? 'unknown',
      loaded:
        check?.load && status !== 'missing'
          ? {
              device: check.load.device,
              loadMs: Math.round(check.load.loadMs),
              fallbacks: check.load.fallbacks,
            }
          : null,
      problems: check && status !== 'found' ? checkRow(check).problems : [],
    };
  }

  private knownIds(ids: string[] | undefined, config: ModelsConfig): string[] {
    const known = listModels(config).models.map((m) => m.manifest.id);
    const unknown = (ids ?? []).filter((id) => !known.includes(id));
    if (unknown.length > 0)
      throw new ApiError('not-found', `Unknown model ${unknown.map((u) => `"${u}"`).join(', ')}.`);
    return ids ?? known;
  }

  private startCheck(ids: string[] | undefined, requested: ModelDevice | undefined): JobInfo {
    const config = this.config();
    const wanted = this.knownIds(ids, config);
    const device = requested ?? this.device().device;
    return this.ctx.startJob('models-check', { ids: wanted, device }, async (job) => {
      const runner = this.runnerFor(config);
      job.progress({ total: wanted.length, totalKnown: true });
      const checks: ModelCheck[] = [];
      for (const id of wanted) {
        if (job.signal.aborted) break;
        job.progress({ message: `checking ${id}` });
        const { checks: found } = await checkModels({ models: config, ids: [id], device, runner });
        for (const c of found) {
          checks.push(c);
          this.lastChecks.set(c.id, c);
        }
        const failed = checks.filter((c) => c.status === 'corrupt' || c.status === 'load-failed').length;
        job.progress({ done: checks.length, errors: failed });
      }
      this.results.set(job.id, { kind: 'models-check', checks: checks.map(checkRow) });
      const count = (s: string) => checks.filter((c) => c.status === s).length;
      const failed = count('corrupt') + count('load-failed');
      return {
        message: `${count('verified') + count('unpinned')} loaded, ${count('missing')} not installed, ${failed} failed`,
      };
    });
  }

  private startBench(ids: string[] | undefined, requested: ModelDevice[] | undefined): JobInfo {
    const config = this.config();
    const installed = new Set(
      listModels(config)
        .models.filter((m) => m.status === 'found')
        .map((m) => m.manifest.id),
    );
    const wanted = this.knownIds(ids, config).filter((id) => installed.has(id));
    if (wanted.length === 0) throw new ApiError('bad-request', 'None of those models is installed.');
    const devices = requested ?? [this.device().device];
    return this.ctx.startJob('models-bench', { ids: wanted, devices }, async (job) => {
      job.progress({ message: `measuring ${wanted.join(', ')} on ${devices.join(', ')}` });
      let rows = 0;
      const report = await benchModels({
        models: config,
        ids: wanted,
        devices,
        onRow: (row) =>
          job.progress({ done: ++rows, message: `${row.model} on ${row.device}, batch ${row.batchSize}` }),
      });
      this.results.set(job.id, {
        kind: 'models-bench',
        rows: report.rows.map((r) => ({
          model: r.model,
          task: r.task,
          requested: r.requested,
          device: r.device,
          batchSize: r.batchSize,
          itemsPerSec: r.itemsPerSec,
          firstResultMs: r.firstResultMs,
        })),
        models: report.models.map((m) => ({
          model: m.model,
          requested: m.requested,
          device: m.device,
          peakRssMiB: m.peakRssMiB,
          error: m.error,
        })),
      });
      return { message: `${report.rows.length} measurements` };
    });
  }

  private setDevice(device: ModelDevice, scope: 'project' | 'user'): ModelsOverview {
    if (scope === 'project') {
      const project = this.project();
      if (!project) throw new ApiError('no-project', 'No project is open.');
      project.db
        .prepare(
          'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
        )
        .run(SETTING, JSON.stringify(device));
    } else {
      const file = userSettingsFile();
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, `${JSON.stringify({ ...readUserSettings(), [SETTING]: device }, null, 2)}\n`);
    }
    return this.overview();
  }
}
