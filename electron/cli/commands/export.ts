import { EXPORT_FORMATS, EXPORT_IMAGE_KINDS, type ExportOptions } from '../../api/export.ts';
import { followJob, print, withProject, UsageError, type CommandContext } from '../shared.ts';

export function exportArgs(values: CommandContext['values']): ExportOptions {
  const format = values.format ?? 'llava';
  if (typeof format !== 'string' || !(EXPORT_FORMATS as readonly string[]).includes(format))
    throw new UsageError(`--format must be one of ${EXPORT_FORMATS.join(', ')}`);
  const o: ExportOptions = { format: format as ExportOptions['format'] };
  if (values.images !== undefined) {
    if (
      typeof values.images !== 'string' ||
      !(EXPORT_IMAGE_KINDS as readonly string[]).includes(values.images)
    )
      throw new UsageError(`--images must be one of ${EXPORT_IMAGE_KINDS.join(', ')}`);
    o.images = values.images as ExportOptions['images'];
  }
  if (values['max-side'] !== undefined) {
    const n = Number(values['max-side']);
    if (!Number.isInteger(n) || n < 16) throw new UsageError('--max-side must be an integer of at least 16');
    o.maxSide = n;
  }
  if (values.archive !== undefined) {
    if (values.archive !== 'tar' && values.archive !== 'zip')
      throw new UsageError('--archive must be tar or zip');
    o.archive = values.archive;
  }
  if (values['shard-mb'] !== undefined) {
    const mb = Number(values['shard-mb']);
    if (!(mb > 0)) throw new UsageError('--shard-mb must be a positive number of megabytes');
    o.shardBytes = Math.max(1, Math.round(mb * 1e6));
  }
  return o;
}

/** `medprep export PROJECT OUT …`: writes a bundle; a leak-gate hit fails it and leaves nothing at OUT. */
export async function exportCommand(ctx: CommandContext): Promise<void> {
  const [dir, out] = ctx.args as [string, string];
  const options = exportArgs(ctx.values);
  await withProject(dir, async (engine) => {
    const job = await followJob(
      engine,
      await engine.invoke('export.run', { ...options, out }),
      ctx,
      'export',
    );
    let result = null;
    try {
      result = await engine.invoke('export.result', { jobId: job.id });
    } catch {
      // A job that failed before it recorded anything (bad options, no samples) has no result row.
    }
    if (job.state !== 'done' || !result?.ok) {
      if (ctx.json && result) ctx.io.stdout.write(JSON.stringify(result) + '\n');
      else if (result && result.leak.hits.length > 0) {
        for (const h of result.leak.hits.slice(0, 20))
          ctx.io.stderr.write(`  leak: ${h.file}, record ${h.record}: ${h.category} (${h.kind})\n`);
      }
      throw new Error(result?.error ?? job.message.replace(/^failed: /, ''));
    }
    print(
      ctx,
      result,
      `Wrote ${result.samples} samples and ${result.images} images (${result.format}) to ${result.out}\n` +
        `Leak gate: ${result.leak.textsScanned} texts scanned, no open hits` +
        (result.leak.accepted ? ` (${result.leak.accepted} accepted by a person)` : '') +
        `. Digest ${result.digest}`,
    );
  });
}
