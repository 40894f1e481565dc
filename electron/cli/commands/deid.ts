import path from 'node:path';
import { exportLinkage } from '../../engine/deid/index.ts';
import { Project } from '../../engine/project/project.ts';
import { type CommandContext, followJob, plural, print, withProject } from '../shared.ts';

/** `medprep deid PROJECT [--export-linkage FILE]`: runs the deid job, or writes the linkage map on request. */
export async function deidCommand(ctx: CommandContext): Promise<void> {
  const dir = ctx.args[0]!;
  const linkageFile = ctx.values['export-linkage'];
  if (typeof linkageFile === 'string') return linkage(ctx, dir, linkageFile);
  await withProject(dir, async (engine) => {
    const job = await followJob(engine, await engine.invoke('deid.start', {}), ctx, 'deid');
    if (job.state === 'failed') throw new Error(job.message);
    const s = await engine.invoke('deid.summary', { jobId: job.id });
    if (job.state === 'cancelled')
      throw new Error('cancelled: what was de-identified before the cancel is kept');
    const spans = Object.entries(s.spansByCategory)
      .map(([c, n]) => `${c} ${n}`)
      .join(', ');
    const errorLines = s.errors.slice(0, 20).map((e) => `  ${e.item}: ${e.reason}`);
    print(
      ctx,
      {
        imagesProcessed: s.imagesProcessed,
        imagesUnchanged: s.imagesUnchanged,
        imagesNotApplicable: s.imagesNotApplicable,
        quarantined: s.quarantined,
        reportsProcessed: s.reportsProcessed,
        reportsUnchanged: s.reportsUnchanged,
        spansByCategory: s.spansByCategory,
        pixelText: s.pixelText,
        errors: s.errors,
        textModel: s.textModel,
        runId: s.runId,
      },
      [
        `De-identified ${plural(s.imagesProcessed, 'image')} (${s.imagesUnchanged} unchanged, ` +
          `${s.imagesNotApplicable} without a header) and ${plural(s.reportsProcessed, 'report')} ` +
          `(${s.reportsUnchanged} unchanged); ${s.quarantined} in quarantine, ${plural(s.errors.length, 'error')}.`,
        `Report spans: ${spans || 'none'}.`,
        `Burned-in text lines read by OCR: ${
          Object.entries(s.pixelText)
            .map(([k, n]) => `${k} ${n}`)
            .join(', ') || 'none'
        } (phi masked, marker kept, unsure to the quarantine).`,
        s.textModel
          ? `Report text model: ${s.textModel.id} on ${s.textModel.device ?? 'no device (no report needed it)'}, with the rules.`
          : 'Report text model: none (rules only).',
        ...errorLines,
      ].join('\n'),
    );
  });
}

function linkage(ctx: CommandContext, dir: string, file: string): void {
  const project = Project.open(dir);
  try {
    const abs = path.resolve(file);
    const rows = exportLinkage(project.db, abs);
    ctx.io.stderr.write(
      'medprep deid: WARNING: this file links every pseudonym to the original identifier. It re-identifies the ' +
        'dataset: keep it inside the hospital, never share it with the de-identified data.\n',
    );
    print(ctx, { linkageFile: abs, rows }, `Wrote ${plural(rows, 'linkage row')} to ${abs}`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST')
      throw new Error(`${file} exists; choose a new file`, { cause: err });
    throw err;
  } finally {
    project.close();
  }
}
