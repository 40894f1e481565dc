// Hostile paths. A source tree with symbolic-link loops, a broken link, an unreadable file and folder, a pipe,
// names with spaces, NFC and NFD forms, a newline, a leading dash, bytes that are not UTF-8 and a 255-byte
// name, and zip/tar/gzip archives, is imported by the real CLI running as an unprivileged user (setpriv, so
// file modes bite even though the tests run as root). Every file is imported or recorded with a reason, the
// walk ends, and a full pipeline run leaves the source byte-for-byte and mtime-for-mtime as it was.
// Export targets inside the source or the project, and a source inside the project, are refused. Verify of a
// tar or zip bundle whose entry escapes with `../` (zip-slip) fails and writes nothing anywhere.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeZip } from '../../electron/engine/export/archive.ts';
import { bundleEntries } from '../support/bundle-entries.ts';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');
const bin = path.join(repoRoot, 'electron', 'cli', 'bin.js');
const fixtures = path.join(repoRoot, 'test', 'fixtures', 'dicom');
const sample = path.join(repoRoot, 'resources', 'sample-data');
const NOBODY = ['--reuid=65534', '--regid=65534', '--clear-groups'];

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'medprep-paths-'));
// The unprivileged user makes the project and the bundle here; the source inside stays root's, mode 755.
fs.chmodSync(work, 0o777);
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

// Node as the unprivileged user can run it again: de-identification starts the OCR model host with
// process.execPath, and the Node this suite runs on may sit under root's home (0700, as .ci/run installs it).
const nodeBin = path.join(work, 'node');
try {
  fs.linkSync(process.execPath, nodeBin);
} catch {
  fs.copyFileSync(process.execPath, nodeBin);
  fs.chmodSync(nodeBin, 0o755);
}
const asNobody = spawnSync('setpriv', [...NOBODY, nodeBin, bin, '--help'], { stdio: 'ignore' });
const canDropPrivileges = process.getuid?.() === 0 && asNobody.status === 0;

