/**
 * The report-text NER model: an installed token-classification model run through the model layer
 * (`ModelRunner.recognizeEntities`) and wrapped as the text engine's `NerModel`. Its spans are united with the
 * rules' (recall first; the medical allow list still cuts model spans). Off unless a model is installed.
 *
 * The `textModel` setting: `auto` (default) uses the first verified token-classification model found in the
 * model folders (`<project>/models/`, configured folders, `MEDPREP_MODELS_DIR` or `~/.medprep/models/`), none
 * when none is installed; `off` never uses one; a model id uses that model and fails the job when it is not
 * installed and verified.
 *
 * Label map (the entity label, without a B-/I-/E-/S-/L-/U- prefix, upper-cased; anything else is ignored):
 *
 * | Labels | Category |
 * | --- | --- |
 * | PER, PERSON, PATIENT, HCW, DOCTOR, STAFF, NAME, USERNAME | NAME |
 * | DATE, DATE_TIME, DATETIME | DATE |
 * | ID, MRN, IDNUM, MEDICALRECORD, ACCOUNT, SSN, DEVICE | ID |
 * | LOC, LOCATION, HOSPITAL, ORGANIZATION, ORG, CITY, STATE, STREET, ZIP, COUNTRY, GPE, FAC | LOCATION |
 * | PHONE, FAX, EMAIL, URL, CONTACT | CONTACT |
 * | AGE | AGE |
 */
import type * as NativeModels from '../../../native-models/index.ts';
import type { ModelRunner, ModelTask } from '../../../native-models/index.ts';
import type { NerModel, NerPrediction, PhiCategory } from '../deid-text/index.ts';
import { ApiError } from '../errors.ts';

const LABELS: Record<PhiCategory, readonly string[]> = {
  NAME: ['PER', 'PERSON', 'PATIENT', 'HCW', 'DOCTOR', 'STAFF', 'NAME', 'USERNAME'],
  DATE: ['DATE', 'DATE_TIME', 'DATETIME'],
  ID: ['ID', 'MRN', 'IDNUM', 'MEDICALRECORD', 'ACCOUNT', 'SSN', 'DEVICE'],
  LOCATION: [
    'LOC',
    'LOCATION',
    'HOSPITAL',
    'ORGANIZATION',
    'ORG',
    'CITY',
    'STATE',
    'STREET',
    'ZIP',
    'COUNTRY',
    'GPE',
    'FAC',
  ],
  CONTACT: ['PHONE', 'FAX', 'EMAIL', 'URL', 'CONTACT'],
  AGE: ['AGE'],
};

export const NER_LABEL_MAP: ReadonlyMap<string, PhiCategory> = new Map(
  Object.entries(LABELS).flatMap(([category, labels]) => labels.map((l) => [l, category as PhiCategory])),
);

/** The category of a model label, or null for labels the map does not know (ignored). */
export function categoryOfLabel(label: string): PhiCategory | null {
  const bare = label
    .trim()
    .toUpperCase()
    .replace(/^[BIESLU]-/u, '');
  return NER_LABEL_MAP.get(bare) ?? null;
}

type ModelLayer = typeof NativeModels;

export interface TextModelChoice {
  id: string;
}

/**
 * The model the setting picks among those installed, or null (none installed, `off`, or the model layer cannot
 * load under `auto`). A named model that is not installed and verified is an error.
 */
export function chooseTextModel(
  layer: ModelLayer | null,
  setting: string,
  projectDir?: string,
): TextModelChoice | null {
  return chooseModel(layer, setting, 'token-classification', 'Text model', projectDir);
}

/** `chooseTextModel` for any task: `what` names the model in errors ("Text model", "OCR model"). */
export function chooseModel(
  layer: ModelLayer | null,
  setting: string,
  task: ModelTask,
  what: string,
  projectDir?: string,
): TextModelChoice | null {
  if (setting === 'off') return null;
  if (!layer) {
    if (setting === 'auto') return null;
    throw new ApiError('conflict', `${what} ${setting}: the model layer could not load.`);
  }
  const models = layer
    .listModels({ dirs: layer.resolveModelDirs(projectDir ? { projectDir } : {}) })
    .models.filter((m) => m.manifest.task === task);
  if (setting === 'auto') {
    const found = models.find((m) => m.status === 'found');
    return found ? { id: found.manifest.id } : null;
  }
  const entry = models.find((m) => m.manifest.id === setting);
  if (!entry) throw new ApiError('conflict', `${what} ${setting} is not a ${task} model that is known.`);
  if (entry.status !== 'found')
    throw new ApiError(
      'conflict',
      `${what} ${setting} is not installed (${entry.status}); looked in ${entry.searched.join(', ')}.`,
    );
  return { id: entry.manifest.id };
}

/**
 * Hashes a chosen model's files against their pinned SHA-256 before a job relies on it; a corrupt or altered
 * file fails the job (a file with no pinned hash is accepted, as `models check` reports it).
 */
export async function requirePinned(
  layer: ModelLayer,
  choice: TextModelChoice,
  projectDir?: string,
): Promise<void> {
  const entry = layer
    .listModels({ dirs: layer.resolveModelDirs(projectDir ? { projectDir } : {}) })
    .models.find((m) => m.manifest.id === choice.id);
  if (!entry) throw new ApiError('conflict', `Model ${choice.id} is no longer installed.`);
  const bad = (await layer.verifyModelFiles(entry)).filter((p) => p.kind !== 'unpinned');
  if (bad.length > 0) throw new ApiError('conflict', bad[0]!.message);
}

/** The model layer, loaded only when needed (its import is heavy); null when it cannot load. */
export async function loadModelLayer(): Promise<ModelLayer | null> {
  try {
    return await import('../../../native-models/index.ts');
  } catch {
    return null;
  }
}

export interface RunnerNerModel extends NerModel {
  /** Predictions for several texts in one model call. */
  predictMany(texts: readonly string[]): Promise<NerPrediction[][]>;
  /** The device that ran the last call, null before the first. */
  device(): string | null;
}

/** A model-layer token classifier as the text engine's `NerModel`, with the label map applied. */
export function runnerNerModel(runner: ModelRunner, model: string, signal?: AbortSignal): RunnerNerModel {
  let device: string | null = null;
  const predictMany = async (texts: readonly string[]): Promise<NerPrediction[][]> => {
    if (texts.length === 0) return [];
    const { entities, run } = await runner.recognizeEntities(model, texts, signal ? { signal } : {});
    device = run.device;
    return entities.map((list) =>
      list.flatMap((e) => {
        const category = categoryOfLabel(e.label);
        return category ? [{ start: e.start, end: e.end, category, score: e.score }] : [];
      }),
    );
  };
  return {
    predictMany,
    predict: async (text) => (await predictMany([text]))[0] ?? [],
    device: () => device,
  };
}
