import fs from 'node:fs';
import { detectSpans } from '../../engine/deid-text/index.ts';
import { evaluate, parseGold, type Metrics } from '../../engine/deid-text/evaluate.ts';
import { type CommandContext, print } from '../shared.ts';

const pct = (v: number) => `${(v * 100).toFixed(2)}%`.padStart(8);

function row(name: string, m: Metrics): string {
  return `${name.padEnd(9)} ${String(m.goldSpans).padStart(6)} ${pct(m.spanRecall)} ${pct(m.tokenPrecision)} ${pct(m.tokenRecall)} ${pct(m.tokenF1)} ${pct(m.charPrecision)}`;
}

/**
 * `medprep eval-deid GOLD.jsonl [--show-misses]`: scores the text engine (rules and each record's header) on
 * gold spans. Misses are PHI: only their count is printed unless --show-misses asks for them.
 */
export async function evalDeidCommand(ctx: CommandContext): Promise<void> {
  const records = parseGold(fs.readFileSync(ctx.args[0]!, 'utf8'));
  const { report, misses } = await evaluate(records, (r) =>
    detectSpans(r.text, r.header ? { known: r.header } : {}),
  );
  const show = ctx.values['show-misses'] === true;
  const doc = { ...report, missCount: misses.length, ...(show ? { misses } : {}) };
  const lines = [
    `${report.records} records`,
    `category   spans   recall  tok-prec  tok-rec   tok-F1 char-prec`,
    ...Object.entries(report.perCategory).map(([c, m]) => row(c, m)),
    row('overall', report.overall),
    `medical terms redacted: ${report.medicalTermsRedacted}`,
    `misses: ${misses.length}${show || misses.length === 0 ? '' : ' (contain PHI; --show-misses prints them)'}`,
    ...(show
      ? misses.map(
          (m) =>
            `  ${m.id ?? `record ${m.record}`} ${m.category} ${m.start}-${m.end}: ${JSON.stringify(m.text)}`,
        )
      : []),
  ];
  print(ctx, doc, lines.join('\n'));
}
