import fs from 'node:fs';
import { followJob, plural, print, withProject, UsageError, type CommandContext } from '../shared.ts';

export function readRecipe(v: string | boolean | undefined): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new UsageError('--recipe needs a file');
  try {
    return fs.readFileSync(v, 'utf8');
  } catch {
    throw new UsageError(`cannot read the recipe ${v}`);
  }
}

/** `medprep sft PROJECT [--recipe FILE]`: generates the samples every export format views. */
export async function sftCommand(ctx: CommandContext): Promise<void> {
  const yaml = readRecipe(ctx.values.recipe);
  await withProject(ctx.args[0]!, async (engine) => {
    const job = await followJob(engine, await engine.invoke('sft.run', yaml ? { yaml } : {}), ctx, 'sft');
    if (job.state !== 'done') throw new Error(`SFT generation ${job.state}: ${job.message}`);
    const summary = await engine.invoke('sft.summary', {});
    const counts = summary!.counts;
    const total = Object.values(counts.byTask).reduce((a, b) => a + (b ?? 0), 0);
    const lines = [
      `Generated ${plural(total, 'sample')} from ${plural(counts.eligibleImages, 'eligible image')} ` +
        `(${counts.studies} ${counts.studies === 1 ? 'study' : 'studies'}, ${plural(counts.patients, 'patient')}).`,
      ...Object.entries(counts.byTask).map(([task, n]) => `  ${task.padEnd(26)} ${n}`),
      `Splits: ${Object.entries(counts.bySplit)
        .map(([s, n]) => `${s} ${n}`)
        .join(', ')}`,
      ...Object.entries(counts.emptyTasks ?? {}).map(([task, why]) => `  ${task.padEnd(26)} 0 (${why})`),
      ...(counts.gate
        ? [
            `Faithfulness gate: ${counts.gate.passed} of ${counts.gate.checked} passed; failed: ${Object.entries(
              counts.gate.failed,
            )
              .map(([k, n]) => `${k} ${n}`)
              .join(', ')}`,
          ]
        : []),
      ...(counts.labeler && counts.labeler.studies > 0
        ? [
            `Report labeler: ${plural(counts.labeler.studies, 'report')} labeled` +
              (counts.labeler.compared > 0
                ? `; agrees with the CSV labels on ${counts.labeler.agreed} of ${counts.labeler.compared} values`
                : ''),
          ]
        : []),
      ...(summary!.model ? [`Model: ${summary!.model}`] : []),
    ];
    print(ctx, { runId: summary!.runId, model: summary!.model, ...counts }, lines.join('\n'));
  });
}
