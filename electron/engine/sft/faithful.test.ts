import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticImage } from '../../../test/support/curate-tree.ts';
import { Engine } from '../index.ts';
import { Project } from '../project/project.ts';
import {
  sampleData,
  sampleProject,
  runJob,
  type SampleProject,
} from '../../../test/support/sample-project.ts';
import {
  cleanText,
  defaultRecipeYaml,
  gate,
  GATE_CHECKS,
  generateSamples,
  labelFill,
  LABELER_SOURCE,
  parseRecipe,
  rewritePrior,
  type Generated,
} from './index.ts';
import { labelReport, OBSERVATIONS } from '../labeler/index.ts';
import type { Candidate } from './tasks.ts';

const recipe = parseRecipe(defaultRecipeYaml());

describe('phrase-level prior removal', () => {
  it('rewrites the comparison wording and keeps what the sentence says about this image', () => {
    const cases: [string, string][] = [
      ['Mild cardiomegaly is stable.', 'Mild cardiomegaly.'],
      ['There is a new right pleural effusion.', 'There is a right pleural effusion.'],
      ['Interval improvement in pulmonary edema.', 'Pulmonary edema.'],
      ['Resolved right pneumothorax.', 'No right pneumothorax.'],
      ['Compared to the prior study, there is a small left effusion.', 'There is a small left effusion.'],
      ['Improving right lower lobe pneumonia.', 'Right lower lobe pneumonia.'],
      ['The pneumothorax has resolved.', 'No pneumothorax.'],
      ['No change in moderate cardiomegaly.', 'Moderate cardiomegaly.'],
      ['The lungs remain clear.', 'The lungs are clear.'],
      ['Heart size is normal since [DATE].', 'Heart size is normal.'],
      ['The left pneumothorax has increased in size.', 'Left pneumothorax.'],
      ['Pulmonary edema has slightly worsened since the prior study.', 'Pulmonary edema.'],
    ];
    for (const [before, after] of cases) expect(rewritePrior(before), before).toEqual({ text: after });
  });

  it('leaves out sentences that are only a comparison, and gives up on a change it cannot restate', () => {
    expect(rewritePrior('No interval change.')).toEqual({ omit: true });
    expect(rewritePrior('Stable appearance of the chest.')).toEqual({ omit: true });
    expect(rewritePrior('Left effusion, previously small, is now moderate.')).toEqual({ unrewritable: true });
    expect(rewritePrior('The effusion is now loculated, which is new.')).toEqual({ unrewritable: true });
  });

  it('keeps the issue’s spiculated mass in the findings target instead of dropping its sentence', () => {
    const r = cleanText(
      'There is a new 3.2 x 2.1 cm spiculated mass in the right upper lobe. No pleural effusion. ' +
        'No pneumothorax. The heart size is normal. Chest CT is recommended.',
      { singleImage: true, redactions: 'drop-sentence' },
    );
    expect(r).toEqual({
      text:
        'There is a 3.2 x 2.1 cm spiculated mass in the right upper lobe. No pleural effusion. ' +
        'No pneumothorax. The heart size is normal.',
    });
  });

  it('treats Open-i’s XXXX as a placeholder and tidies the punctuation edits leave', () => {
    expect(
      cleanText('Heart size normal. XXXX is seen . .', { singleImage: true, redactions: 'drop-sentence' }),
    ).toEqual({
      text: 'Heart size normal.',
    });
    expect(cleanText('No effusion , .  Lungs clear . .', { singleImage: false, redactions: 'mask' })).toEqual(
      {
        text: 'No effusion. Lungs clear.',
      },
    );
    expect(cleanText('Stable XXXX opacity.', { singleImage: true, redactions: 'mask' })).toEqual({
      text: '[REDACTED] opacity.',
    });
  });

  it('keeps a finding and drops the advice sharing its sentence', () => {
    expect(
      cleanText('5 mm left upper lung nodule; a follow-up chest CT is recommended.', {
        singleImage: true,
        redactions: 'mask',
      }),
    ).toEqual({ text: '5 mm left upper lung nodule.' });
  });
});

