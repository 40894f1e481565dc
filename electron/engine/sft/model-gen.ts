/**
 * Optional model-based generation, in the spirit of LLaVA-Med: a local language model rewrites instructions
 * and writes open question/answer pairs from the de-identified report only; a post-processing filter then
 * drops every output that copies the source (a long shared word run), contradicts the labels, admits not
 * seeing the image, or does not parse. Outputs record the model id as their generator.
 */
import type { ChatMessage, ModelRunner } from '../../../native-models/index.ts';
import type { ModelSettings, SftRecipe } from './recipe.ts';
import { labelText } from './display.ts';
import type { LabelView } from './labels.ts';
import type { Candidate, Drop } from './tasks.ts';
import { longestSharedRun, words } from './text.ts';

const REFUSAL =
  /\b(?:cannot see|can't see|unable to view|as an ai|language model|the report (?:says|states|mentions)|no image)\b/iu;
const STOP = new Set(
  'a an the of in on at to for with and or is are was were be this that these there what which how does do can any please describe show shows image x ray chest radiograph findings finding you your it as by from into'.split(
    ' ',
  ),
);

/** Words mostly from the task's vocabulary (the templates and report), not repeating: gibberish is neither. */
function readable(text: string, vocabulary: Set<string>): boolean {
  const w = words(text);
  if (w.length < 3) return false;
  const known = w.filter((x) => vocabulary.has(x) || STOP.has(x)).length;
  // Word salad repeats itself ("impression maria maria image"); sentences rarely do.
  return known / w.length >= 0.75 && new Set(w).size / w.length >= 0.6;
}

/** An answer that asserts a label the labelers negated, or denies one they found. */
export function contradicts(answer: string, labels: LabelView | null): boolean {
  if (!labels) return false;
  const text = answer.toLowerCase();
  const denied = (l: string) =>
    new RegExp(`\\bno\\s+(?:\\w+\\s+){0,2}${escape(labelText(l))}`, 'u').test(text);
  const named = (l: string) => text.includes(labelText(l));
  return labels.positives.some(denied) || labels.negatives.some((l) => named(l) && !denied(l));
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/gu, '\\$&');
}

function reportText(c: Candidate): string {
  const r = c.studies[0]?.report;
  return [r?.indication, r?.findings, r?.impression].filter(Boolean).join(' ');
}

export interface ModelGenInput {
  runner: ModelRunner;
  settings: ModelSettings;
  recipe: SftRecipe;
  candidates: Candidate[];
  labelsOf: (c: Candidate) => LabelView | null;
  drop: Drop;
  signal?: AbortSignal;
}

/** Returns the candidates with model rewrites applied and model Q/A pairs added (those that passed). */
export async function modelGenerate(input: ModelGenInput): Promise<Candidate[]> {
  const { runner, settings, candidates, drop } = input;
  const generator = `model:${settings.id}`;
  const vocabulary = new Set(
    Object.values(input.recipe.templates)
      .flat()
      .flatMap(words)
      .concat(candidates.flatMap((c) => words(reportText(c)))),
  );
  const out = [...candidates];
  // One prompt per batch: prompts of different lengths would need padding, which not every model exports.
  const opts = {
    maxNewTokens: settings.maxNewTokens,
    batchSize: 1,
    ...(input.signal ? { signal: input.signal } : {}),
  };
  const clip = (s: string) => s.slice(0, settings.maxInputChars);
  // A failing model call drops its outputs (counted) rather than the whole run: the template samples stand.
  const generate = async (task: string, prompts: ChatMessage[][]): Promise<string[]> => {
    if (prompts.length === 0) return [];
    try {
      return (await runner.generateText(settings.id, prompts, opts)).texts;
    } catch (err) {
      if (input.signal?.aborted) throw err;
      for (let i = 0; i < prompts.length; i++) drop(`model-error:${task}`);
      return [];
    }
  };
  if (settings.tasks.includes('rewrite_instruction')) {
    const chosen = out
      .map((c, i) => ({ c, i }))
      .filter(({ c }) => c.generator === 'template' && c.images.length > 0 && !c.instruction.includes(':'))
      .slice(0, settings.maxItems);
    const prompts = chosen.map(({ c }) => [
      {
        role: 'system' as const,
        content: 'Rewrite this instruction in other words.',
      },
      { role: 'user' as const, content: clip(c.instruction) },
    ]);
    const texts = await generate('rewrite', prompts);
    chosen.forEach(({ c, i }, k) => {
      if (texts.length === 0) return;
      const text = (texts[k] ?? '').trim().split('\n')[0]!.trim();
      const reason = !readable(text, vocabulary)
        ? 'unreadable'
        : longestSharedRun(text, reportText(c)) >= settings.maxOverlap
          ? 'reveals-source'
          : REFUSAL.test(text)
            ? 'refusal'
            : null;
      if (reason) drop(`model-filter:rewrite:${reason}`);
      else out[i] = { ...c, instruction: text, generator, templateId: `${c.task}#model` };
    });
  }
  if (settings.tasks.includes('open_qa')) {
    const sources = out
      .filter((c) => c.task === 'findings' && c.generator === 'template')
      .slice(0, settings.maxItems);
    const prompts = sources.map((c) => [
      {
        role: 'system' as const,
        content: 'Ask and answer one question about this X-ray as "Q: … A: …".',
      },
      { role: 'user' as const, content: clip(reportText(c)) },
    ]);
    const texts = await generate('open_qa', prompts);
    sources.forEach((c, k) => {
      if (texts.length === 0) return;
      const m = /Q:\s*(.+?)\s*A:\s*(.+)/su.exec(texts[k] ?? '');
      const q = m?.[1]?.trim() ?? '';
      const a = m?.[2]?.trim() ?? '';
      const source = reportText(c);
      const reason = !m
        ? 'format'
        : !readable(q, vocabulary) || !readable(a, vocabulary)
          ? 'unreadable'
          : Math.max(longestSharedRun(q, source), longestSharedRun(a, source)) >= settings.maxOverlap
            ? 'reveals-source'
            : REFUSAL.test(`${q} ${a}`)
              ? 'refusal'
              : contradicts(a, input.labelsOf(c))
                ? 'contradicts-labels'
                : null;
      if (reason) {
        drop(`model-filter:open_qa:${reason}`);
        return;
      }
      out.push({
        ...c,
        task: 'open_vqa',
        templateId: 'open_vqa#model',
        generator,
        instruction: q,
        response: a,
        discriminator: 'model-qa',
      });
    });
  }
  return out;
}
