import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultRecipeText } from '../curate/index.ts';
import { SFT_TASKS } from '../../api/sft.ts';
import { ModelRunner } from '../../../native-models/index.ts';
import { TEST_MODELS } from '../../../native-models/test-helpers.ts';
import { sampleProject, type SampleProject } from '../../../test/support/sample-project.ts';
import { Project } from '../project/project.ts';
import {
  cleanText,
  defaultRecipeYaml,
  eligibleImages,
  generateSamples,
  MIN_TEMPLATES,
  parseRecipe,
  sentences,
  type SftSample,
} from './index.ts';

describe('target hygiene', () => {
  it('splits sentences without breaking decimals, "Dr." or numbered lists', () => {
    expect(sentences('1. A 3.2 x 2.1 cm mass. 2. Discussed with Dr. [NAME] today.')).toEqual([
      'A 3.2 x 2.1 cm mass.',
      'Discussed with Dr. [NAME] today.',
    ]);
  });

  it('removes prior-study wording phrase by phrase, and drops the text it cannot rewrite faithfully', () => {
    const r = cleanText(
      'Interval improvement of the consolidation. Heart size is normal. Unchanged nodule.',
      { singleImage: true, redactions: 'drop-sentence' },
    );
    expect(r).toEqual({ text: 'Consolidation. Heart size is normal. Nodule.' });
    expect(cleanText('Compared to prior, stable.', { singleImage: true, redactions: 'mask' })).toEqual({
      dropped: 'prior-sentences-only',
    });
    expect(
      cleanText('Left effusion, previously small, is now moderate. No pneumothorax.', {
        singleImage: true,
        redactions: 'mask',
      }),
    ).toEqual({ dropped: 'prior-unrewritable' });
  });

  it('handles redaction placeholders per policy: drop the sentence, drop the sample, or mask', () => {
    const text = 'No effusion. Called to [NAME] on ___.';
    expect(cleanText(text, { singleImage: true, redactions: 'drop-sentence' })).toEqual({
      text: 'No effusion.',
    });
    expect(cleanText(text, { singleImage: true, redactions: 'drop-sample' })).toEqual({
      dropped: 'redaction',
    });
    expect(cleanText(text, { singleImage: true, redactions: 'mask' })).toEqual({
      text: 'No effusion. Called to [REDACTED] on [REDACTED].',
    });
  });
});

describe('recipes', () => {
  it('the shipped default has every task with at least eight paraphrases', () => {
    const r = parseRecipe(defaultRecipeYaml());
    for (const t of SFT_TASKS) {
      expect(r.templates[t].length).toBeGreaterThanOrEqual(MIN_TEMPLATES);
      expect(r.tasks[t].enabled).toBe(true);
    }
  });

  it('a custom recipe overrides only what it names, and bad recipes are refused with the key', () => {
    const r = parseRecipe('seed: 7\ntasks:\n  view: { enabled: false }\n');
    expect(r.seed).toBe('7');
    expect(r.tasks.view).toEqual({ enabled: false, weight: 1 });
    expect(r.tasks.findings.enabled).toBe(true);
    expect(() => parseRecipe('colour: red')).toThrow('unknown key "colour"');
    expect(() => parseRecipe('templates:\n  view: [a, b]')).toThrow('templates.view: needs at least 8');
    expect(() => parseRecipe('splits: { train: 0.5, validate: 0.1, test: 0.1 }')).toThrow('add up to 1');
  });
});

