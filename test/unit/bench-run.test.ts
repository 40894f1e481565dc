import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { QUICK_FLAGS, discover, flagsFor, markdown } from '../../bench/run.ts';
import type { BenchResult } from '../../bench/lib/types.ts';

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

  it('--quick gives every benchmark its smallest size, and flags the user gives still win', () => {
    for (const name of ['import', 'deid-text', 'curate', 'models']) expect(QUICK_FLAGS[name]).toBeDefined();
    expect(flagsFor('import', ['--quick', '--files', '4'])).toEqual([
      '--files',
      '2',
      '--runs',
      '1',
      '--quick',
      '--files',
      '4',
    ]);
    expect(flagsFor('import', ['--files', '4'])).toEqual(['--files', '4']);
    expect(flagsFor('new-bench', ['--quick'])).toEqual(['--quick']);
  });

  it('a quick run writes its own report: every figure a number, headline figures with a same-run baseline', () => {
    const bench = path.resolve(import.meta.dirname, '..', '..', 'bench');
    const r = spawnSync(process.execPath, [path.join(bench, 'run.ts'), 'deid-text', '--quick'], {
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    const stored = JSON.parse(fs.readFileSync(path.join(bench, 'results.quick.json'), 'utf8')) as Record<
      string,
      BenchResult & { machine: { cores: number } }
    >;
    const deid = stored['deid-text']!;
    expect(deid.machine.cores).toBeGreaterThan(0);
    for (const f of deid.figures) expect(Number.isFinite(f.value), f.label).toBe(true);
    const compared = deid.figures.filter((f) => f.baseline && f.ratio !== undefined);
    expect(compared.length).toBeGreaterThanOrEqual(3);
    for (const f of compared) expect(f.ratio).toBeCloseTo(f.value / f.baseline!.value, 1);
    expect(fs.readFileSync(path.join(bench, 'results.quick.md'), 'utf8')).toContain(
      '| Figure | Value | Baseline (same run) | Ratio |',
    );
  }, 120_000);
});
