// WCAG 2.2 AA contrast of the design tokens in both themes: 4.5:1 for text, 3:1 for control boundaries and
// focus rings (1.4.11). Read from app.css itself, so a colour edited there is checked here.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const css = fs.readFileSync(
  path.resolve(import.meta.dirname, '../../renderer/src/lib/styles/app.css'),
  'utf8',
);

function tokens(selector: string): Record<string, string> {
  const start = css.indexOf(`${selector} {`);
  if (start < 0) throw new Error(`no ${selector} block in app.css`);
  const body = css.slice(start, css.indexOf('\n}', start));
  return Object.fromEntries([...body.matchAll(/--([\w-]+):\s*(#[0-9a-f]{6});/gi)].map((m) => [m[1]!, m[2]!]));
}

function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

export function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

const light = tokens(':root');
const themes = { light, dark: { ...light, ...tokens(":root[data-theme='dark']") } };

const TEXT_PAIRS: [string, string][] = [
  ...['text', 'text-muted', 'text-faint'].flatMap((t) =>
    ['bg', 'surface', 'surface-2', 'surface-hover'].map((b): [string, string] => [t, b]),
  ),
  ['accent-text', 'accent-soft'],
  ['image-well-text', 'image-well'],
  ['on-accent', 'accent'],
  ['on-accent', 'accent-hover'],
  ['danger', 'danger-soft'],
  ['danger', 'surface'],
  ['warning', 'warning-soft'],
  ['success', 'success-soft'],
  ...['span-name', 'span-date', 'span-id', 'span-contact', 'span-location', 'span-age'].map(
    (s): [string, string] => ['text', s],
  ),
];
const BOUNDARY_PAIRS: [string, string][] = [
  ['border-strong', 'surface'],
  ['border-strong', 'bg'],
  ['focus', 'surface'],
  ['focus', 'bg'],
  ['accent', 'surface'],
];

describe.each(Object.entries(themes))('%s theme', (_name, t) => {
  it.each(TEXT_PAIRS)('%s on %s reaches 4.5:1', (fg, bg) => {
    expect(contrast(t[fg]!, t[bg]!)).toBeGreaterThanOrEqual(4.5);
  });
  it.each(BOUNDARY_PAIRS)('%s against %s reaches 3:1', (fg, bg) => {
    expect(contrast(t[fg]!, t[bg]!)).toBeGreaterThanOrEqual(3);
  });
});
