import { describe, expect, it } from 'vitest';
import { DEFAULT_DEID_SETTINGS, validateSettings } from './settings.ts';

describe('de-identification settings', () => {
  it('apply a partial update over the current settings', () => {
    const next = validateSettings(
      { textMode: 'surrogates', shiftRange: { min: -30, max: -1 } },
      DEFAULT_DEID_SETTINGS,
    );
    expect(next).toEqual({
      ...DEFAULT_DEID_SETTINGS,
      textMode: 'surrogates',
      shiftRange: { min: -30, max: -1 },
    });
    expect(DEFAULT_DEID_SETTINGS.textMode).toBe('tags');
  });

  it.each([
    [{ colour: 'red' }, /^settings: unknown key "colour" \(known: longitudinal, /u],
    [
      { birthDate: 'keep' },
      /^settings: birthDate: Invalid option: expected one of "empty"\|"shift"\|"year"$/u,
    ],
    [{ retainUids: 'yes' }, /^settings: retainUids: Invalid input: expected boolean/u],
    [
      { shiftRange: { min: 5, max: 1 } },
      /^settings: shiftRange: must be \{min, max\}: whole days, min ≤ max$/u,
    ],
    [{ shiftRange: { min: 0.5, max: 1 } }, /^settings: shiftRange\.min: /u],
    [{ textModel: '../etc' }, /^settings: textModel: must be auto, off or a model id$/u],
    ['tags', /^settings: Invalid input: expected object/u],
  ])('refuse %j with a bad-request naming the setting', (update, message) => {
    expect(() => validateSettings(update, DEFAULT_DEID_SETTINGS)).toThrow(
      expect.objectContaining({ code: 'bad-request', message: expect.stringMatching(message) }),
    );
  });
});
