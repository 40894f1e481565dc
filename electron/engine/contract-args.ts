import { z } from 'zod';
import { IMPORT_FORMATS, type ArgsOf, type Channel } from '../api/contract.ts';
import { BROWSE_SORT_KEYS, FACET_KEYS, LABEL_STATES } from '../api/browse.ts';
import { CLUSTER_METHODS } from '../api/curate.ts';
import { SPAN_CATEGORIES } from '../api/deid.ts';
import { EXPORT_FORMATS, EXPORT_IMAGE_KINDS } from '../api/export.ts';
import { MODEL_DEVICES } from '../api/models.ts';
import { SFT_TASKS } from '../api/sft.ts';
import { intIn, numberIn, strict } from './validation.ts';

// The arguments of every contract channel as a schema. Arguments arrive from transports (the browser mode is
// a network front, the renderer can be compromised), so the engine checks each call here, once, before its
// handler runs; handlers read typed values. `satisfies` below keeps each schema in step with the contract.

const none = strict({});
const text = z.string().min(1, 'must be a non-empty string');
const id = intIn(1);
const offset = intIn(0);
const page = { offset, limit: intIn(0) };
/** Image ids a selection can name: the browse grid's "select all" of a large project. */
const ids = z.array(id).max(1_000_000);
const enumOf = <T extends string>(values: readonly T[]) =>
  z.enum(values as [T, ...T[]], { error: () => `must be one of ${values.join(', ')}` });

const filters = strict({
  ...Object.fromEntries(FACET_KEYS.map((k) => [k, z.array(z.string()).optional()])),
  labels: z.record(z.string(), z.array(enumOf(LABEL_STATES))).optional(),
}).optional();
const sort = strict({ key: enumOf(BROWSE_SORT_KEYS), desc: z.boolean().optional() }).optional();
/** Tags people type: trimmed, 1–64 characters, no control characters, each once. */
const tags = z
  .array(
    z
      .string()
      .trim()
      .min(1)
      .max(64)
      .refine((t) => !/\p{Cc}/u.test(t), 'must be printable'),
    'A tag must be 1 to 64 printable characters.',
  )
  .transform((list) => [...new Set(list)])
  .optional();
const threshold = z.union([z.number(), z.array(z.string())], 'must be a number or a list of labels');
const exportOptions = {
  format: enumOf(EXPORT_FORMATS),
  images: enumOf(EXPORT_IMAGE_KINDS).optional(),
  maxSide: z.int().optional(),
  archive: z
    .enum(['tar', 'zip'])
    .nullish()
    .transform((v) => v ?? undefined),
  /** Size cap of a Parquet or WebDataset shard, in bytes. */
  shardBytes: intIn(1).optional(),
};
const device = enumOf(MODEL_DEVICES);
const modelIds = z
  .array(text)
  .nullish()
  .transform((v) => v ?? undefined);

