import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defaultGoldPath } from '../../cli/commands/eval-labeler.ts';
import { medprep } from '../../../test/support/dicom-tree.ts';
import { evaluateLabeler, labelReport, labelSentence, OBSERVATIONS, parseGold } from './index.ts';

const gold = parseGold(readFileSync(defaultGoldPath(), 'utf8'));

function states(sentence: string): string {
  return labelSentence(sentence)
    .map((m) => `${m.observation}:${m.state}`)
    .join(', ');
}

describe('the report labeler on the hand-written gold set', () => {
  it('covers every observation in every state, each cue class, scope ends, lists, measurements and hedges', () => {
    expect(gold.length).toBeGreaterThanOrEqual(400);
    const cats = new Set(gold.map((g) => g.category));
    for (const c of [
      'neg-pre',
      'neg-post',
      'unc-pre',
      'unc-post',
      'preneg-unc',
      'double-neg',
      'versus',
      'scope-but',
      'scope-however',
      'list',
      'measurement',
      'hedge',
      'pseudo-neg',
      'no-mention',
      'change-new',
      'change-resolved',
    ])
      expect(cats).toContain(c);
    for (const o of OBSERVATIONS) {
      for (const s of ['positive', 'negative', 'uncertain']) {
        expect(
          gold.some((g) => g.expected.get(o) === s),
          `${o} ${s}`,
        ).toBe(true);
      }
    }
  });

  it('reaches F1 ≥ 0.95 for mention and ≥ 0.9 for negation and uncertainty on every observation', () => {
    const r = evaluateLabeler(gold);
    for (const [o, s] of Object.entries(r.perObservation)) {
      expect(s.mention.f1, `${o} mention`).toBeGreaterThanOrEqual(0.95);
      expect(s.negation.f1, `${o} negation`).toBeGreaterThanOrEqual(0.9);
      expect(s.uncertainty.f1, `${o} uncertainty`).toBeGreaterThanOrEqual(0.9);
    }
    expect(r.overall.mention.f1).toBeGreaterThanOrEqual(0.99);
  });

  it('refuses a malformed gold line with its line number', () => {
    expect(() => parseGold('list\tNo effusion.\tPE!')).toThrow('gold line 1: bad state "PE!"');
    expect(() => parseGold('list only')).toThrow('gold line 1');
  });
});

describe('negation and uncertainty scope', () => {
  it('a negation covers a list and stops at "but" and "however"', () => {
    expect(states('No pleural effusion, pneumothorax, or focal consolidation.')).toBe(
      'Pleural Effusion:negative, Pneumothorax:negative, Consolidation:negative',
    );
    expect(states('No effusion but there is right basilar atelectasis.')).toBe(
      'Pleural Effusion:negative, Atelectasis:positive',
    );
    expect(states('No pneumothorax; however, there is a small right effusion.')).toBe(
      'Pneumothorax:negative, Pleural Effusion:positive',
    );
  });

  it('reads double negations and "cannot be excluded" as uncertain, "no change in" as no negation', () => {
    expect(states('Pneumonia cannot be excluded.')).toBe('Pneumonia:uncertain');
    expect(states('Pleural effusion is not excluded.')).toBe('Pleural Effusion:uncertain');
    expect(states('No change in moderate cardiomegaly.')).toBe('Cardiomegaly:positive');
    expect(states('Atelectasis versus pneumonia.')).toBe('Atelectasis:uncertain, Pneumonia:uncertain');
  });

  it('records severity, laterality, location and change per mention', () => {
    const [effusion] = labelSentence('Small right pleural effusion has increased.');
    expect(effusion).toMatchObject({ severity: 'small', laterality: 'right', change: 'increased' });
    const [ptx] = labelSentence('Resolved right apical pneumothorax.');
    expect(ptx).toMatchObject({
      state: 'negative',
      change: 'resolved',
      laterality: 'right',
      location: 'apical',
    });
    const [edema] = labelSentence('Interval improvement in pulmonary edema.');
    expect(edema).toMatchObject({ state: 'positive', change: 'decreased' });
    const [cm] = labelSentence('Mild cardiomegaly is stable.');
    expect(cm).toMatchObject({ state: 'positive', change: 'stable', severity: 'small' });
  });
});

describe('report labels', () => {
  it('aggregates positive over uncertain over negative, and says No Finding when nothing is wrong', () => {
    const r = labelReport(
      'Possible small effusion. Small left effusion. No pneumothorax. Pacemaker in place.',
    );
    expect(Object.fromEntries(r.labels)).toEqual({
      'Pleural Effusion': 1,
      Pneumothorax: 0,
      'Support Devices': 1,
    });
    expect(
      labelReport('Heart size is normal. Lungs are clear. Pacemaker in place.').labels.get('No Finding'),
    ).toBe(1);
  });
});

describe('medprep eval-labeler', () => {
  it('prints per-observation F1 on the shipped gold set, and refuses a gold file it cannot read', () => {
    const r = medprep(['eval-labeler', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { sentences: number; perObservation: Record<string, unknown> };
    expect(doc.sentences).toBe(gold.length);
    expect(Object.keys(doc.perObservation)).toEqual([...OBSERVATIONS]);
    const missing = medprep(['eval-labeler', '/nonexistent/gold.tsv']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('cannot read the gold set');
  });
});
