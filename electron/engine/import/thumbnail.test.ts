import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Rendered8, writeRendering, writeRenderings } from './thumbnail.ts';

let cacheDir = '';
beforeAll(async () => {
  cacheDir = await mkdtemp(join(tmpdir(), 'medprep-thumbs-'));
});
afterAll(async () => {
  await rm(cacheDir, { recursive: true, force: true });
});

/** A 600×400 gray gradient with a bright disc: enough structure for resizers to differ if they were wrong. */
function gradient(): Rendered8 {
  const width = 600;
  const height = 400;
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      data[y * width + x] = (x - 300) ** 2 + (y - 200) ** 2 < 80 ** 2 ? 250 : Math.round((x / width) * 200);
  return { width, height, channels: 1, data };
}

describe('renderings', () => {
  it('writes the training rendering with the same bytes from one resize, and a visually equal gray thumbnail', async () => {
    const r = gradient();
    const hash = 'ab'.repeat(32);
    const alone = await writeRendering(join(cacheDir, 'alone'), 'renders/128', hash, r, 128);
    const aloneThumb = await writeRendering(join(cacheDir, 'alone'), 'thumbs', hash, r, 64);
    const both = await writeRenderings(join(cacheDir, 'both'), hash, r, { thumbSize: 64, trainingSize: 128 });
    expect(both).toEqual({ thumbnail: `thumbs/ab/${hash}.png`, training: `renders/128/ab/${hash}.png` });
    expect(await readFile(join(cacheDir, 'both', both.training))).toEqual(
      await readFile(join(cacheDir, 'alone', alone)),
    );
    const gray = (file: string) =>
      sharp(join(cacheDir, file)).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
    const a = await gray(join('alone', aloneThumb));
    const b = await gray(join('both', both.thumbnail));
    expect(b.info).toMatchObject({ width: 64, height: 43, channels: 1 });
    expect(a.info).toMatchObject({ width: 64, height: 43, channels: 1 });
    expect((await sharp(join(cacheDir, 'both', both.thumbnail)).metadata()).channels).toBe(1);
    let diff = 0;
    for (let i = 0; i < a.data.length; i++) diff += Math.abs(a.data[i]! - b.data[i]!);
    expect(diff / a.data.length).toBeLessThan(2);
    const training = await sharp(join(cacheDir, 'both', both.training)).metadata();
    expect([training.width, training.height, training.channels]).toEqual([128, 85, 3]);
  });
});