function candidate(over: Partial<Candidate>): Candidate {
  return {
    task: 'findings',
    templateId: 'findings#0',
    generator: 'template',
    instruction: 'Describe the findings.',
    response: '',
    images: [
      { id: 1, studyId: 1, frame: 0, sopUid: '1.2', viewPosition: 'PA', modality: 'CR', pixelHash: 'x' },
    ],
    studies: [],
    labelSource: null,
    normal: false,
    discriminator: '',
    ...over,
  };
}

describe('the faithfulness gate', () => {
  const study = new Map<string, 1 | 0 | -1>([
    ['Cardiomegaly', 1],
    ['Pleural Effusion', 0],
    ['Pneumothorax', 0],
  ]);

  it('passes a target that says what the study says', () => {
    const c = candidate({
      response: 'Mild cardiomegaly. No pleural effusion.',
      sourceText: 'Mild cardiomegaly.',
    });
    expect(gate({ candidate: c, study, sourcePositives: ['Cardiomegaly'] })).toBeNull();
  });

  it('fails an observation asserted with the opposite state (text, yes/no and multiple choice)', () => {
    expect(gate({ candidate: candidate({ response: 'Small right pleural effusion.' }), study })).toBe(
      'contradiction',
    );
    expect(gate({ candidate: candidate({ response: 'The heart size is normal.' }), study })).toBe(
      'contradiction',
    );
    const closed = candidate({ task: 'closed_vqa', response: 'No.', discriminator: 'Cardiomegaly' });
    expect(gate({ candidate: closed, study })).toBe('contradiction');
    const cls = candidate({ task: 'classification', response: 'A. Pneumothorax', correct: ['Pneumothorax'] });
    expect(gate({ candidate: cls, study })).toBe('contradiction');
    const open = candidate({ task: 'open_vqa', response: 'No abnormality is identified.' });
    expect(gate({ candidate: open, study })).toBe('contradiction');
  });

  it('fails a findings or impression target that leaves out a positive finding of its section', () => {
    const c = candidate({ task: 'impression', response: 'No pneumothorax.' });
    expect(gate({ candidate: c, study, sourcePositives: ['Cardiomegaly'] })).toBe('missing-positive');
  });

  it('fails change words in a single-image target and a sentence not about the image', () => {
    expect(gate({ candidate: candidate({ response: 'Cardiomegaly is unchanged.' }), study })).toBe(
      'change-words',
    );
    expect(
      gate({ candidate: candidate({ response: 'Cardiomegaly. Chest CT is recommended.' }), study }),
    ).toBe('not-about-image');
    // A comparison shows two images: change words are its point.
    const cmp = candidate({
      task: 'comparison',
      response: 'Compared with the prior study: unchanged cardiomegaly.',
    });
    expect(gate({ candidate: cmp, study })).toBeNull();
  });
});

describe('label grammar', () => {
  it('gives each label its article and number', () => {
    expect(labelFill('Pleural Effusion')).toMatchObject({ label: 'a pleural effusion', Be: 'Is' });
    expect(labelFill('Support Devices')).toMatchObject({ label: 'support devices', Be: 'Are' });
    expect(labelFill('Cardiomegaly')).toMatchObject({ label: 'cardiomegaly', be: 'is' });
    expect(labelFill('Pleural Other').name).toBe('pleural abnormality other than effusion');
    expect(labelFill('scoliosis')).toMatchObject({ label: 'scoliosis', Be: 'Is' });
    expect(labelFill('infiltrates')).toMatchObject({ label: 'infiltrates', Be: 'Are' });
    expect(labelFill('NSG tube').label).toBe('an NSG tube');
    expect(labelFill('pacemaker').label).toBe('a pacemaker');
  });

  it('every display name reads back, to the labeler, as its own observation and nothing else', () => {
    for (const o of OBSERVATIONS) {
      const said = [...labelReport(`${labelFill(o).name}.`).labels].filter(([n]) => n !== 'No Finding');
      expect(said, o).toEqual([[o, 1]]);
    }
  });
});

