import fs from 'node:fs';
import { resourceFile } from '../../engine/app-root.ts';
import { evaluateLabeler, parseGold, type LabelerEvaluation } from '../../engine/labeler/index.ts';
import { type CommandContext, print, UsageError } from '../shared.ts';

const f1 = (v: number) => v.toFixed(3).padStart(9);

/** The shipped gold set (hand-written sentences, no patient text). */
export function defaultGoldPath(): string {
  return resourceFile('labeler', 'gold.tsv');
}

function table(r: LabelerEvaluation): string[] {
  const rows = Object.entries(r.perObservation).map(
    ([o, s]) =>
      `${o.padEnd(28)}${f1(s.mention.f1)}${f1(s.negation.f1)}${f1(s.uncertainty.f1)}${f1(s.positive.f1)}`,
  );
  const o = r.overall;
  return [
    `${r.sentences} sentences`,
    `${'observation'.padEnd(28)}  mention  negation uncertain  positive   (F1)`,
    ...rows,
    `${'overall (micro)'.padEnd(28)}${f1(o.mention.f1)}${f1(o.negation.f1)}${f1(o.uncertainty.f1)}${f1(o.positive.f1)}`,
  ];
}

/**
 * `medprep eval-labeler [GOLD.tsv] [--show-errors]`: per-observation F1 of the report labeler for mention,
 * negation and uncertainty on a gold set (the shipped one by default). Gold sentences are not patient text,
 * so the disagreements may be printed.
 */
export async function evalLabelerCommand(ctx: CommandContext): Promise<void> {
  const file = ctx.args[0] ?? defaultGoldPath();
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new UsageError(`cannot read the gold set ${file}`);
  }
  const r = evaluateLabeler(parseGold(text));
  const show = ctx.values['show-errors'] === true;
  const lines = [
    ...table(r),
    `disagreements: ${r.errors.length}${show || r.errors.length === 0 ? '' : ' (--show-errors lists them)'}`,
    ...(show
      ? r.errors.map((e) => `  line ${e.line} [${e.category}] ${e.text}  want ${e.expected}, got ${e.got}`)
      : []),
  ];
  print(ctx, { ...r, errors: show ? r.errors : r.errors.length }, lines.join('\n'));
}
