/** SFT rows: the project's saved recipe (settings), runs, and the canonical samples every export format views. */
import { randomUUID } from 'node:crypto';
import type { SftCounts, SftRunSummary, SftSplit, SftTask } from '../../api/sft.ts';
import type { Db } from '../project/database.ts';
import type { Generated, SftSample } from './generate.ts';
import type { LabelValue } from '../labeler/index.ts';
import { LABELER_SOURCE } from './labels.ts';
import { defaultRecipeYaml, parseRecipe, type SftRecipe } from './recipe.ts';

const RECIPE_KEY = 'sft.recipe';

export function savedRecipeYaml(db: Db): string | null {
  const row = db.prepare('SELECT value FROM settings WHERE key = ?').get(RECIPE_KEY) as
    { value: string } | undefined;
  return row ? (JSON.parse(row.value) as string) : null;
}

export function saveRecipeYaml(db: Db, yaml: string | null): void {
  if (yaml === null) db.prepare('DELETE FROM settings WHERE key = ?').run(RECIPE_KEY);
  else
    db.prepare(
      'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    ).run(RECIPE_KEY, JSON.stringify(yaml));
}

/** The recipe a run uses: the text given, else the project's saved one, else the shipped default. */
export function effectiveRecipe(
  db: Db,
  yaml?: string,
): { recipe: SftRecipe; yaml: string; source: 'default' | 'project' } {
  if (yaml !== undefined && yaml.trim() !== '') return { recipe: parseRecipe(yaml), yaml, source: 'project' };
  const saved = savedRecipeYaml(db);
  if (saved !== null) return { recipe: parseRecipe(saved), yaml: saved, source: 'project' };
  const def = defaultRecipeYaml();
  return { recipe: parseRecipe(def), yaml: def, source: 'default' };
}

/**
 * Stores the report labeler's labels as their own source (`report-labeler`), replacing only that source's
 * earlier rows: CSV and manifest labels are never touched.
 */
export function storeLabelerLabels(db: Db, labels: Map<number, Map<string, LabelValue>>): void {
  const clear = db.prepare('DELETE FROM labels WHERE study_id = ? AND source = ?');
  const insert = db.prepare('INSERT INTO labels (study_id, source, name, value) VALUES (?, ?, ?, ?)');
  db.transaction(() => {
    for (const [studyId, values] of labels) {
      clear.run(studyId, LABELER_SOURCE);
      for (const [name, value] of values) insert.run(studyId, LABELER_SOURCE, name, value);
    }
  })();
}

/** Stores a run and its samples; earlier runs' samples go (runs stay listed), in one transaction. */
export function saveRun(db: Db, jobId: string | null, recipe: SftRecipe, g: Generated): string {
  const runId = randomUUID();
  const insert = db.prepare(
    `INSERT INTO sft_samples (run_id, task, template_id, generator, split, instruction, response, image_ids,
       source_records, sample_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  db.transaction(() => {
    db.prepare('DELETE FROM sft_samples').run();
    db.prepare(
      'INSERT INTO sft_runs (id, job_id, recipe, counts, model, created_at) VALUES (?, ?, ?, ?, ?, ?)',
    ).run(runId, jobId, JSON.stringify(recipe), JSON.stringify(g.counts), g.model, new Date().toISOString());
    for (const s of g.samples) {
      insert.run(
        runId,
        s.task,
        s.templateId,
        s.generator,
        s.split,
        s.instruction,
        s.response,
        JSON.stringify(s.imageIds),
        JSON.stringify(s.sourceRecords),
        s.key,
      );
    }
  })();
  return runId;
}

export interface StoredRun extends SftRunSummary {
  recipe: SftRecipe;
}

export function latestRun(db: Db): StoredRun | null {
  const row = db
    .prepare('SELECT id, recipe, counts, model, created_at FROM sft_runs ORDER BY rowid DESC LIMIT 1')
    .get() as
    { id: string; recipe: string; counts: string; model: string | null; created_at: string } | undefined;
  if (!row) return null;
  return {
    runId: row.id,
    recipe: JSON.parse(row.recipe) as SftRecipe,
    counts: JSON.parse(row.counts) as SftCounts,
    model: row.model,
    createdAt: row.created_at,
  };
}

/** The samples of the latest run (plus any rows added by hand), in their stored order. */
export function readSamples(db: Db): SftSample[] {
  const rows = db
    .prepare(
      `SELECT id, task, template_id, generator, split, instruction, response, image_ids, source_records, sample_key
       FROM sft_samples ORDER BY split, task, sample_key, id`,
    )
    .all() as {
    id: number;
    task: string;
    template_id: string;
    generator: string;
    split: string;
    instruction: string;
    response: string;
    image_ids: string;
    source_records: string;
    sample_key: string | null;
  }[];
  return rows.map((r) => ({
    key: r.sample_key ?? `row${r.id}`,
    task: r.task as SftTask,
    templateId: r.template_id,
    generator: r.generator,
    split: r.split as SftSplit,
    instruction: r.instruction,
    response: r.response,
    imageIds: JSON.parse(r.image_ids) as number[],
    sourceRecords: JSON.parse(r.source_records) as SftSample['sourceRecords'],
  }));
}
