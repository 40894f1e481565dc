import fs from 'node:fs';
import path from 'node:path';
import { detectSpans } from '../../engine/deid-text/index.ts';
import { evaluate, parseGold, type GoldRecord, type Metrics } from '../../engine/deid-text/evaluate.ts';
import { parsePhysionetDeid } from '../../engine/deid-text/gold-formats.ts';
import { type CommandContext, print } from '../shared.ts';

const pct = (v: number) => `${(v * 100).toFixed(2)}%`.padStart(8);

function row(name: string, m: Metrics): string {
  return `${name.padEnd(9)} ${String(m.goldSpans).padStart(6)} ${pct(m.spanRecall)} ${pct(m.tokenPrecision)} ${pct(m.tokenRecall)} ${pct(m.tokenF1)} ${pct(m.charPrecision)}`;
}

/** Gold records from GOLD: our JSONL, or a PhysioNet deid folder (`id.text` and `id-phi.phrase`). */
export function readGold(gold: string, format: unknown): GoldRecord[] {
  if (format === undefined || format === 'jsonl') return parseGold(fs.readFileSync(gold, 'utf8'));
  if (format === 'physionet') {
    const read = (name: string) => fs.readFileSync(path.join(gold, name), 'latin1');
    return parsePhysionetDeid(read('id.text'), read('id-phi.phrase'));
  }
  throw new Error(`Unknown --format ${String(format)}: expected jsonl or physionet.`);
}

/**
 * `medprep eval-deid GOLD [--format jsonl|physionet] [--show-misses]`: scores the text engine (rules and each
 * record's header) on gold spans. Misses are PHI: only their count is printed unless --show-misses asks.
 */
export async function evalDeidCommand(ctx: CommandContext): Promise<void> {
  const records = readGold(ctx.args[0]!, ctx.values.format);
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
