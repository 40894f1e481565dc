import path from 'node:path';
import { ApiError, Engine } from '../../engine/index.ts';
import { followJob, print, type CommandContext } from '../shared.ts';
import { readRecipe } from './sft.ts';

/**
 * `medprep run SOURCE OUT`: import, de-identification, curation with the default recipe, SFT with the recipe,
 * a LLaVA export, verify.
 */
export async function runAll(ctx: CommandContext): Promise<void> {
  const [source, out] = ctx.args as [string, string];
  const projectDir = typeof ctx.values.project === 'string' ? ctx.values.project : path.join(out, 'project');
  const bundle = path.join(out, 'bundle');
  const yaml = readRecipe(ctx.values.recipe);
  const engine = new Engine();
  try {
    try {
      await engine.invoke('project.open', { dir: projectDir });
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 'not-found')) throw err;
      await engine.invoke('project.create', { dir: projectDir });
    }
    const imported = await followJob(
      engine,
      await engine.invoke('import.start', { source, format: 'auto' }),
      ctx,
      'import',
    );
    if (imported.state !== 'done') throw new Error(`import ${imported.state}: ${imported.message}`);
    const deid = await followJob(engine, await engine.invoke('deid.start', {}), ctx, 'deid');
    if (deid.state !== 'done') throw new Error(`de-identification ${deid.state}: ${deid.message}`);
    const curated = await followJob(engine, await engine.invoke('curate.run', {}), ctx, 'curate');
    if (curated.state !== 'done') throw new Error(`curation ${curated.state}: ${curated.message}`);
    const sft = await followJob(engine, await engine.invoke('sft.run', yaml ? { yaml } : {}), ctx, 'sft');
    if (sft.state !== 'done') throw new Error(`SFT generation ${sft.state}: ${sft.message}`);
    const job = await followJob(
      engine,
      await engine.invoke('export.run', { format: 'llava', out: bundle }),
      ctx,
      'export',
    );
    if (job.state !== 'done') throw new Error(job.message.replace(/^failed: /, ''));
    const report = await engine.invoke('export.verify', { bundle, withProject: true });
    if (!report.ok) throw new Error(report.summary);
    print(
      ctx,
      { project: projectDir, bundle, verify: report },
      `Project: ${projectDir}\nBundle: ${bundle}\n${report.summary}`,
    );
  } finally {
    await engine.close();
  }
}
