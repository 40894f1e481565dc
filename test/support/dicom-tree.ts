// Builds source folders for import tests from the real DICOM files of the bundled sample data (written by
// pydicom): copies with distinct pixels, plus the broken cases a real export has.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const repoRoot = path.resolve(import.meta.dirname, '..', '..');
export const sampleMimic = path.join(repoRoot, 'resources', 'sample-data', 'mimic-cxr');

export function sampleDicomFiles(): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.dcm')) out.push(p);
    }
  };
  walk(sampleMimic);
  return out;
}

export function tempDir(prefix = 'medprep-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export const smallFixture = path.join(repoRoot, 'test', 'fixtures', 'dicom', 'cr_12bit.dcm');

export interface TreeOptions {
  /** DICOM images to write, spread over sub-folders, with odd names and no extension for some. */
  images: number;
  /** 'sample': the sample data's chest radiographs (~100 KB each); 'small': a 64×48 CR (7 KB) for big trees. */
  template?: 'sample' | 'small';
  /** Add a truncated DICOM, a non-DICOM text file and an empty file. */
  broken?: boolean;
}

export interface Tree {
  dir: string;
  images: number;
  brokenFiles: string[];
  nonDicomFiles: string[];
}

/** Writes `images` distinct DICOM files (each copy's last pixels carry its number, so pixel hashes differ). */
export function makeDicomTree(dir: string, opts: TreeOptions): Tree {
  const files = opts.template === 'small' ? [smallFixture] : sampleDicomFiles();
  const templates = files.map((f) => fs.readFileSync(f));
  fs.mkdirSync(dir, { recursive: true });
  for (let i = 0; i < opts.images; i++) {
    const buf = Buffer.from(templates[i % templates.length]!);
    buf.writeUInt32LE(i, buf.length - 8); // Pixel Data is the last element: change two pixels.
    const sub = path.join(dir, `series-${String(Math.floor(i / 500)).padStart(3, '0')}`);
    fs.mkdirSync(sub, { recursive: true });
    const name = i % 7 === 0 ? `IM${i}` : i % 11 === 0 ? `image ${i} (copy).DCM` : `${i}.dcm`;
    fs.writeFileSync(path.join(sub, name), buf);
  }
  const tree: Tree = { dir, images: opts.images, brokenFiles: [], nonDicomFiles: [] };
  if (opts.broken) {
    const whole = templates[0]!;
    fs.writeFileSync(path.join(dir, 'truncated.dcm'), whole.subarray(0, Math.floor(whole.length / 2)));
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'Export log: 3 series sent.\n');
    fs.writeFileSync(path.join(dir, 'empty.dcm'), '');
    // An empty file named .dcm is a broken image (an error); a text file beside the images is skipped.
    tree.brokenFiles.push('truncated.dcm', 'empty.dcm');
    tree.nonDicomFiles.push('notes.txt');
  }
  return tree;
}

/** Path, size, mtime and content hash of every file: proves a source folder was never written to. */
export function snapshot(dir: string): string {
  const lines: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      const st = fs.lstatSync(p);
      if (e.isDirectory()) {
        lines.push(`${path.relative(dir, p)}/ ${st.mtimeMs}`);
        walk(p);
      } else {
        const h = crypto.createHash('sha256').update(fs.readFileSync(p)).digest('hex');
        lines.push(`${path.relative(dir, p)} ${st.size} ${st.mtimeMs} ${h}`);
      }
    }
  };
  walk(dir);
  return lines.join('\n');
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real `medprep` command in a child process. */
export function medprep(args: string[], env: NodeJS.ProcessEnv = {}): CliResult {
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'electron', 'cli', 'bin.js'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 120_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
