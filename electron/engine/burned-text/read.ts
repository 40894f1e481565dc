/**
 * Read, decide, mask: every view of an image through the OCR model, every line read decided
 * (decide.ts), and the box of each line padded so that a mask covers the strokes the detector's box clips.
 */
import type { ModelRunner, OcrLine, RunInfo } from '../../../native-models/index.ts';
import type { KnownIdentifiers, PhiCategory } from '../deid-text/index.ts';
import { type TextCategory, decideLine, knownNeedles } from './decide.ts';
import type { PixelView, ViewKind } from './views.ts';

/** One decision: a row of `pixel_text`. Boxes are in the image's pixels, already padded. */
export interface PixelTextDecision {
  frame: number;
  view: ViewKind;
  x: number;
  y: number;
  width: number;
  height: number;
  category: TextCategory;
  reason: string;
  phi?: PhiCategory;
  /** What OCR read (stored with the project for the reviewer; never logged or exported). */
  text: string;
  score: number;
  rotation: number;
}

/**
 * A mask is the line's box grown by half the text height (at least 3 px) across the line and by a whole text
 * height along it, where a detector most often clips a last character.
 */
export function padBox(
  line: Pick<OcrLine, 'x' | 'y' | 'width' | 'height' | 'rotation'>,
  width: number,
  height: number,
): { x: number; y: number; width: number; height: number } {
  const turned = line.rotation === 90 || line.rotation === 270;
  const textHeight = turned ? line.width : line.height;
  const across = Math.max(3, Math.ceil(textHeight / 2));
  const along = Math.max(3, Math.ceil(textHeight));
  const px = turned ? across : along;
  const py = turned ? along : across;
  const x0 = Math.max(0, Math.floor(line.x - px));
  const y0 = Math.max(0, Math.floor(line.y - py));
  const x1 = Math.min(width, Math.ceil(line.x + line.width + px));
  const y1 = Math.min(height, Math.ceil(line.y + line.height + py));
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

export interface PixelTextResult {
  decisions: PixelTextDecision[];
  run: RunInfo;
}

/** OCR of every view, then one decision per line read. */
export async function readPixelText(
  runner: ModelRunner,
  model: string,
  views: PixelView[],
  known: KnownIdentifiers,
  signal?: AbortSignal,
): Promise<PixelTextResult> {
  const { lines, run } = await runner.readText(
    model,
    views.map(({ width, height, channels, data }) => ({ width, height, channels, data })),
    signal ? { signal } : {},
  );
  const needles = knownNeedles(known);
  const decisions: PixelTextDecision[] = [];
  views.forEach((view, i) => {
    for (const line of lines[i] ?? []) {
      decisions.push({
        frame: view.frame,
        view: view.kind,
        ...padBox(line, view.width, view.height),
        ...decideLine(line.text, line.score, known, needles),
        text: line.text,
        score: line.score,
        rotation: line.rotation,
      });
    }
  });
  absorbFragments(decisions);
  return { decisions, run };
}

const overlap = (a: PixelTextDecision, b: PixelTextDecision) =>
  a.frame === b.frame &&
  a.x < b.x + b.width &&
  b.x < a.x + a.width &&
  a.y < b.y + b.height &&
  b.y < a.y + a.height;

/**
 * A fragment read as noise whose padded box touches a masked line's (a glyph of a dim or turned name the
 * recogniser split off) takes that line's decision, so the mask covers the whole line.
 */
export function absorbFragments(decisions: PixelTextDecision[]): void {
  for (let changed = true; changed;) {
    changed = false;
    for (const d of decisions) {
      if (d.category !== 'noise') continue;
      const line = decisions.find((m) => (m.category === 'phi' || m.category === 'unsure') && overlap(m, d));
      if (!line) continue;
      d.category = line.category;
      d.reason = 'a fragment of a line beside it that is masked';
      if (line.phi) d.phi = line.phi;
      changed = true;
    }
  }
}
