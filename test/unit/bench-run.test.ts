import { describe, expect, it } from 'vitest';
import { discover, markdown } from '../../bench/run.ts';

describe('npm run bench', () => {
  it('finds every benchmark by its file name, so a new bench/<name>.ts needs no registration', () => {
    expect(discover()).toEqual(expect.arrayContaining(['deid-text', 'import', 'models']));
    expect(discover()).not.toContain('run');
  });

  it('writes a markdown table with the baseline of the same run and the ratio', () => {
    const md = markdown([
      {
        name: 'import',
        figures: [
          {
            label: 'pipeline vs Python',
            value: 14.7,
            unit: 'files/s',
            baseline: { label: 'Python', value: 5.1 },
            ratio: 2.88,
          },
          { label: 'peak RSS', value: 457, unit: 'MiB' },
        ],
        notes: ['16 files'],
        machine: {
          cpu: 'AMD EPYC',
          cores: 2,
          memoryGiB: 24,
          node: '24.21.0',
          platform: 'linux-x64',
          date: '2026-11-25T08:00:00Z',
        },
      },
    ]);
    expect(md).toContain('AMD EPYC, 2 cores, 24 GiB, Node 24.21.0, linux-x64, 2026-11-25');
    expect(md).toContain('| pipeline vs Python | 14.7 files/s | Python: 5.10 files/s | 2.88× |');
    expect(md).toContain('| peak RSS | 457 MiB |  |  |');
    expect(md).toContain('- 16 files');
  });
});
