import fs from 'node:fs';
import { followJob, plural, print, withProject, type Command, type CommandContext } from '../shared.ts';

export const curateCommand: Command = {
  usage: 'curate PROJECT [--recipe FILE] [--analyse]',
  summary: 'filter, deduplicate and split (--analyse: statistics only, nothing removed)',
  positionals: [1, 1],
  options: {
    recipe: { type: 'string', help: 'a curation recipe YAML (default: resources/recipes/default.yaml)' },
    analyse: { type: 'boolean', help: 'compute the statistics only; nothing is removed' },
  },
  run: curate,
};

async function curate(ctx: CommandContext): Promise<void> {
  const file = typeof ctx.values.recipe === 'string' ? ctx.values.recipe : undefined;
  let recipe: string | undefined;
  if (file) {
    try {
      recipe = fs.readFileSync(file, 'utf8');
    } catch (err) {
      throw new Error(
        `cannot read the recipe ${file}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`,
        { cause: err },
      );
    }
  }
  const analyse = ctx.values.analyse === true;
  await withProject(ctx.args[0]!, async (engine) => {
    const started = await engine.invoke('curate.run', { ...(recipe ? { recipe } : {}), analyse });
    const job = await followJob(engine, started, ctx, 'curate');
    if (job.state !== 'done') throw new Error(`curation ${job.state}: ${job.message}`);
    const s = await engine.invoke('curate.summary', { jobId: job.id });
    const lines = s.operators.map(
      (o) =>
        `  ${o.operator.padEnd(22)} ${o.status === 'ran' ? `${analyse ? 'would remove' : 'removes'} ${o.removed}` : o.status}`,
    );
    const head = analyse
      ? `Analysed ${plural(s.samples, 'sample')}: ${s.statsComputed} statistics computed, the rest cached; nothing removed.`
      : `Kept ${s.kept} of ${plural(s.samples, 'sample')} (train ${s.splits.train}, validate ${s.splits.validate}, test ${s.splits.test}); ` +
        `${s.review} in duplicate clusters waiting for review; ${s.statsComputed} statistics computed.`;
    const tail = analyse
      ? []
      : [
          ...s.dedup.map(
            (d) =>
              `  ${d.method.padEnd(22)} ${plural(d.clusters, 'cluster')}, ${d.removed} removed${d.status === 'ran' ? '' : ` (${d.status})`}`,
          ),
          `  leakage check: ${s.leakage.ok ? 'ok' : `${s.leakage.violations.length} cluster(s) across splits`}`,
        ];
    print(ctx, s, [head, ...lines, ...tail].join('\n'));
  });
}