/** Runs the CLI, as nobody when possible (so unreadable files are unreadable), with a bounded time. */
function cli(args: string[], opts: { nobody?: boolean } = {}) {
  const nobody = opts.nobody !== false && canDropPrivileges;
  const cmd = nobody ? ['setpriv', ...NOBODY, nodeBin, bin, ...args] : [process.execPath, bin, ...args];
  const r = spawnSync(cmd[0]!, cmd.slice(1), { encoding: 'utf8', timeout: 180_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Kind, mode, size, mtime and hash (or link target) of every entry, without following links or opening pipes.
 * Names are read as bytes, so a name that is not UTF-8 is compared as it is.
 */
function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: Buffer) => {
    const names = fs.readdirSync(d, { encoding: 'buffer' }).sort(Buffer.compare);
    for (const name of names) {
      const p = Buffer.concat([d, Buffer.from('/'), name]);
      const st = fs.lstatSync(p);
      const rel = JSON.stringify(p.subarray(dir.length + 1).toString('latin1'));
      if (st.isSymbolicLink())
        out.push(`${rel} -> ${fs.readlinkSync(p, { encoding: 'buffer' }).toString('latin1')}`);
      else if (st.isDirectory()) {
        out.push(`${rel}/ ${st.mode} ${st.mtimeMs}`);
        if (st.mode & 0o004) walk(p);
      } else if (st.isFile()) {
        const h = st.mode & 0o004 ? crypto.createHash('sha256').update(fs.readFileSync(p)).digest('hex') : '';
        out.push(`${rel} ${st.mode} ${st.size} ${st.mtimeMs} ${h}`);
      } else out.push(`${rel} special ${st.mode} ${st.mtimeMs}`);
    }
  };
  walk(Buffer.from(dir));
  return out;
}

const NFC = 'caf\u00e9.dcm';
const NFD = 'cafe\u0301.dcm';
const LONG = `${'x'.repeat(251)}.dcm`;
const NOT_UTF8 = Buffer.from([0x62, 0x61, 0x64, 0xff, 0xfe, 0x2e, 0x64, 0x63, 0x6d]); // "bad\xff\xfe.dcm"

/** Each odd name gets a different fixture, so every one is a distinct image. */
const IMPORTED: [string, string][] = [
  ['plain/cr.dcm', 'cr_12bit.dcm'],
  ['with space.dcm', 'mono8.dcm'],
  [NFC, 'ct_signed.dcm'],
  [NFD, 'dx_mono1.dcm'],
  ['new\nline.dcm', 'rgb_planar0.dcm'],
  ['-rf.dcm', 'voi_lut.dcm'],
  [LONG, 'ybr_full.dcm'],
];

let src = '';
let before: string[] = [];

beforeAll(async () => {
  src = path.join(work, 'source');
  fs.mkdirSync(path.join(src, 'plain'), { recursive: true });
  for (const [name, fixture] of IMPORTED) fs.copyFileSync(path.join(fixtures, fixture), path.join(src, name));
  fs.writeFileSync(
    Buffer.concat([Buffer.from(`${src}/`), NOT_UTF8]),
    fs.readFileSync(path.join(fixtures, 'mono8_bigendian.dcm')),
  );
  fs.symlinkSync('.', path.join(src, 'loop'));
  fs.symlinkSync('..', path.join(src, 'plain', 'up'));
  fs.symlinkSync('nowhere.dcm', path.join(src, 'dangling.dcm'));
  fs.copyFileSync(path.join(fixtures, 'cr_12bit_implicit.dcm'), path.join(src, 'unreadable.dcm'));
  fs.chmodSync(path.join(src, 'unreadable.dcm'), 0o000);
  fs.mkdirSync(path.join(src, 'locked'));
  fs.copyFileSync(path.join(fixtures, 'multiframe3.dcm'), path.join(src, 'locked', 'hidden.dcm'));
  fs.chmodSync(path.join(src, 'locked'), 0o000);
  spawnSync('mkfifo', [path.join(src, 'pipe.dcm')]);
  // Archives: a zip with a `../` entry, a tar, a gzip.
  const zip = path.join(work, 'a.zip');
  await writeZip(zip, [{ name: 'xx/evil.dcm', data: fs.readFileSync(path.join(fixtures, 'mono8.dcm')) }]);
  fs.writeFileSync(
    path.join(src, 'export.zip'),
    Buffer.from(fs.readFileSync(zip).toString('latin1').replaceAll('xx/', '../'), 'latin1'),
  );
  fs.writeFileSync(
    path.join(src, 'series.tar'),
    await tarOf([{ name: '../../escape.dcm', data: Buffer.from('x') }]),
  );
  fs.writeFileSync(
    path.join(src, 'study.dcm.gz'),
    (await import('node:zlib')).gzipSync(fs.readFileSync(path.join(fixtures, 'mono8.dcm'))),
  );
  before = snapshot(src);
});

async function tarOf(entries: { name: string; data: Buffer }[]): Promise<Buffer> {
  const pack = tar.pack();
  for (const e of entries) pack.entry({ name: e.name, size: e.data.length }, e.data);
  pack.finalize();
  const parts: Buffer[] = [];
  for await (const c of pack) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

function records(project: string) {
  const db = new Database(path.join(project, 'project.db'), { readonly: true });
  try {
    const rows = db.prepare('SELECT rel_path, status, reason FROM files ORDER BY rel_path').all() as {
      rel_path: string;
      status: string;
      reason: string | null;
    }[];
    return new Map(rows.map((r) => [r.rel_path, `${r.status}${r.reason ? `: ${r.reason}` : ''}`]));
  } finally {
    db.close();
  }
}

describe('hostile paths', () => {
  const project = () => path.join(work, 'project');

  it.skipIf(!canDropPrivileges)(
    'setpriv really drops privileges here, so unreadable means unreadable',
    () => {
      const r = spawnSync('setpriv', [...NOBODY, 'cat', path.join(src, 'unreadable.dcm')]);
      expect(r.status).not.toBe(0);
    },
  );

  it('imports the odd names and records every other entry with a reason; the walk ends', () => {
    expect(cli(['init', project()]).code).toBe(0);
    const started = performance.now();
    const r = cli(['import', project(), src, '--format', 'dicom', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(performance.now() - started).toBeLessThan(120_000);
    const rec = records(project());
    for (const [name] of IMPORTED) expect([name, rec.get(name)]).toEqual([name, 'imported']);
    expect(rec.get('loop')).toBe('skipped: link to a folder, not followed');
    expect(rec.get('plain/up')).toBe('skipped: link to a folder, not followed');
    expect(rec.get('dangling.dcm')).toBe('error: broken link (its target does not exist)');
    expect(rec.get('export.zip')).toBe(
      'skipped: a zip archive: MedPrep does not read inside archives; extract it and import the folder',
    );
    expect(rec.get('series.tar')).toBe(
      'skipped: a tar archive: MedPrep does not read inside archives; extract it and import the folder',
    );
    expect(rec.get('study.dcm.gz')).toMatch(/^skipped: a gzip-compressed file: /u);
    expect(rec.get(`bad\ufffd\ufffd.dcm`)).toBe(
      'error: the name is not valid UTF-8; rename the file to import it',
    );
    // A pipe is passed over: reading one would block the import.
    expect(rec.has('pipe.dcm')).toBe(false);
    if (canDropPrivileges) {
      expect(rec.get('unreadable.dcm')).toBe('error: cannot read file (EACCES)');
      expect(rec.get('locked')).toBe('error: folder not readable (EACCES)');
    }
    // Nothing else: every record is accounted for above.
    expect(rec.size).toBe(IMPORTED.length + 7 + (canDropPrivileges ? 2 : 1));
  });

  it('a full pipeline run leaves the source exactly as it was', () => {
    // The PADCHEST sample joins so SFT has reports to build samples from.
    const steps = [
      ['import', project(), path.join(sample, 'padchest'), '--format', 'padchest'],
      ['deid', project()],
      ['curate', project()],
      ['sft', project()],
      ['export', project(), path.join(work, 'bundle')],
    ];
    for (const args of steps) {
      const r = cli(args);
      expect({ args: args[0], code: r.code, err: r.stderr }).toEqual({ args: args[0], code: 0, err: '' });
    }
    expect(snapshot(src)).toEqual(before);
  });

  it('refuses an export folder inside the source or inside the project, and a source inside the project', () => {
    const intoSource = cli(['export', project(), path.join(src, 'plain', 'bundle')]);
    expect(intoSource.code).toBe(1);
    expect(intoSource.stderr).toContain(
      'The export folder is inside a source folder, and sources are never written to',
    );
    // Through a link to the source as well.
    fs.symlinkSync(src, path.join(work, 'link-to-source'));
    const viaLink = cli(['export', project(), path.join(work, 'link-to-source', 'bundle')]);
    expect(viaLink.stderr).toContain('inside a source folder');
    const intoProject = cli(['export', project(), path.join(project(), 'bundle')]);
    expect(intoProject.code).toBe(1);
    expect(intoProject.stderr).toContain('The export folder is inside the project folder');
    const projectAsSource = cli(['import', project(), path.join(project(), 'cache')]);
    expect(projectAsSource.code).toBe(1);
    expect(projectAsSource.stderr).toContain('The source is inside the project folder');
    expect(snapshot(src)).toEqual(before);
    expect(fs.existsSync(path.join(project(), 'bundle'))).toBe(false);
  });

  it('a project inside its source is never imported as data', () => {
    const outer = path.join(work, 'outer');
    fs.cpSync(path.join(sample, 'padchest'), outer, { recursive: true });
    const inner = path.join(outer, 'my-project');
    expect(cli(['init', inner], { nobody: false }).code).toBe(0);
    expect(cli(['import', inner, outer, '--format', 'padchest'], { nobody: false }).code).toBe(0);
    expect([...records(inner).keys()].filter((k) => k.startsWith('my-project'))).toEqual([]);
  });

  it('verify refuses tar and zip bundles with entries that escape (zip-slip) and writes nothing', async () => {
    const bundle = path.join(work, 'bundle');
    const files = fs.readdirSync(bundle, { recursive: true, withFileTypes: true }).filter((d) => d.isFile());
    const entries = files.map((d) => {
      const abs = path.join(d.parentPath, d.name);
      return { name: path.relative(bundle, abs), data: fs.readFileSync(abs) };
    });
    const evil = { name: '../../medprep-slip.txt', data: Buffer.from('escaped') };
    const tarFile = path.join(work, 'slip.tar');
    fs.writeFileSync(tarFile, await tarOf([...entries, evil]));
    const zipFile = path.join(work, 'slip.zip');
    await writeZip(zipFile, [...entries, { name: 'xx/xx/medprep-slip.txt', data: evil.data }]);
    fs.writeFileSync(
      zipFile,
      Buffer.from(
        fs.readFileSync(zipFile).toString('latin1').replaceAll('xx/xx/medprep-slip', '../../medprep-slip'),
        'latin1',
      ),
    );
    expect(bundleEntries(zipFile).some((e) => e.name === evil.name)).toBe(true);
    for (const file of [tarFile, zipFile]) {
      const r = cli(['verify', file, '--json'], { nobody: false });
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('escapes the bundle');
    }
    for (const dir of [work, path.dirname(work), os.tmpdir(), process.cwd()])
      expect(fs.existsSync(path.join(dir, 'medprep-slip.txt'))).toBe(false);
  });
});
