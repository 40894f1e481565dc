// The conventions scripts rely on: --help per command, -V, --progress json (NDJSON job events on stderr),
// exit 130 when Ctrl-C stopped a job (the job ends cancelled and keeps what it finished), and `medprep jobs`.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { JobInfo, JobRecord } from '../../electron/api/contract.ts';
import { makeDicomTree, medprep, repoRoot, tempDir } from '../support/dicom-tree.ts';

const work = tempDir('medprep-cli-conv-');
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));
const bin = path.join(repoRoot, 'electron', 'cli', 'bin.js');
const version = (
  JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string }
).version;

function jobLines(stderr: string): (JobInfo & { type: string })[] {
  return stderr
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as JobInfo & { type: string });
}

describe('medprep conventions', () => {
  it('prints the version with -V and --version', () => {
    for (const flag of ['-V', '--version'])
      expect(medprep([flag])).toMatchObject({ code: 0, stdout: `${version}\n` });
  });

  it.each(['init', 'import', 'deid', 'curate', 'sft', 'export', 'verify', 'jobs', 'models', 'serve', 'run'])(
    'prints the help of %s with --help (and -h) on stdout, exit 0, without needing its arguments',
    (name) => {
      for (const flag of ['--help', '-h']) {
        const r = medprep([name, flag]);
        expect(r.code).toBe(0);
        expect(r.stdout).toMatch(new RegExp(`^Usage: medprep ${name}\\b`, 'u'));
        expect(r.stdout).toContain('--json');
        expect(r.stdout).toContain('--progress');
        expect(r.stderr).toBe('');
      }
    },
  );

  it('describes every option of a command in its help', () => {
    const r = medprep(['export', '--help']);
    for (const option of ['--format', '--images', '--max-side', '--archive'])
      expect(r.stdout).toMatch(new RegExp(`${option} VALUE +\\S`, 'u'));
  });

  it('refuses a --progress other than json as bad usage', () => {
    expect(medprep(['stats', 'p', '--progress', 'bar'])).toMatchObject({ code: 2 });
  });

  it('writes each job event as one JSON line on stderr with --progress json, stdout untouched', () => {
    const project = path.join(work, 'progress');
    const src = path.join(work, 'progress-src');
    makeDicomTree(src, { images: 12, template: 'small' });
    expect(medprep(['init', project]).code).toBe(0);
    const r = medprep(['import', project, src, '--progress', 'json', '--json']);
    expect(r.code).toBe(0);
    const events = jobLines(r.stderr);
    expect(r.stderr.trim().split('\n')).toHaveLength(events.length);
    expect(events.every((e) => e.type === 'job' && e.kind === 'import')).toBe(true);
    expect(events.at(-1)).toMatchObject({ state: 'done', done: 12, total: 12, totalKnown: true });
    expect(JSON.parse(r.stdout)).toMatchObject({ imported: 12 });
  });

  it('exits 130 on Ctrl-C: the running import ends cancelled and keeps what it imported', async () => {
    const project = path.join(work, 'sigint');
    const src = path.join(work, 'sigint-src');
    makeDicomTree(src, { images: 3000, template: 'small' });
    expect(medprep(['init', project]).code).toBe(0);
    const child = spawn(process.execPath, [bin, 'import', project, src, '--progress', 'json']);
    let stderr = '';
    let sent = false;
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      if (!sent && jobLines(stderr.slice(0, stderr.lastIndexOf('\n') + 1)).some((e) => e.done > 0)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(sent).toBe(true);
    expect(code).toBe(130);
    const last = jobLines(stderr).at(-1)!;
    expect(last).toMatchObject({ state: 'cancelled' });
    expect(last.done).toBeLessThan(3000);
    expect(stderr).toMatch(/medprep import: cancelled: \d+ images imported before the cancel are kept/u);

    const history = medprep(['jobs', project, '--json']);
    expect(history.code).toBe(0);
    const [job] = (JSON.parse(history.stdout) as { jobs: JobRecord[] }).jobs;
    expect(job).toMatchObject({
      kind: 'import',
      state: 'cancelled',
      options: { source: src, format: 'dicom' },
    });
    expect(job!.durationMs).toBeGreaterThan(0);
    const text = medprep(['jobs', project]);
    expect(text.stdout).toMatch(
      / import {2}cancelled {2}\d+:\d\d {2}\d+\/\d+ {2}source=\(given\) format=dicom/u,
    );
    expect(text.stdout).not.toContain(src);
  }, 120_000);
});
