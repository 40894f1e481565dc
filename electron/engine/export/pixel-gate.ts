/**
 * The leak gate in pixels: every image of a bundle whose source had burned-in text (lines the OCR model
 * read during de-identification, or an image a person released from the quarantine for text) is read again
 * by OCR as it was written to the bundle, with its patient's known identifiers; a line decided PHI is a leak
 * (file, frame and view, category; never the text). Without an OCR model such images are not exported.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { LeakSummary } from '../../api/export.ts';
import { type PixelCheck, checkImageFiles } from '../burned-text/index.ts';
import { knownForPatient } from '../deid/known.ts';
import { readSettings } from '../deid/settings.ts';
import { pseudonym } from '../deid-dicom/pseudonyms.ts';
import { chooseModel, loadModelLayer } from '../deid/text-model.ts';
import { ApiError } from '../errors.ts';
import type { Db } from '../project/database.ts';
import type { Project } from '../project/project.ts';
import type { SourceImage } from './images.ts';
import type { BundleSource } from './bundle-source.ts';
import { identityKeySql } from '../patients/identity.ts';

/** The bundle names of the images whose source had burned-in text. */
export function imagesWithText(db: Db, images: Map<string, SourceImage>): string[] {
  const had = db.prepare(
    `SELECT EXISTS (SELECT 1 FROM pixel_text WHERE category <> 'noise' AND image_id IN
         (SELECT id FROM images WHERE file_id = (SELECT file_id FROM images WHERE id = :id)))
       OR EXISTS (SELECT 1 FROM quarantine WHERE image_id = :id AND source IN ('detector', 'ocr'))`,
  );
  return [...images].filter(([, im]) => had.pluck().get({ id: im.id }) === 1).map(([name]) => name);
}

/** OCR of the named images as written under `dir`; throws when images need it and no OCR model is there. */
export async function pixelGate(
  project: Project,
  names: string[],
  images: Map<string, SourceImage>,
  dir: string,
  signal?: AbortSignal,
): Promise<PixelCheck> {
  const none: PixelCheck = { checked: 0, linesRead: 0, unreadable: [], hits: [], device: null };
  if (names.length === 0) return none;
  const layer = await loadModelLayer();
  const setting = readSettings(project.db).pixelTextModel;
  const choice = chooseModel(
    layer,
    setting === 'off' ? 'auto' : setting,
    'text-ocr',
    'OCR model',
    project.dir,
  );
  if (!layer || !choice)
    throw new ApiError(
      'conflict',
      `${names.length} image${names.length === 1 ? '' : 's'} of this export had burned-in text, and no OCR model is available to check them in the bundle.`,
    );
  const patientOf = project.db.prepare('SELECT id FROM patients WHERE patient_key = ?').pluck();
  const runner = new layer.ModelRunner({
    models: { dirs: layer.resolveModelDirs({ projectDir: project.dir }) },
    device: 'auto',
  });
  try {
    const items = names.map((file) => {
      const im = images.get(file)!;
      const patient = patientOf.get(im.patientKey) as number | undefined;
      return {
        file,
        bytes: () => fs.readFileSync(path.join(dir, file)),
        known: patient === undefined ? {} : knownForPatient(project.db, patient).known,
      };
    });
    return await checkImageFiles(runner, choice.id, items, signal);
  } finally {
    runner.close();
  }
}

/** The text gate's result with the pixel check's hits and count added. */
export function withPixels(leak: LeakSummary, pixels: PixelCheck): LeakSummary {
  const hits = [
    ...leak.hits,
    ...pixels.unreadable.map((file) => ({
      file,
      record: 'pixels',
      category: 'unreadable',
      kind: 'identifier' as const,
    })),
    ...pixels.hits.map((h) => ({ ...h, kind: 'identifier' as const })),
  ];
  return { ...leak, ok: hits.length === 0, hits, pixelsChecked: pixels.checked };
}

const IMAGE_FILE = /\.(?:png|jpe?g|dcm)$/iu;

/**
 * `verify --ocr`: every image of a bundle read by OCR. With the project, each image is matched against its
 * patient's identifiers (found through the patient pseudonym in metadata.jsonl); without it, only the text
 * engine's generic patterns decide.
 */
export async function verifyPixels(
  project: Project | null,
  src: Pick<BundleSource, 'names' | 'read'>,
  patientOf: Map<string, string>,
): Promise<PixelCheck> {
  const layer = await loadModelLayer();
  const setting = project ? readSettings(project.db).pixelTextModel : 'auto';
  const choice = chooseModel(
    layer,
    setting === 'off' ? 'auto' : setting,
    'text-ocr',
    'OCR model',
    project?.dir,
  );
  if (!layer || !choice)
    throw new ApiError('conflict', 'verify --ocr needs an OCR model, and none is available.');
  const byPseudonym = new Map<string, number>();
  if (project) {
    const secret = project.secret();
    // Bundles name a patient by the pseudonym of its identity (a linked patient's root's key).
    const all = project.db.prepare(`SELECT p.id, ${identityKeySql('p')} AS key FROM patients p`).all() as {
      id: number;
      key: string;
    }[];
    for (const p of all) byPseudonym.set(pseudonym(secret, 'patient', p.key), p.id);
  }
  const runner = new layer.ModelRunner({
    models: { dirs: layer.resolveModelDirs(project ? { projectDir: project.dir } : {}) },
    device: 'auto',
  });
  try {
    const items = src.names
      .filter((name) => IMAGE_FILE.test(name))
      .map((file) => {
        const patient = byPseudonym.get(patientOf.get(file) ?? '');
        return {
          file,
          bytes: () => {
            const data = src.read(file);
            return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
          },
          known: project && patient !== undefined ? knownForPatient(project.db, patient).known : {},
        };
      });
    return await checkImageFiles(runner, choice.id, items);
  } finally {
    runner.close();
  }
}
