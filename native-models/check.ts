import path from 'node:path';
import { listModels, verifyModelFiles } from './registry.ts';
import type { FileProblem, ModelList, ModelsConfig } from './registry.ts';
import { ModelRunner } from './runner.ts';
import type { ModelRunnerOptions } from './runner.ts';
import type { DeviceRequest, LoadInfo, ModelTask } from './types.ts';

export type CheckStatus = 'verified' | 'unpinned' | 'missing' | 'corrupt' | 'load-failed';

export interface ModelCheck {
  id: string;
  task: ModelTask;
  status: CheckStatus;
  dir: string | null;
  /** Every problem names its file; 'unpinned' ones are notes, not failures. */
  problems: FileProblem[];
  /** Set when the model was loaded: the device that actually ran it, and how long it took. */
  load: LoadInfo | null;
  /** One line: why it failed to load. */
  error: string | null;
}

export interface CheckOptions {
  models?: ModelsConfig;
  /** Only these models (default: all known). */
  ids?: string[];
  device?: DeviceRequest;
  /** Runner to load models with (default: a new one, closed afterwards). */
  runner?: ModelRunner;
  runnerOptions?: ModelRunnerOptions;
}

/**
 * `models check`: hashes every file of every model against its pinned SHA-256 and loads each complete,
 * uncorrupted model once in the model process. Never throws for a bad model; each gets a status.
 */
export async function checkModels(
  opts: CheckOptions = {},
): Promise<{ list: ModelList; checks: ModelCheck[] }> {
  const list = listModels(opts.models);
  const unknown = (opts.ids ?? []).filter((id) => !list.models.some((m) => m.manifest.id === id));
  if (unknown.length > 0) throw new Error(`unknown model ${unknown.map((u) => `"${u}"`).join(', ')}`);
  const entries = list.models.filter((m) => !opts.ids || opts.ids.includes(m.manifest.id));
  const runner = opts.runner ?? new ModelRunner({ ...opts.runnerOptions, models: opts.models });
  const checks: ModelCheck[] = [];
  try {
    for (const entry of entries) {
      const problems = await verifyModelFiles(entry);
      const base = {
        id: entry.manifest.id,
        task: entry.manifest.task,
        dir: entry.dir,
        problems,
        load: null,
        error: null,
      };
      if (problems.some((p) => p.kind === 'missing')) {
        checks.push({ ...base, status: 'missing' });
        continue;
      }
      if (problems.some((p) => p.kind === 'hash-mismatch' || p.kind === 'unreadable')) {
        checks.push({ ...base, status: 'corrupt' });
        continue;
      }
      try {
        const load = await runner.load(entry.manifest.id, { device: opts.device });
        checks.push({ ...base, load, status: problems.length > 0 ? 'unpinned' : 'verified' });
      } catch (err) {
        checks.push({ ...base, status: 'load-failed', error: (err as Error).message });
      }
    }
  } finally {
    if (!opts.runner) runner.close();
  }
  return { list, checks };
}

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}

/** What `medprep models list` prints. */
export function formatModelList(list: ModelList): string {
  const home = list.dirs.find((d) => d.scope === 'user') ?? list.dirs[0];
  const rows = list.models.map((m) => [
    m.manifest.id,
    m.manifest.task,
    m.status,
    `${m.files.filter((f) => f.found).length}/${m.files.length}`,
    m.dir ?? (home ? `put it in ${path.join(home.path, m.manifest.folder)}` : 'no models folder'),
  ]);
  const out = [table(['MODEL', 'TASK', 'STATUS', 'FILES', 'FOLDER'], rows)];
  out.push(
    '',
    'Model folders searched (first match wins):',
    ...list.dirs.map((d) => `  ${d.path}  (${d.scope})`),
  );
  for (const bad of list.invalid) out.push(`invalid manifest ${bad.path}: ${bad.message}`);
  return out.join('\n');
}

/** What `medprep models check` prints. */
export function formatChecks(checks: ModelCheck[]): string {
  const rows = checks.map((c) => [
    c.id,
    c.status,
    c.load ? c.load.device : '-',
    c.load ? `${Math.round(c.load.loadMs)} ms` : '-',
  ]);
  const out = [table(['MODEL', 'STATUS', 'DEVICE', 'LOAD'], rows)];
  for (const c of checks) {
    if (c.status === 'missing' && c.dir === null) {
      out.push(`  ${c.id}: not installed; put its files in one of the model folders (see models list)`);
      continue;
    }
    for (const p of c.problems) out.push(`  ${p.kind === 'unpinned' ? 'note' : 'error'}: ${p.message}`);
    if (c.error) out.push(`  error: ${c.error}`);
    for (const f of c.load?.fallbacks ?? []) out.push(`  ${c.id}: ${f.device} not used: ${f.reason}`);
  }
  return out.join('\n');
}
