import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { evaluate, parseGold } from './evaluate.ts';
import { parsePhysionetDeid, parsePhysionetPhi } from './gold-formats.ts';
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

describe('PhysioNet deid gold format', () => {
  const idText =
    'START_OF_RECORD=1||||1||||\nPT SEEN BY DR SMITH ON 7/22.\n||||END_OF_RECORD\n\n' +
    'START_OF_RECORD=1||||2||||\nno events.\n||||END_OF_RECORD\n';
  const phrase = '1 1 14 19 HCPName SMITH\n1 1 23 27 Date 7/22\n';

  it('reads notes and typed spans with offsets into each note', () => {
    const records = parsePhysionetDeid(idText, phrase);
    expect(records.map((r) => r.id)).toEqual(['1-1', '1-2']);
    expect(records[0]!.spans).toEqual([
      { start: 14, end: 19, category: 'NAME' },
      { start: 23, end: 27, category: 'DATE' },
    ]);
    expect(records[0]!.text.slice(14, 19)).toBe('SMITH');
    expect(records[1]!.spans).toEqual([]);
  });

  it('refuses a span outside its note or of an unknown type, naming the line', () => {
    expect(() => parsePhysionetDeid(idText, '1 2 0 99 Date x\n')).toThrow(/Phrase line 1/);
    expect(() => parsePhysionetDeid(idText, '1 1 0 2 Colour x\n')).toThrow(/Phrase line 1/);
    expect(() => parsePhysionetDeid('no records here', phrase)).toThrow(/START_OF_RECORD/);
  });

  it("reads the reference tool's id.phi output as spans per note", () => {
    const phi = 'Patient 1\tNote 1\n16\t16\t21\n25\t25\t29\nPatient 1\tNote 2\n';
    const spans = parsePhysionetPhi(phi);
    expect(spans.get('1-1')).toEqual([
      { start: 16, end: 21, category: 'NAME' },
      { start: 25, end: 29, category: 'NAME' },
    ]);
    expect(spans.get('1-2')).toEqual([]);
  });
});
