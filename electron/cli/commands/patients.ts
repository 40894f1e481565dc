import { UsageError, plural, print, withProject, type Command, type CommandContext } from '../shared.ts';

export const patientsCommand: Command = {
  usage: 'patients PROJECT [--link ID --same-as ID --reason TEXT] [--unlink ID]',
  summary: 'patient identity: conflicting demographics, keys that may be one person, links',
  positionals: [1, 1],
  options: {
    link: { type: 'string', help: 'the patient number (from the list) that is the same person as --same-as' },
    'same-as': { type: 'string', help: 'the patient number it is the same person as' },
    reason: { type: 'string', help: 'why the two are one person (recorded with the link)' },
    unlink: { type: 'string', help: 'make a linked patient its own person again' },
  },
  run: patients,
};

function patientId(v: string | boolean | undefined, flag: string): number {
  const n = typeof v === 'string' && /^[1-9][0-9]{0,15}$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n)) throw new UsageError(`${flag} takes a patient number from the list`);
  return n;
}

async function patients(ctx: CommandContext): Promise<void> {
  const { link, unlink } = ctx.values;
  await withProject(
    ctx.args[0]!,
    async (engine) => {
      if (link !== undefined) {
        const reason = typeof ctx.values.reason === 'string' ? ctx.values.reason : '';
        if (!reason.trim()) throw new UsageError('--link needs --reason TEXT');
        const r = await engine.invoke('patients.link', {
          patientId: patientId(link, '--link'),
          sameAs: patientId(ctx.values['same-as'], '--same-as'),
          reason,
        });
        print(
          ctx,
          r,
          `Linked: patient ${String(link)} is now the same person as patient ${r.root}. Run deid, curate and sft again.`,
        );
        return;
      }
      if (unlink !== undefined) {
        const r = await engine.invoke('patients.unlink', { patientId: patientId(unlink, '--unlink') });
        print(
          ctx,
          r,
          r.changed ? `Unlinked patient ${String(unlink)}.` : `Patient ${String(unlink)} was not linked.`,
        );
        return;
      }
      // Keys are identifiers: shown to a person on a terminal, never in --json (which goes to scripts and logs).
      const review = await engine.invoke('patients.identity', {
        withKeys: !ctx.json && ctx.io.stdout.isTTY === true,
      });
      const key = (k: string | undefined) => (k === undefined ? '' : ` (${k})`);
      const lines = [
        `${plural(review.conflicts.length, 'conflict')}, ${plural(review.candidates.length, 'possible match')}, ${plural(review.links.length, 'link')}.`,
        ...review.conflicts.map(
          (c) =>
            `  conflict  patient ${c.patientId}${key(c.key)}: ${c.field} differs in ${plural(c.files, 'file')}`,
        ),
        ...review.candidates.map(
          (c) =>
            `  maybe     patient ${c.patientId}${key(c.key)} and patient ${c.sameAs}${key(c.sameAsKey)}: ${c.why}`,
        ),
        ...review.links.map(
          (l) =>
            `  linked    patient ${l.patientId}${key(l.key)} is patient ${l.sameAs}${key(l.sameAsKey)}: ${l.reason}`,
        ),
      ];
      print(ctx, review, lines.join('\n'));
    },
    ctx.io.stderr,
  );
}
