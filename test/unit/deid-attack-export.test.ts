// Issue 19 end to end: the attack set (scripts/make-attack-set.py) through the real CLI (init → import → deid →
// sft → export → verify) with every option its cases exercise switched on at once, plus Retain Device
// Identity and Retain Institution Identity. Every bundle format of images (DICOM, PNG, JPEG in a zip) must hold
// none of the attack set's needles in any byte or any decoded DICOM text; the export must pass the leak gate
// although the options keep the hospital and station names (the card says so); `verify --project` must
// pass; and a source changed after de-identification (pixels rewritten in place, same size) must be refused.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DEID_SETTINGS } from '../../electron/engine/deid/settings.ts';
import { openBundle } from '../../electron/engine/export/index.ts';
import { dicomScanItems } from '../../electron/engine/leak-gate/index.ts';
import { medprep, repoRoot, tempDir } from '../support/dicom-tree.ts';

const work = tempDir('medprep-attack-export-');
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));
const source = path.join(work, 'source');
const project = path.join(work, 'project');
let needles: string[] = [];
let cases = 0;

function run(args: string[]): void {
  const r = medprep(args);
  expect(r.code, `medprep ${args.join(' ')}: ${r.stderr}`).toBe(0);
}

interface Member {
  name: string;
  bytes: Buffer;
}

function walk(root: string): Member[] {
  return (fs.readdirSync(root, { recursive: true, encoding: 'utf8' }) as string[])
    .filter((p) => fs.statSync(path.join(root, p)).isFile())
    .map((p) => ({ name: p, bytes: fs.readFileSync(path.join(root, p)) }));
}

/** Needles found in the members: raw bytes (Latin-1 and UTF-8) and, for DICOM, every decoded text. */
function found(members: Member[]): string[] {
  const hits: string[] = [];
  for (const m of members) {
    const texts = m.name.endsWith('.dcm') ? dicomScanItems(m.name, m.bytes).map((i) => i.text) : [];
    const hay = [m.bytes.toString('latin1'), m.bytes.toString('utf8'), ...texts].join('\n').toLowerCase();
    for (const n of needles) if (hay.includes(n.toLowerCase())) hits.push(`${m.name}: ${n}`);
  }
  return hits;
}

beforeAll(() => {
  execFileSync('/usr/bin/python3', [path.join(repoRoot, 'scripts', 'make-attack-set.py'), source]);
  const listing = JSON.parse(fs.readFileSync(path.join(source, 'attack.json'), 'utf8')) as {
    cases: { needles: string[] }[];
  };
  needles = [...new Set(listing.cases.flatMap((c) => c.needles))];
  cases = listing.cases.length;
  fs.rmSync(path.join(source, 'attack.json'));
  run(['init', project]);
  fs.writeFileSync(path.join(project, 'secret.key'), '19'.repeat(32) + '\n', { mode: 0o600 });
  const db = new Database(path.join(project, 'project.db'));
  const settings = {
    ...DEFAULT_DEID_SETTINGS,
    cleanDescriptors: true,
    cleanGraphics: true,
    retainSafePrivate: true,
    retainPatientCharacteristics: true,
    retainDeviceIdentity: true,
    retainInstitutionIdentity: true,
    birthDate: 'year',
    textModel: 'off',
  };
  db.prepare("INSERT INTO settings (key, value) VALUES ('deid', ?)").run(JSON.stringify(settings));
  db.close();
  run(['import', project, source, '--format', 'dicom']);
  run(['deid', project]);
  run(['sft', project]);
});

describe('the attack set exported through the CLI', () => {
  it('DICOM bundle: no needle anywhere, the kept hospital name is declared, and verify --project passes', () => {
    const out = path.join(work, 'bundle-dicom');
    run(['export', project, out, '--images', 'dicom']);
    const members = walk(out);
    expect(members.filter((m) => m.name.endsWith('.dcm')).length).toBe(cases);
    expect(found(members)).toEqual([]);
    const card = fs.readFileSync(path.join(out, 'README.md'), 'utf8');
    expect(card).toContain('InstitutionName');
    expect(card).toContain('Retain Institution Identity');
    const kept = members.some((m) => m.bytes.includes(Buffer.from('Szpital Powiatowy Zielonka')));
    expect(kept).toBe(true);
    const verify = medprep(['verify', out, '--project', project]);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
  });

  it('PNG bundle and JPEG bundle (zip): no needle in any byte of any file or member', () => {
    const png = path.join(work, 'bundle-png');
    run(['export', project, png, '--images', 'png']);
    expect(found(walk(png))).toEqual([]);
    const zip = path.join(work, 'bundle-jpeg.zip');
    run(['export', project, zip, '--images', 'jpeg', '--archive', 'zip']);
    const bundle = openBundle(zip);
    const members = bundle.names.map((name) => ({ name, bytes: bundle.read(name) }));
    bundle.close();
    expect(members.filter((m) => m.name.endsWith('.jpg')).length).toBe(cases);
    expect(found(members)).toEqual([]);
  });

  it('refuses a source whose pixels changed after de-identification, and writes nothing', () => {
    const file = path.join(source, 'c1-removable-sequences.dcm');
    const bytes = fs.readFileSync(file);
    // "Burn in" a bright block at the start of the pixels, same size, as an editor saving in place would.
    const pixels = bytes.length - 64 * 64 * 2;
    bytes.fill(0xff, pixels, pixels + 256);
    fs.writeFileSync(file, bytes);
    for (const images of ['dicom', 'png']) {
      const out = path.join(work, `stale-${images}`);
      const r = medprep(['export', project, out, '--images', images]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/changed after it was imported.*re-import/u);
      expect(fs.existsSync(out)).toBe(false);
    }
  });
});