export const CHANNEL_ARGS = {
  'app.info': none,
  'project.create': strict({ dir: text, name: z.string().optional() }),
  'project.open': strict({ dir: text }),
  'project.openSample': strict({
    dir: z
      .string()
      .nullish()
      .transform((v) => v ?? undefined),
  }),
  'project.current': none,
  'project.close': none,
  'project.stats': none,
  'import.detect': strict({ source: text }),
  'import.start': strict({ source: text, format: enumOf(IMPORT_FORMATS).optional() }),
  'import.summary': strict({ jobId: text }),
  'jobs.list': none,
  'jobs.cancel': strict({ id: text }),
  'jobs.history': strict({ limit: intIn(1, 10_000).optional(), offset: offset.optional() }),
  'images.list': strict(page),
  'images.get': strict({ id }),
  'files.problems': strict(page),
  'files.problemsCsv': none,

  'deid.settings.get': none,
  // The settings' own schema (deid/settings.ts) checks each key against the stored settings.
  'deid.settings.set': strict({ settings: z.record(z.string(), z.unknown()) }),
  'deid.start': none,
  'deid.summary': strict({ jobId: text }),
  'deid.overview': none,
  'deid.headerDiff': strict({ imageId: id }),
  'deid.quarantine.list': none,
  'deid.quarantine.decide': strict({ imageId: id, decision: enumOf(['release', 'exclude']) }),
  'deid.masks.set': strict({
    imageId: id,
    masks: z.array(strict({ x: z.number(), y: z.number(), width: z.number(), height: z.number() })),
  }),
  'deid.reports.list': strict(page),
  'deid.report': strict({ reportId: id }),
  'deid.span.review': strict({ spanId: id, review: enumOf(['accepted', 'rejected']).nullable() }),
  'deid.span.add': strict({ reportId: id, start: offset, end: id, category: enumOf(SPAN_CATEGORIES) }),
  'deid.reviewQueue': strict({ limit: intIn(0) }),

  'curate.run': strict({ recipe: z.string().optional(), analyse: z.boolean().optional() }),
  'curate.summary': strict({ jobId: text }),
  'curate.defaultRecipe': none,
  'curate.recipe': none,
  'curate.saveRecipe': strict({
    yaml: z.string().optional(),
    threshold: strict({ operator: text, value: threshold }).optional(),
  }).refine((a) => a.yaml !== undefined || a.threshold !== undefined, '"yaml" or "threshold" is required'),
  'curate.operators': none,
  'curate.histogram': strict({ operator: text, bins: intIn(1) }),
  'curate.preview': strict({ operator: text, threshold }),
  'curate.clusters': strict({ method: enumOf(CLUSTER_METHODS), offset, limit: intIn(1) }),
  'curate.setRepresentative': strict({ clusterId: id, imageId: id }),
  'curate.trace': strict({ imageId: id }),
  'curate.funnel': none,
  'curate.leakage': none,

  'sft.recipe': none,
  'sft.saveRecipe': strict({
    yaml: z.string().optional(),
    tasks: z
      .array(strict({ task: enumOf(SFT_TASKS), enabled: z.boolean(), weight: numberIn(0, 1) }))
      .optional(),
    templates: z.partialRecord(enumOf(SFT_TASKS), z.array(z.string())).optional(),
  }),
  'sft.preview': strict({
    yaml: z.string().optional(),
    task: enumOf(SFT_TASKS)
      .nullish()
      .transform((v) => v ?? undefined),
    limit: intIn(1, 200).optional(),
  }),
  'sft.run': strict({ yaml: z.string().optional() }),
  'sft.summary': none,
  'sft.dropped': strict({
    yaml: z.string().optional(),
    task: enumOf(SFT_TASKS)
      .nullish()
      .transform((v) => v ?? undefined),
    reason: z.string().max(200).optional(),
    offset: intIn(0).optional(),
    limit: intIn(1, 500).optional(),
  }),

  'export.plan': strict(exportOptions),
  'export.run': strict({ ...exportOptions, out: text }),
  'export.result': strict({ jobId: text }),
  'export.verify': strict({ bundle: text, withProject: z.boolean().optional(), ocr: z.boolean().optional() }),

  'export.leaks': strict({ withText: z.boolean().optional(), refresh: z.boolean().optional() }),
  'export.acceptLeak': strict({
    id,
    reason: z
      .string()
      .trim()
      .min(1, 'say why this is no identifier')
      .max(500, 'A reason is at most 500 characters.'),
  }),

  'models.list': none,
  'models.check': strict({ ids: modelIds, device: device.optional() }),
  'models.bench': strict({ ids: modelIds, devices: z.array(device).min(1).optional() }),
  'models.result': strict({ jobId: text }),
  'models.setDevice': strict({ device, scope: enumOf(['project', 'user']) }),

  'detail.pixels': strict({ imageId: id }),
  'detail.context': strict({ imageId: id }),
  'detail.neighbours': strict({ imageId: id, limit: intIn(1, 100).optional() }),
  'detail.dashboard': none,

  'browse.query': strict({ filters, sort, offset, limit: intIn(0) }),
  'browse.facets': strict({ filters }),
  'browse.ids': strict({ filters, sort }),
  'browse.tag': strict({ ids, add: tags, remove: tags }).refine(
    (a) => (a.add?.length ?? 0) + (a.remove?.length ?? 0) > 0,
    'Give tags to add or to remove.',
  ),
  'browse.exclude': strict({
    ids,
    excluded: z.boolean(),
    reason: z.string().trim().max(500, 'A reason is at most 500 characters.').optional(),
  }),

  'patients.identity': strict({ withKeys: z.boolean().optional() }),
  'patients.link': strict({
    patientId: id,
    sameAs: id,
    reason: z
      .string()
      .trim()
      .min(1, 'say why the two are one person')
      .max(500, 'A reason is at most 500 characters.'),
  }),
  'patients.unlink': strict({ patientId: id }),
} satisfies { [C in Channel]: z.ZodType<ArgsOf<C>, unknown> };