describe('SFT generation on the sample data', () => {
  let sp: SampleProject;
  let project: Project;
  let samples: SftSample[];
  const recipe = parseRecipe(defaultRecipeYaml());

  beforeAll(async () => {
    sp = await sampleProject({ sft: false });
    project = Project.open(sp.dir);
    samples = (await generateSamples(project.db, project.secret(), recipe)).samples;
  });
  afterAll(async () => {
    project.close();
    await sp.dispose();
  });

  const studyOf = (id: number) =>
    project.db.prepare('SELECT study_uid AS uid FROM studies WHERE id = ?').get(id) as { uid: string };

  it('generates every task, each sample recording task, template, generator, source records and split', () => {
    for (const t of SFT_TASKS)
      expect(
        samples.some((s) => s.task === t),
        t,
      ).toBe(true);
    for (const s of samples) {
      const [task, index] = s.templateId.split('#');
      expect(task).toBe(s.task);
      expect(recipe.templates[s.task][Number(index)]).toBeDefined();
      expect(s.generator).toBe('template');
      expect(['train', 'validate', 'test']).toContain(s.split);
      expect(s.sourceRecords.studies.length).toBeGreaterThan(0);
      expect(s.key).toMatch(/^s[a-z2-7]{13}$/);
    }
  });

  it('is reproducible, and another seed makes other choices', async () => {
    const again = await generateSamples(project.db, project.secret(), recipe);
    expect(again.samples).toEqual(samples);
    const other = await generateSamples(project.db, project.secret(), { ...recipe, seed: '2' });
    expect(other.samples.map((s) => s.templateId)).not.toEqual(samples.map((s) => s.templateId));
  });

  it('keeps MIMIC-CXR’s official split and never puts a patient in two splits', () => {
    const patientOf = project.db.prepare('SELECT patient_id AS p FROM studies WHERE id = ?');
    const splits = new Map<number, Set<string>>();
    for (const s of samples) {
      for (const st of s.sourceRecords.studies) {
        const p = (patientOf.get(st) as { p: number }).p;
        splits.set(p, (splits.get(p) ?? new Set()).add(s.split));
      }
    }
    for (const set of splits.values()) expect(set.size).toBe(1);
    const validate = samples
      .filter((s) => s.split === 'validate')
      .map((s) => studyOf(s.sourceRecords.studies[0]!).uid);
    expect(new Set(validate)).toEqual(new Set(['mimic-cxr:58820629']));
  });

  it('never uses PADCHEST’s stemmed Spanish as a target, and drops prior-study sentences', () => {
    for (const s of samples) {
      expect(s.response).not.toMatch(/siluet|derram|cardiomediastin /);
      if (['findings', 'impression', 'findings_with_indication'].includes(s.task)) {
        expect(s.response).not.toMatch(/\b(?:interval|unchanged|compared|prior)\b/i);
        expect(s.response).not.toMatch(/\[(?:NAME|DATE|ID)\]|Jane|Doe|MRN/);
      }
    }
    expect(samples.some((s) => s.task === 'localization' && /cardiac|basal/.test(s.response))).toBe(true);
  });

  it('answers closed questions from the labels (uncertain ones skipped) and letters classification options', () => {
    const closed = samples.filter((s) => s.task === 'closed_vqa');
    expect(closed.every((s) => s.response === 'Yes.' || s.response === 'No.')).toBe(true);
    // 54043304's Atelectasis is uncertain (-1) for CheXpert: never asked under the default policy.
    const uncertainStudy = project.db
      .prepare("SELECT id FROM studies WHERE study_uid = 'mimic-cxr:54043304'")
      .get() as {
      id: number;
    };
    const askedThere = closed.filter((s) => s.sourceRecords.studies[0] === uncertainStudy.id);
    expect(askedThere.some((s) => /atelectasis/.test(s.instruction))).toBe(false);
    for (const s of samples.filter((x) => x.task === 'classification')) {
      for (const answer of s.response.split(', ')) {
        const [letter, name] = answer.split('. ');
        expect(s.instruction).toContain(`${letter}. ${name}`);
      }
    }
  });

  it('compares a study with the same patient’s previous one by study date, prior image first', () => {
    const dateOf = project.db.prepare('SELECT study_date AS d FROM studies WHERE id = ?');
    const comparisons = samples.filter((s) => s.task === 'comparison');
    expect(comparisons.length).toBeGreaterThan(0);
    for (const c of comparisons) {
      expect(c.imageIds).toHaveLength(2);
      const [a, b] = c.sourceRecords.studies.map((id) => (dateOf.get(id) as { d: string }).d);
      expect(a! < b!).toBe(true);
    }
  });

  it('caps "No Finding" samples per task', async () => {
    const capped = await generateSamples(project.db, project.secret(), { ...recipe, noFindingCap: 0 });
    expect(
      capped.samples.filter((s) => s.task === 'open_vqa').some((s) => /No abnormality/.test(s.response)),
    ).toBe(false);
    expect(capped.counts.dropped['open_vqa:no-finding-cap']).toBeGreaterThan(0);
  });

  it('uses only images curation kept and quarantine released', async () => {
    const all = eligibleImages(project.db);
    const lateral = (
      project.db.prepare("SELECT id FROM images WHERE view_position = 'LATERAL'").all() as { id: number }[]
    ).map((r) => r.id);
    expect(lateral.length).toBeGreaterThan(0);
    // A real curation run with the default recipe narrowed to frontal views removes the laterals.
    const recipe = defaultRecipeText().replace('keep: [frontal, lateral]', 'keep: [frontal]');
    const job = await sp.engine.waitForJob((await sp.engine.invoke('curate.run', { recipe })).id);
    expect(job.state, job.message).toBe('done');
    const kept = eligibleImages(project.db);
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.some((id) => lateral.includes(id))).toBe(false);
    expect(kept.every((id) => all.includes(id))).toBe(true);
    const [b] = kept as [number];
    project.db.prepare("INSERT INTO quarantine (image_id, reason) VALUES (?, 'burned-in text')").run(b);
    expect(eligibleImages(project.db)).not.toContain(b);
    project.db.prepare("UPDATE quarantine SET decision = 'release' WHERE image_id = ?").run(b);
    expect(eligibleImages(project.db)).toContain(b);
    project.db.prepare('DELETE FROM quarantine').run();
    // Later tests generate from every image again: a curation run that keeps everything it can.
    const again = await sp.engine.waitForJob((await sp.engine.invoke('curate.run', {})).id);
    expect(again.state).toBe('done');
  });

  it('runs model generation with the tiny test model, records the model, and filters its gibberish out', async () => {
    const runner = new ModelRunner({ models: TEST_MODELS });
    try {
      const g = await generateSamples(
        project.db,
        project.secret(),
        {
          ...recipe,
          model: {
            id: 'test-llm',
            tasks: ['rewrite_instruction', 'open_qa'],
            maxItems: 3,
            maxNewTokens: 8,
            maxOverlap: 8,
            maxInputChars: 40,
          },
        },
        { runner },
      );
      expect(g.model).toBe('test-llm');
      const filtered = Object.entries(g.counts.dropped).filter(([k]) => k.startsWith('model-filter:'));
      expect(Object.keys(g.counts.dropped).filter((k) => k.startsWith('model-error'))).toEqual([]);
      // Three rewrites and three Q/A pairs went through the filter; gibberish is dropped and counted.
      const dropped = filtered.reduce((n, [, v]) => n + v, 0);
      const fromModel = g.samples.filter((s) => s.generator !== 'template');
      expect(dropped + fromModel.length).toBe(6);
      expect(dropped).toBeGreaterThanOrEqual(5);
      for (const s of fromModel) expect(s.generator).toBe('model:test-llm');
    } finally {
      runner.close();
    }
    const off = await generateSamples(project.db, project.secret(), {
      ...recipe,
      model: {
        id: 'not-installed',
        tasks: ['open_qa'],
        maxItems: 1,
        maxNewTokens: 4,
        maxOverlap: 8,
        maxInputChars: 60,
      },
    });
    expect(off.model).toBeNull();
    expect(off.counts.dropped['model-unavailable']).toBe(1);
  });
});
