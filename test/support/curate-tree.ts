// A manifest source with known duplicates and known defects, for curation tests: synthetic chest-like PNGs
// (smooth structures from a seed, so different seeds give far-apart perceptual hashes), their byte copies,
// re-encoded, resized and re-windowed copies (sharp), the same image under two patients, boilerplate reports
// and broken reports. Every name is its role, so a test reads which sample is which.
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';

const SIZE = 320;

/** A smooth synthetic radiograph: a few bright ellipses and bands on a dark field, from a seed. */
export function syntheticImage(seed: number, size = SIZE): Buffer {
  let s = seed * 2654435761 + 12345;
  const rand = () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) | 0;
    return ((s >>> 0) % 10_000) / 10_000;
  };
  const blobs = Array.from({ length: 7 }, () => ({
    x: rand() * size,
    y: rand() * size,
    rx: 20 + rand() * size * 0.35,
    ry: 20 + rand() * size * 0.35,
    v: 60 + rand() * 160,
  }));
  const data = Buffer.alloc(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let v = 30 + (40 * y) / size;
      for (const b of blobs) {
        const d = ((x - b.x) / b.rx) ** 2 + ((y - b.y) / b.ry) ** 2;
        if (d < 1) v += b.v * (1 - d);
      }
      data[y * size + x] = Math.max(0, Math.min(255, Math.round(v)));
    }
  }
  return data;
}

async function png(
  raw: Buffer,
  size: number,
  opts: Parameters<ReturnType<typeof sharp>['png']>[0] = {},
): Promise<Buffer> {
  return sharp(raw, { raw: { width: size, height: size, channels: 1 } })
    .png(opts)
    .toBuffer();
}

export const REPORT = (findings: string, impression: string) =>
  ` FINAL REPORT\n EXAMINATION:  CHEST (PA AND LAT)\n\n FINDINGS:\n ${findings}\n\n IMPRESSION:\n ${impression}\n`;

export const NORMAL = REPORT(
  'The lungs are clear. The cardiomediastinal silhouette is normal. No pleural effusion or pneumothorax.',
  'No acute cardiopulmonary process.',
);

export interface CurateTree {
  dir: string;
  manifest: string;
  /** Role → path relative to dir (the image's path in the project). */
  files: Record<string, string>;
}

interface Row {
  role: string;
  file: string;
  patient: string;
  study: string;
  view?: string;
  report?: string;
  split?: string;
}

