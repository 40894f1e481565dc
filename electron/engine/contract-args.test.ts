import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CHANNELS } from '../api/contract.ts';
import { CHANNEL_ARGS } from './contract-args.ts';
import { Engine } from './index.ts';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'medprep-args-'));
const engine = new Engine({ sampleProjectDir: path.join(work, 'sample') });
afterAll(async () => {
  await engine.close();
  fs.rmSync(work, { recursive: true, force: true });
});

const refused = (channel: string, args: unknown) =>
  engine.invoke(channel as never, args as never).then(
    () => 'accepted',
    (err: { code: string; message: string }) => `${err.code}: ${err.message}`,
  );

describe("every contract call's arguments", () => {
  it('have one schema per channel', () => {
    expect(Object.keys(CHANNEL_ARGS).sort()).toEqual([...CHANNELS].sort());
  });

  it.each([
    ['project.open', { dir: 42 }, 'bad-request: dir: Invalid input: expected string, received number'],
    ['project.open', {}, 'bad-request: dir: Invalid input: expected string, received undefined'],
    ['project.open', { dir: '' }, 'bad-request: dir: must be a non-empty string'],
    ['project.open', { dir: '/x', colour: 1 }, 'bad-request: unknown key "colour" (known: dir)'],
    ['project.open', 'a string', 'bad-request: Invalid input: expected object, received string'],
    ['images.get', { id: 0 }, 'bad-request: id: Too small: expected number to be >=1'],
    ['images.list', { offset: -1, limit: 10 }, 'bad-request: offset: Too small: expected number to be >=0'],
    [
      'images.list',
      { offset: 1.5, limit: 10 },
      'bad-request: offset: Invalid input: expected int, received number',
    ],
    [
      'import.start',
      { source: '/x', format: 'tiff' },
      'bad-request: format: must be one of auto, dicom, mimic-cxr',
    ],
    [
      'export.run',
      { format: 'llava' },
      'bad-request: out: Invalid input: expected string, received undefined',
    ],
    ['browse.tag', { ids: [1] }, 'bad-request: Give tags to add or to remove.'],
    ['curate.saveRecipe', {}, 'bad-request: "yaml" or "threshold" is required'],
  ])('refuse %s %j before its handler runs (no project is open): %s', async (channel, args, message) => {
    expect(await refused(channel, args)).toMatch(
      new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\]/gu, '\\$&')}`, 'u'),
    );
  });

  it('reach the handler when well formed (here: it needs a project)', async () => {
    expect(await refused('images.get', { id: 1 })).toBe('no-project: No project is open.');
  });

  it('are cleaned as the handlers expect: tags trimmed and each once', () => {
    expect(CHANNEL_ARGS['browse.tag'].parse({ ids: [3], add: [' edema ', 'edema'] })).toEqual({
      ids: [3],
      add: ['edema'],
    });
  });
});
