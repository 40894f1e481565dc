import fs from 'node:fs';
import { deidentifyTextSync } from '../../engine/deid-text/index.ts';
import { type CommandContext, UsageError, print } from '../shared.ts';

async function readInput(file: string | undefined): Promise<string> {
  if (file !== undefined && file !== '-') return fs.readFileSync(file, 'utf8');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * `medprep deid-text [FILE|-] [--mode tags|surrogates]`: de-identifies one text with the rules (no project, so
 * no header identifiers; surrogates are keyed by a random key per call). Offsets refer to the input text.
 */
export async function deidTextCommand(ctx: CommandContext): Promise<void> {
  const mode = ctx.values.mode ?? 'tags';
  if (mode !== 'tags' && mode !== 'surrogates') throw new UsageError('--mode must be tags or surrogates');
  const text = await readInput(ctx.args[0]);
  const { randomBytes } = await import('node:crypto');
  const result = deidentifyTextSync(
    text,
    mode === 'surrogates' ? { mode, secret: randomBytes(32), patientKey: 'deid-text' } : { mode },
  );
  print(
    ctx,
    {
      text: result.text,
      spans: result.spans.map((s) => ({
        start: s.start,
        end: s.end,
        category: s.category,
        source: s.source,
        replacement: s.replacement,
        confidence: s.confidence,
      })),
    },
    result.text.replace(/\n$/, ''),
  );
}