export async function makeCurateTree(dir: string): Promise<CurateTree> {
  fs.mkdirSync(dir, { recursive: true });
  const rows: Row[] = [];
  const write = async (file: string, data: Buffer) => fs.promises.writeFile(path.join(dir, file), data);
  const distinct = (i: number) => png(syntheticImage(1000 + i), SIZE);
  const findings = (i: number) =>
    `Finding number ${i}: a ${i + 1} mm nodule in segment ${i % 9} of the ${i % 2 ? 'left' : 'right'} lung, ` +
    `stable compared with the prior study of case ${i * 7}.`;
  const impression = (i: number) => `Nodule ${i} is unchanged; follow-up in ${i + 2} months.`;

  // Byte copy and re-encoded copy (same decoded pixels) of one patient's image.
  const a = await distinct(1);
  await write('a.png', a);
  await write('a-copy.png', a);
  await write(
    'a-reencoded.png',
    await png(syntheticImage(1001), SIZE, { compressionLevel: 0, adaptiveFiltering: true }),
  );
  rows.push(
    {
      role: 'a',
      file: 'a.png',
      patient: 'p1',
      study: 's1',
      view: 'PA',
      report: REPORT(findings(1), impression(1)),
    },
    {
      role: 'a-copy',
      file: 'a-copy.png',
      patient: 'p1',
      study: 's1b',
      view: 'PA',
      report: REPORT(findings(2), impression(2)),
    },
    {
      role: 'a-reencoded',
      file: 'a-reencoded.png',
      patient: 'p1',
      study: 's1c',
      view: 'PA',
      report: REPORT(findings(3), impression(3)),
    },
  );

  // Resized and re-windowed copies of one patient's image.
  const bRaw = syntheticImage(1002);
  await write('b.png', await png(bRaw, SIZE));
  await write(
    'b-resized.png',
    await sharp(bRaw, { raw: { width: SIZE, height: SIZE, channels: 1 } })
      .resize(240, 240)
      .png()
      .toBuffer(),
  );
  await write(
    'b-rewindowed.png',
    await sharp(bRaw, { raw: { width: SIZE, height: SIZE, channels: 1 } })
      .linear(1.1, -8)
      .png()
      .toBuffer(),
  );
  rows.push(
    {
      role: 'b',
      file: 'b.png',
      patient: 'p2',
      study: 's2',
      view: 'PA',
      report: REPORT(findings(4), impression(4)),
    },
    {
      role: 'b-resized',
      file: 'b-resized.png',
      patient: 'p2',
      study: 's2b',
      view: 'PA',
      report: REPORT(findings(5), impression(5)),
    },
    {
      role: 'b-rewindowed',
      file: 'b-rewindowed.png',
      patient: 'p2',
      study: 's2c',
      view: 'PA',
      report: REPORT(findings(6), impression(6)),
    },
  );

  // The same image filed under two patients (one in the official test split): review, never a merge.
  const d = await distinct(3);
  await write('d.png', d);
  await write('d-other-patient.png', d);
  rows.push(
    {
      role: 'd',
      file: 'd.png',
      patient: 'p3',
      study: 's3',
      view: 'PA',
      report: REPORT(findings(7), impression(7)),
    },
    {
      role: 'd-other-patient',
      file: 'd-other-patient.png',
      patient: 'p4',
      study: 's4',
      view: 'PA',
      report: REPORT(findings(8), impression(8)),
    },
  );

  // Frontal and lateral of one study share a report; three more patients have the same normal report.
  await write('e-frontal.png', await distinct(5));
  await write('e-lateral.png', await distinct(6));
  rows.push(
    { role: 'e-frontal', file: 'e-frontal.png', patient: 'p5', study: 's5', view: 'PA', report: NORMAL },
    { role: 'e-lateral', file: 'e-lateral.png', patient: 'p5', study: 's5', view: 'LATERAL', report: NORMAL },
  );
  for (const i of [7, 8, 9]) {
    await write(`normal-${i}.png`, await distinct(i));
    rows.push({
      role: `normal-${i}`,
      file: `normal-${i}.png`,
      patient: `p${i}`,
      study: `s${i}`,
      view: 'AP',
      report: NORMAL,
    });
  }

  // Image defects.
  await write('tiny.png', await png(syntheticImage(1010, 64), 64));
  await write('blank.png', await png(Buffer.alloc(SIZE * SIZE, 128), SIZE));
  await write('saturated.png', await png(Buffer.alloc(SIZE * SIZE, 255).fill(90, 0, SIZE * 40), SIZE));
  await write('oblique.png', await distinct(11));
  rows.push(
    {
      role: 'tiny',
      file: 'tiny.png',
      patient: 'p10',
      study: 's10',
      view: 'PA',
      report: REPORT(findings(10), impression(10)),
    },
    {
      role: 'blank',
      file: 'blank.png',
      patient: 'p11',
      study: 's11',
      view: 'PA',
      report: REPORT(findings(11), impression(11)),
    },
    {
      role: 'saturated',
      file: 'saturated.png',
      patient: 'p12',
      study: 's12',
      view: 'PA',
      report: REPORT(findings(12), impression(12)),
    },
    {
      role: 'oblique',
      file: 'oblique.png',
      patient: 'p13',
      study: 's13',
      view: 'LAO',
      report: REPORT(findings(13), impression(13)),
    },
  );

  // Report defects, each on a distinct image.
  const badReports: [string, string][] = [
    ['placeholders', REPORT('___ ___ with ___ at ___ ___.', '___ ___ ___ ___.')],
    [
      'markup',
      REPORT('<p>Lungs are clear.</p><br/>&nbsp;No effusion.<br>', 'Normal.&nbsp;<b>No</b> acute process.'),
    ],
    [
      'repetition',
      REPORT(
        'the lungs are clear the lungs are clear the lungs are clear the lungs are clear the lungs are clear the lungs are clear',
        'Clear.',
      ),
    ],
    [
      'german',
      REPORT(
        'Die Lunge ist beidseits frei belüftet, kein Pleuraerguss und kein Pneumothorax nachweisbar.',
        'Unauffälliger Befund des Thorax ohne Nachweis einer akuten Pathologie.',
      ),
    ],
    [
      'boilerplate',
      ' FINAL REPORT\n EXAMINATION:  CHEST (PA AND LAT)\n\n Electronically signed by the attending.\n',
    ],
    [
      'non-printable',
      REPORT('Lungs \u0001\u0002\u0003\u0004 clear \ufffd\ufffd\ufffd\ufffd\ufffd.', 'Normal.'),
    ],
  ];
  for (const [i, [role, report]] of badReports.entries()) {
    await write(`${role}.png`, await distinct(20 + i));
    rows.push({ role, file: `${role}.png`, patient: `p${20 + i}`, study: `s${20 + i}`, view: 'PA', report });
  }

  const officialTest = new Set(['p4']);
  const manifest = path.join(dir, 'manifest.jsonl');
  fs.writeFileSync(
    manifest,
    rows
      .map((r) =>
        JSON.stringify({
          path: r.file,
          patient_id: r.patient,
          study_id: r.study,
          view: r.view,
          report: r.report,
          ...(officialTest.has(r.patient) ? { split: 'test' } : {}),
        }),
      )
      .join('\n') + '\n',
  );
  return { dir, manifest, files: Object.fromEntries(rows.map((r) => [r.role, r.file])) };
}

