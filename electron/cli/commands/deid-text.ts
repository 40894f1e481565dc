import fs from 'node:fs';
import { type DeidTextOptions, deidentifyText } from '../../engine/deid-text/index.ts';
import { type CommandContext, UsageError, print } from '../shared.ts';

async function readInput(file: string | undefined): Promise<string> {
  if (file !== undefined && file !== '-') return fs.readFileSync(file, 'utf8');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * `medprep deid-text [FILE|-] [--mode tags|surrogates] [--model ID]`: de-identifies one text with the rules (no
 * project, so no header identifiers; surrogates are keyed by an ephemeral random key per call, said on stderr,
 * with a date shift drawn from it like a patient's), and with `--model` an
 * installed token-classification model (an id, or `auto` for the first installed one) whose spans are united
 * with the rules'. Offsets refer to the input text.
 */
export async function deidTextCommand(ctx: CommandContext): Promise<void> {
  const mode = ctx.values.mode ?? 'tags';
  if (mode !== 'tags' && mode !== 'surrogates') throw new UsageError('--mode must be tags or surrogates');
  const modelSetting = ctx.values.model as string | undefined;
  if (modelSetting !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/u.test(modelSetting))
    throw new UsageError('--model must be a model id or auto');
  const text = await readInput(ctx.args[0]);
  const opts: DeidTextOptions = { mode };
  if (mode === 'surrogates') {
    // No project, so no project key: an ephemeral one, so surrogates and the shift differ on every call.
    const { randomBytes } = await import('node:crypto');
    const { shiftDaysFor, DEFAULT_SHIFT_RANGE } = await import('../../engine/deid-dicom/index.ts');
    const secret = randomBytes(32);
    Object.assign(opts, {
      secret,
      patientKey: 'deid-text',
      shiftDays: shiftDaysFor(secret, 'deid-text', DEFAULT_SHIFT_RANGE),
    });
    ctx.io.stderr.write(
      'medprep: surrogates keyed by an ephemeral key: names, IDs and the date shift differ on every call (a project keeps them consistent)\n',
    );
  }
  let model: { id: string; device: string | null } | null = null;
  let device = (): string | null => null;
  let close = () => undefined as void;
  if (modelSetting !== undefined && modelSetting !== 'off') {
    const { chooseTextModel, loadModelLayer, runnerNerModel } =
      await import('../../engine/deid/text-model.ts');
    const layer = await loadModelLayer();
    const choice = chooseTextModel(layer, modelSetting);
    if (choice && layer) {
      const runner = new layer.ModelRunner({ device: 'auto' });
      close = () => runner.close();
      const ner = runnerNerModel(runner, choice.id);
      opts.model = ner;
      device = () => ner.device();
      model = { id: choice.id, device: null };
    }
  }
  let result;
  try {
    result = await deidentifyText(text, opts);
    if (model) model.device = device();
  } finally {
    close();
  }
  print(
    ctx,
    {
      text: result.text,
      model,
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