describe('SFT on the sample data with the labeler and the gate', () => {
  let sp: SampleProject;
  let project: Project;
  let g: Generated;

  beforeAll(async () => {
    sp = await sampleProject({ sft: false });
    project = Project.open(sp.dir);
    g = await generateSamples(project.db, project.secret(), recipe);
  });
  afterAll(async () => {
    project.close();
    await sp.dispose();
  });

  it('counts the gate per check, and every dropped sample keeps its reason and text', () => {
    const gateCounts = g.counts.gate!;
    const failed = Object.values(gateCounts.failed).reduce((a, b) => a + b, 0);
    expect(gateCounts.checked).toBe(gateCounts.passed + failed);
    expect(g.samples.length).toBeLessThanOrEqual(gateCounts.passed);
    for (const d of g.droppedSamples) {
      expect(d.reason).not.toBe('');
      expect(d.key).toMatch(/^[sd][a-z2-7]{13}$/);
      expect(d.response ?? d.source).not.toBeNull();
    }
    const gated = g.droppedSamples.filter((d) => d.reason.startsWith('gate:')).length;
    expect(gated).toBe(failed);
  });

  it('keeps candidates left out by a task weight or the "No Finding" cap openable with their reason', async () => {
    const half = { ...recipe, tasks: { ...recipe.tasks, view: { ...recipe.tasks.view, weight: 0.5 } } };
    const h = await generateSamples(project.db, project.secret(), half);
    for (const reason of ['weight', 'no-finding-cap']) {
      const listed = h.droppedSamples.filter((d) => d.reason === reason);
      const counted = Object.entries(h.counts.dropped)
        .filter(([k]) => k.endsWith(`:${reason}`))
        .reduce((a, [, n]) => a + n, 0);
      expect([reason, listed.length]).toEqual([reason, counted]);
      for (const d of listed) expect(d.instruction && d.response).toBeTruthy();
    }
    expect(h.droppedSamples.some((d) => d.reason === 'weight' && d.task === 'view')).toBe(true);
  });

  it('stores no sample that contradicts the CSV labels, and keeps no change words in single-image targets', () => {
    for (const s of g.samples) {
      if (['findings', 'impression', 'findings_with_indication'].includes(s.task)) {
        expect(s.response).not.toMatch(
          /\b(?:unchanged|stable|interval|compared|new|improv\w*|recommend\w*)\b/iu,
        );
        expect(s.response).not.toMatch(/\.\s*\./u);
      }
    }
  });

  it('the issue’s report keeps its cardiomegaly, pacemaker and pleural thickening in the findings', () => {
    const findings = g.samples.filter((s) => s.task === 'findings').map((s) => s.response);
    expect(findings).toContain(
      'Mild cardiomegaly. Pacemaker leads. No focal consolidation. Right apical pleural thickening.',
    );
  });

  it('every classification has at least one wrong option, drawn from explicit negatives', () => {
    const cls = g.samples.filter((s) => s.task === 'classification');
    expect(cls.length).toBeGreaterThan(0);
    for (const s of cls) {
      const offered = s.instruction.match(/\b[A-J]\. /gu)!.length;
      const right = s.response.split(', ').length;
      expect(right).toBeLessThan(offered);
    }
  });

  it('asks closed questions in grammatical English with display names', () => {
    for (const s of g.samples.filter((x) => x.task === 'closed_vqa')) {
      expect(s.instruction).not.toMatch(/Is support devices|Is there support devices|pleural other|\{/u);
    }
  });

  it('compares only what both studies state or the report says changed', () => {
    for (const s of g.samples.filter((x) => x.task === 'comparison')) {
      expect(s.response).toMatch(/^(?:Compared with the prior study: |No abnormality in either study)/u);
      expect(s.response).not.toMatch(/new cardiomegaly/u);
    }
  });

  it('measures the labeler’s agreement with the sample CSV labels', () => {
    const l = g.counts.labeler!;
    expect(l.studies).toBeGreaterThan(0);
    expect(l.compared).toBeGreaterThan(0);
    expect(l.agreed / l.compared).toBeGreaterThanOrEqual(0.85);
  });

  it('a run stores the labeler’s labels as their own source and leaves the CSV labels alone', async () => {
    const csvBefore = project.db
      .prepare("SELECT study_id, name, value FROM labels WHERE source = 'chexpert' ORDER BY id")
      .all();
    await runJob(sp.engine, sp.engine.invoke('sft.run', {}));
    const csvAfter = project.db
      .prepare("SELECT study_id, name, value FROM labels WHERE source = 'chexpert' ORDER BY id")
      .all();
    expect(csvAfter).toEqual(csvBefore);
    const own = project.db
      .prepare('SELECT count(DISTINCT study_id) AS n FROM labels WHERE source = ?')
      .get(LABELER_SOURCE) as {
      n: number;
    };
    expect(own.n).toBe(g.counts.labeler!.studies);
    const dropped = await sp.engine.invoke('sft.dropped', {});
    expect(dropped.total).toBe(g.droppedSamples.length);
    expect(dropped.total).toBeGreaterThan(1);
    const page = await sp.engine.invoke('sft.dropped', { offset: 1, limit: 1 });
    expect(page.samples).toEqual([dropped.samples[1]]);
    const one = `${dropped.samples[0]!.task}:${dropped.samples[0]!.reason}`;
    const byReason = await sp.engine.invoke('sft.dropped', { reason: one });
    expect(byReason.total).toBe(g.counts.dropped[one]);
    const { card } = await sp.engine.invoke('export.plan', { format: 'llava' });
    expect(card).toContain('Faithfulness gate');
    expect(card).toMatch(/\| checked \| \d+ \|/u);
    for (const check of GATE_CHECKS) expect(card).toContain(`| failed: ${check} | `);
  });
});

/** Imports one source into a fresh project, de-identifies it and generates (storing nothing): the result. */
async function generateFrom(
  tmp: string,
  source: string,
  format: 'mimic-cxr' | 'manifest',
): Promise<{ g: Generated; labelRows: number }> {
  const engine = new Engine();
  try {
    fs.mkdirSync(tmp, { recursive: true });
    const dir = path.join(tmp, 'project');
    await engine.invoke('project.create', { dir, name: format });
    await runJob(engine, engine.invoke('import.start', { source, format }));
    await runJob(engine, engine.invoke('deid.start', {}));
    const project = Project.open(dir);
    try {
      const labelRows = (project.db.prepare('SELECT count(*) AS n FROM labels').get() as { n: number }).n;
      return { g: await generateSamples(project.db, project.secret(), recipe), labelRows };
    } finally {
      project.close();
    }
  } finally {
    await engine.close();
  }
}

describe('DICOM sources with reports and no label CSV', () => {
  let tmp: string;
  const made = new Map<string, Generated>();

  /** The sample's DICOM files and report texts as a MIMIC-style tree, without any of its CSVs. */
  async function tree(): Promise<Generated> {
    const source = path.join(tmp, 'tree');
    fs.cpSync(path.join(sampleData, 'mimic-cxr', 'files'), path.join(source, 'files'), { recursive: true });
    const r = await generateFrom(path.join(tmp, 'a'), source, 'mimic-cxr');
    expect(r.labelRows).toBe(0);
    return r.g;
  }

  /** The same DICOM files flat in one folder with a hospital's report list (image, patient, study, text). */
  async function reportList(): Promise<Generated> {
    const source = path.join(tmp, 'pacs');
    const from = path.join(sampleData, 'mimic-cxr', 'files');
    // Only the DICOM files (their headers carry the study dates) and a report list: image, patient, study,
    // report text, as a hospital's export gives them.
    const rows: string[] = ['path,patient_id,study_id,report'];
    const walk = (dir: string): string[] =>
      fs
        .readdirSync(dir, { withFileTypes: true })
        .flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
    for (const file of walk(from).filter((f) => f.endsWith('.dcm'))) {
      const rel = `img${rows.length}.dcm`;
      fs.mkdirSync(source, { recursive: true });
      fs.copyFileSync(file, path.join(source, rel));
      const study = path.dirname(file);
      const report = fs.readFileSync(`${study}.txt`, 'utf8');
      const ids = `${path.basename(path.dirname(study))},${path.basename(study)}`;
      rows.push(`${rel},${ids},"${report.replace(/"/gu, '""')}"`);
    }
    fs.writeFileSync(path.join(source, 'reports.csv'), rows.join('\n'));
    const r = await generateFrom(path.join(tmp, 'b'), source, 'manifest');
    expect(r.labelRows).toBe(0);
    return r.g;
  }

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'medprep-nocsv-'));
    made.set('a MIMIC-style tree', await tree());
    made.set('a folder with a report list', await reportList());
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it.each(['a MIMIC-style tree', 'a folder with a report list'])(
    '%s gets closed VQA, classification and comparison samples from the labeler',
    (name) => {
      const g = made.get(name)!;
      for (const task of ['closed_vqa', 'classification', 'comparison'] as const) {
        const mine = g.samples.filter((s) => s.task === task);
        expect(mine.length, `${task}: ${g.counts.emptyTasks?.[task]}`).toBeGreaterThan(0);
        for (const s of mine) expect(s.sourceRecords.labels).toBe(LABELER_SOURCE);
      }
    },
  );
});

