import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { evaluate, parseGold } from './evaluate.ts';
import { detectSpans } from './index.ts';

const fixture = (name: string) =>
  parseGold(
    readFileSync(fileURLToPath(new URL(`../../../test/fixtures/deid/${name}`, import.meta.url)), 'utf8'),
  );

describe('evaluation against gold spans', () => {
  it('counts a gold span only when every character is covered, and keeps misses apart from the report', async () => {
    const records = [
      {
        text: 'Dr. Alan Fakeman on 03/14/2021.',
        spans: [
          { start: 4, end: 16, category: 'NAME' as const },
          { start: 20, end: 30, category: 'DATE' as const },
        ],
      },
    ];
    const { report, misses } = await evaluate(records, () => [
      { start: 4, end: 8, category: 'NAME' },
      { start: 20, end: 30, category: 'DATE' },
      { start: 0, end: 2, category: 'NAME' },
    ]);
    expect(report.perCategory.NAME?.spanRecall).toBe(0);
    expect(report.perCategory.DATE?.spanRecall).toBe(1);
    expect(report.overall.charPrecision).toBeCloseTo(14 / 16);
    expect(misses).toEqual([
      { record: 0, id: undefined, category: 'NAME', start: 4, end: 16, text: 'Alan Fakeman' },
    ]);
    expect(JSON.stringify(report)).not.toContain('Fakeman');
  });

  it('meets the targets on the held-out set with header-informed scrubbing', async () => {
    const records = fixture('heldout.jsonl');
    expect(records.length).toBeGreaterThanOrEqual(300);
    expect(new Set(records.map((r) => (r as { style?: string }).style))).toContain('letter');
    const { report } = await evaluate(records, (r) => detectSpans(r.text, { known: r.header }));
    for (const category of ['NAME', 'ID', 'DATE', 'CONTACT'] as const) {
      expect(report.perCategory[category]?.spanRecall, category).toBeGreaterThanOrEqual(0.995);
    }
    expect(report.overall.charPrecision).toBeGreaterThanOrEqual(0.95);
    expect(report.medicalTermsRedacted).toBe(0);
  });
});
