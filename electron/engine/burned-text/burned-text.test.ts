import path from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelRunner } from '../../../native-models/index.ts';
import { detectBurnedInText } from '../deid-dicom/index.ts';
import { decideLine, fold, knownNeedles } from './decide.ts';
import { type PixelTextDecision, absorbFragments, padBox, readPixelText } from './read.ts';
import { rasterViews } from './views.ts';

const known = { patientNames: ['DOE^JOHN'], patientIds: ['48213377'], birthDate: '19610314' };
const needles = knownNeedles(known);
const decide = (text: string, score = 0.95) => decideLine(text, score, known, needles).category;

describe('deciding what a line of burned-in text is', () => {
  it('matches known identifiers through OCR confusions (^ read as ~, O as 0, I as 1 or l)', () => {
    expect(fold('DOE~J0HN')).toBe(fold('DOE^JOHN'));
    expect(fold('4821337l')).toBe(fold('48213371'));
    expect(decide('D0E~JOHN')).toBe('phi');
    expect(decide('ID: 4821 3377')).toBe('phi');
    expect(decide('DOB 1961-03-14 M')).toBe('phi');
  });

  it("flags what the text engine's generic patterns find, for people the header does not name", () => {
    expect(decide('SMITH~ANNA 12345')).toBe('phi');
    expect(decide('Dr. Jones')).toBe('phi');
    expect(decide('03/14/1987')).toBe('phi');
  });

  it('keeps laterality, position and scale markers, and sends other readable text to review', () => {
    for (const m of ['L', 'R', 'PA', 'AP PORTABLE', 'SUPINE', 'ERECT', '→', '10 cm'])
      expect(decide(m), m).toBe('marker');
    expect(decide('ERECT 2020-01-02')).toBe('phi');
    expect(decide('HOSPITAL GENERAL')).toBe('unsure');
    expect(decide('KV 120 MAS 2.5')).toBe('unsure');
    // A label, or a long number, makes a misread line an identifier anyway.
    expect(decide('DOB 1938-1O-')).toBe('phi');
    expect(decide('NAKAMURAPERRE')).toBe('unsure');
    expect(decide('Pt Name: NAKAMURAPERRE')).toBe('phi');
    expect(decide('4330795')).toBe('phi');
    expect(decide('x')).toBe('noise');
    expect(decide('ABCD', 0.3)).toBe('noise');
  });

  it('ignores known values too short to carry information', () => {
    expect(knownNeedles({ patientNames: ['LI^A'], patientIds: ['-'] })).toEqual([]);
    expect(knownNeedles({ patientNames: ['DOE^JOHN'] }).map((n) => n.category)).toEqual([
      'NAME',
      'NAME',
      'NAME',
    ]);
  });

  it('pads a mask by half the text height across the line and a whole one along it, inside the image', () => {
    expect(padBox({ x: 40, y: 20, width: 100, height: 30, rotation: 0 }, 200, 200)).toEqual({
      x: 10,
      y: 5,
      width: 160,
      height: 60,
    });
    expect(padBox({ x: 150, y: 40, width: 30, height: 100, rotation: 90 }, 200, 200)).toEqual({
      x: 135,
      y: 10,
      width: 60,
      height: 160,
    });
  });
});

describe('fragments of a masked line', () => {
  it('are masked with it when their boxes touch; noise elsewhere stays noise', () => {
    const at = (y: number, category: PixelTextDecision['category']): PixelTextDecision => ({
      frame: 0,
      view: 'rendered',
      x: 100,
      y,
      width: 40,
      height: 60,
      category,
      reason: '',
      text: '',
      score: 0.3,
      rotation: 90,
    });
    const lines = [at(0, 'phi'), at(55, 'noise'), at(110, 'noise'), at(400, 'noise')];
    absorbFragments(lines);
    expect(lines.map((l) => l.category)).toEqual(['phi', 'phi', 'phi', 'noise']);
  });
});

describe('colour text of the same luminance as its background', () => {
  const runner = new ModelRunner({ device: 'cpu' });
  afterAll(() => runner.close());

  it('is invisible to the luminance detector, and read (and masked) by OCR in colour and in chroma', async () => {
    const file = path.join(import.meta.dirname, '../../../test/fixtures/burned-text/red-name.png');
    const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const rgb = new Uint8Array(data);
    expect(detectBurnedInText({ width: info.width, height: info.height, channels: 3, data: rgb })).toEqual(
      [],
    );
    const views = rasterViews(info.width, info.height, 3, rgb);
    expect(views.map((v) => v.kind)).toEqual(['rendered', 'chroma']);
    const { decisions } = await readPixelText(runner, 'paddleocr-ppocrv4', views, known);
    const phi = decisions.filter((d) => d.category === 'phi');
    expect(phi.length).toBeGreaterThan(0);
    // The name is drawn at x 30, y 260 (scripts/make-burned-text.py).
    for (const d of phi) {
      expect(d.x).toBeLessThanOrEqual(30);
      expect(d.y).toBeLessThanOrEqual(262);
      expect(d.y + d.height).toBeGreaterThanOrEqual(280);
    }
  });
});
