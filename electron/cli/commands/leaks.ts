import type { LeakReviewItem } from '../../api/export.ts';
import { UsageError, plural, print, withProject, type Command, type CommandContext } from '../shared.ts';

export const leaksCommand: Command = {
  usage: 'leaks PROJECT [--accept ID --reason TEXT]',
  summary: "the leak gate's review queue: hits it could not decide, and a person's decision on one",
  positionals: [1, 1],
  options: {
    accept: { type: 'string', help: 'the id of an open hit (from the list) that is no identifier' },
    reason: { type: 'string', help: 'why it is no identifier (recorded with the decision)' },
  },
  run: leaks,
};

const where = (h: LeakReviewItem) => `${h.file}, record ${h.record}, ${h.category}`;

/**
 * `medprep leaks PROJECT`: runs the gate over the bundle texts and lists the open hits. The matched word and
 * its sentence are patient data: printed only to a terminal, never with --json or into a pipe or a log file.
 */
async function leaks(ctx: CommandContext): Promise<void> {
  const { accept, reason } = ctx.values;
  if (accept !== undefined) {
    const id = Number(accept);
    if (!Number.isInteger(id) || id < 1) throw new UsageError('--accept takes the id of an open hit');
    if (typeof reason !== 'string' || reason.trim() === '')
      throw new UsageError('--accept needs --reason TEXT: why this hit is no identifier');
    await withProject(ctx.args[0]!, async (engine) => {
      const item = await engine.invoke('export.acceptLeak', { id, reason });
      print(ctx, item, `Accepted hit ${item.id} (${where(item)}); exports pass it from now on.`);
    });
    return;
  }
  if (reason !== undefined) throw new UsageError('--reason goes with --accept ID');
  const showText = !ctx.json && ctx.io.stdout.isTTY === true;
  await withProject(ctx.args[0]!, async (engine) => {
    const queue = await engine.invoke('export.leaks', { refresh: true, withText: showText });
    const lines = [
      queue.open.length === 0
        ? `No open leak-gate hits; ${plural(queue.accepted, 'hit')} accepted before.`
        : `${plural(queue.open.length, 'open hit')} the leak gate could not decide (${queue.accepted} accepted before):`,
    ];
    for (const h of queue.open) {
      lines.push(`  ${String(h.id).padStart(4)}  ${where(h)}`);
      if (h.context !== undefined) lines.push(`        "${h.match}" in: ${h.context}`);
    }
    if (queue.open.length > 0) {
      if (!showText) lines.push('The words themselves are shown on a terminal only (or in the app).');
      lines.push(
        'Accept one that is no identifier: medprep leaks PROJECT --accept ID --reason TEXT;',
        'a real identifier is fixed in the report (then run sft again).',
      );
    }
    print(ctx, queue, lines.join('\n'));
  });
}
