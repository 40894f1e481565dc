// Issue 17: the generated attack set written into the reports of the MIMIC-CXR sample (as written, in capitals
// and in lower case), then import → deid → sft → export in every format: no attack identifier is in the
// de-identified reports (which hold every sentence) nor in any text of any exported file (Parquet rows read
// back, tar members unpacked). SFT's own filters drop most of these sentences; the reports check does not
// depend on them.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { parquetReadObjects } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPORT_FORMATS } from '../../electron/api/export.ts';
import { listFiles, openBundle } from '../../electron/engine/export/index.ts';
import { Engine } from '../../electron/engine/index.ts';
import { ATTACKS } from '../support/deid-attacks.ts';
import { sampleMimic, tempDir } from '../support/dicom-tree.ts';

const work = tempDir('medprep-attack-');
const engine = new Engine();
const texts = new Map<string, string>();
let deidReports: string[] = [];

const attacks = Object.values(ATTACKS).flat();
const variants = [(s: string) => s, (s: string) => s.toUpperCase(), (s: string) => s.toLowerCase()];

async function run(started: Promise<{ id: string }>) {
  const job = await engine.waitForJob((await started).id);
  if (job.state !== 'done') throw new Error(`${job.kind} ${job.state}: ${job.message}`);
}

/** Every text an exported file holds: JSON and text as they are, Parquet rows and tar members read back. */
async function exportedText(dir: string): Promise<string> {
  let all = '';
  for (const rel of listFiles(dir)) {
    const file = path.join(dir, rel);
    if (/\.(png|jpe?g|dcm)$/iu.test(rel)) continue;
    const buf = fs.readFileSync(file);
    if (rel.endsWith('.parquet')) {
      const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
      const rows = await parquetReadObjects({ file: ab, columns: ['messages'] });
      all += JSON.stringify(rows, (_k, v: unknown) =>
        v instanceof Uint8Array ? Buffer.from(v).toString() : v,
      );
    } else if (rel.endsWith('.tar')) {
      const tar = openBundle(file);
      for (const name of tar.names) if (!/\.(png|jpe?g|dcm)$/iu.test(name)) all += tar.read(name).toString();
      tar.close();
    } else all += buf.toString('utf8');
  }
  return all.toLowerCase();
}

beforeAll(async () => {
  const source = path.join(work, 'mimic-cxr');
  fs.cpSync(sampleMimic, source, { recursive: true });
  // Each report gets every attack sentence (in one of the three cases) on one line that opens its last
  // paragraph (these reports have no headers: the last paragraph is what SFT answers with).
  let n = 0;
  for (const rel of listFiles(source).filter((f) => f.endsWith('.txt'))) {
    const file = path.join(source, rel);
    const sentences = attacks.map((a) => variants[n++ % variants.length]!(a.text)).join(' ');
    const report = fs.readFileSync(file, 'utf8').trimEnd();
    const last = report.lastIndexOf('\n \n');
    fs.writeFileSync(file, `${report.slice(0, last)}\n \n ${sentences}${report.slice(last + 3)}\n`);
  }
  const dir = path.join(work, 'project');
  await engine.invoke('project.create', { dir, name: 'Attack' });
  await run(engine.invoke('import.start', { source, format: 'mimic-cxr' }));
  await run(engine.invoke('deid.start', {}));
  const db = new Database(path.join(dir, 'project.db'), { readonly: true });
  deidReports = db.prepare('SELECT deid_text FROM reports').pluck().all() as string[];
  db.close();
  await run(engine.invoke('sft.run', {}));
  for (const format of EXPORT_FORMATS) {
    const out = path.join(work, `bundle-${format}`);
    const started = await engine.invoke('export.run', { format, out, maxSide: 64 } as never);
    const job = await engine.waitForJob(started.id);
    expect(job.state, job.message).toBe('done');
    texts.set(format, await exportedText(out));
  }
}, 600_000);
afterAll(async () => {
  await engine.close();
  fs.rmSync(work, { recursive: true, force: true });
});

/** The attack identifiers found in `text`, as whole tokens ("93f" also occurs inside hexadecimal hashes). */
function leaked(text: string): string[] {
  const escape = (s: string) => s.toLowerCase().replace(/[.*+?^${}()|[\]\\]/gu, '\\$&');
  return attacks
    .flatMap((a) => a.secrets)
    .filter((s) => new RegExp(`(?<![\\p{L}\\p{N}])${escape(s)}(?![\\p{L}\\p{N}])`, 'u').test(text));
}

describe('the attack set through every export format', () => {
  it('every de-identified report holds the attack sentences without one identifier', () => {
    expect(deidReports.length).toBeGreaterThan(0);
    for (const report of deidReports) {
      expect(report.toLowerCase()).toContain('reviewed the films with us');
      expect(leaked(report.toLowerCase())).toEqual([]);
    }
  });

  it.each(EXPORT_FORMATS)('%s: no attack identifier in any exported text', (format) => {
    expect(leaked(texts.get(format)!)).toEqual([]);
  });
});