export interface ModelTreeRow {
  role: string;
  /** Which manifest (source) the sample is imported from. */
  source: string;
  patient: string;
  view: string;
  report: string | null;
}

export interface ModelTree {
  dir: string;
  /** Source name → manifest path (one import each). */
  manifests: Record<string, string>;
  /** Role → path relative to its source folder. */
  files: Record<string, string>;
  rows: ModelTreeRow[];
}

/**
 * A small tree for the model-backed operators: `perSource` distinct 64-px images with distinct reports in
 * each named source, one sample without a report in the last source, and in the first source a byte-identical
 * copy (`copy-of-0`) of its first image under another patient and as a frontal view (the original is
 * lateral), so the representative rule, not the import order, picks the copy.
 */
export async function makeModelTree(dir: string, perSource: Record<string, number>): Promise<ModelTree> {
  const SIDE = 64;
  const files: Record<string, string> = {};
  const rows: ModelTreeRow[] = [];
  const manifests: Record<string, string> = {};
  const names = Object.keys(perSource);
  let seed = 0;
  for (const [k, source] of names.entries()) {
    const srcDir = path.join(dir, source);
    fs.mkdirSync(srcDir, { recursive: true });
    const lines: string[] = [];
    const add = async (role: string, image: Buffer, row: Omit<ModelTreeRow, 'role' | 'source'>) => {
      const file = `${role}.png`;
      await fs.promises.writeFile(path.join(srcDir, file), image);
      files[role] = file;
      rows.push({ role, source, ...row });
      lines.push(
        JSON.stringify({
          path: file,
          patient_id: row.patient,
          study_id: `study-${role}`,
          view: row.view,
          ...(row.report ? { report: row.report } : {}),
        }),
      );
    };
    let first: Buffer | null = null;
    for (let i = 0; i < perSource[source]!; i++) {
      const image = await png(syntheticImage(5000 + seed++, SIDE), SIDE);
      first ??= image;
      const n = seed;
      await add(`${source}-${i}`, image, {
        patient: `${source}-p${i}`,
        view: k === 0 && i === 0 ? 'LATERAL' : 'PA',
        report: REPORT(
          `Case ${n}: ${n % 2 ? 'small left' : 'moderate right'} pleural effusion, ${n * 3} mm nodule in zone ${n % 5}.`,
          `Finding ${n} ${n % 3 ? 'unchanged' : 'new'}.`,
        ),
      });
    }
    if (k === 0 && first) {
      await add('copy-of-0', first, {
        patient: `${source}-copy-patient`,
        view: 'PA',
        report: REPORT('A byte-identical copy filed under another patient.', 'Same image.'),
      });
    }
    if (k === names.length - 1) {
      await add(`${source}-no-report`, await png(syntheticImage(9000, SIDE), SIDE), {
        patient: `${source}-p-none`,
        view: 'PA',
        report: null,
      });
    }
    manifests[source] = path.join(srcDir, 'manifest.jsonl');
    fs.writeFileSync(manifests[source], lines.join('\n') + '\n');
  }
  return { dir, manifests, files, rows };
}