describe('a manifest whose label column is its own vocabulary (Open-i style)', () => {
  let tmp: string;
  let g: Generated;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'medprep-openi-'));
    const source = path.join(tmp, 'openi');
    fs.mkdirSync(source);
    const report = (findings: string, impression: string) =>
      `FINDINGS: ${findings}\n\nIMPRESSION: ${impression}`;
    const rows = [
      {
        path: 'a.png',
        patient_id: 'p1',
        study_id: 's1',
        view: 'PA',
        report: report('Heart size is normal. No pleural effusion. XXXX granuloma.', 'No acute disease. .'),
        labels: { normal: 1, 'Pulmonary Atelectasis': 0, Cardiomegaly: 0 },
      },
      {
        path: 'b.png',
        patient_id: 'p1',
        study_id: 's2',
        view: 'PA',
        report: report(
          'The heart is enlarged. Bibasilar atelectasis. No pneumothorax.',
          'Cardiomegaly with bibasilar atelectasis.',
        ),
        labels: { Cardiomegaly: 1, 'Pulmonary Atelectasis': 1, 'Granulomatous Disease': 0 },
      },
    ];
    for (const [i, r] of rows.entries()) {
      await sharp(syntheticImage(i + 1, 64), { raw: { width: 64, height: 64, channels: 1 } })
        .png()
        .toFile(path.join(source, r.path));
    }
    fs.writeFileSync(path.join(source, 'manifest.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n'));
    g = (await generateFrom(tmp, source, 'manifest')).g;
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('feeds the label tasks, mapping known names to observations and keeping the others', () => {
    const closed = g.samples.filter((s) => s.task === 'closed_vqa');
    expect(closed.length).toBeGreaterThan(0);
    expect(closed.every((s) => s.sourceRecords.labels === 'manifest')).toBe(true);
    const asked = closed.map((s) => s.instruction).join(' ');
    expect(asked).toMatch(/atelectasis/u);
    expect(asked).not.toMatch(/pulmonary atelectasis/iu);
    expect(g.samples.some((s) => s.task === 'classification')).toBe(true);
    // The manifest has no study dates: which study came first is unknown, so no comparison is made.
    expect(g.samples.some((s) => s.task === 'comparison')).toBe(false);
    expect(g.counts.emptyTasks?.comparison).toBe('every candidate was dropped: no-study-date (1)');
  });

  it('never puts XXXX or ". ." into a target', () => {
    for (const s of g.samples) {
      expect(s.response).not.toMatch(/XXXX|\.\s*\./u);
    }
  });
});
