import { describe, expect, it } from 'vitest';
import { contradicts, longestSharedRun } from './index.ts';

describe('the model-output filter', () => {
  it('measures the longest word run an output shares with its source', () => {
    expect(
      longestSharedRun('there is a small right apical pneumothorax', 'A small right apical pneumothorax.'),
    ).toBe(5);
    expect(longestSharedRun('zq xv', 'a small effusion')).toBe(0);
  });

  it('finds answers that contradict the labels', () => {
    const labels = {
      source: 'chexpert',
      positives: ['Pneumothorax'],
      negatives: ['Edema'],
      uncertain: [],
      normal: false,
      states: new Map<string, 1 | 0 | -1>([
        ['Pneumothorax', 1],
        ['Edema', 0],
      ]),
    };
    expect(contradicts('There is no pneumothorax.', labels)).toBe(true);
    expect(contradicts('Pulmonary edema is present.', labels)).toBe(true);
    expect(contradicts('A pneumothorax; no edema.', labels)).toBe(false);
  });
});
