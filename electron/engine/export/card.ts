/** The dataset card (README.md): what is in the bundle, where it came from, how it was made, how to load it. */
import type { BundlePlan } from './bundle.ts';
import { dataFile, type BundleSplit } from './formats.ts';

const LOADING: Record<string, (splits: BundleSplit[]) => string> = {
  llava: (s) =>
    [
      'LLaVA (`llava/train/train.py`): `--data_path data/train.json --image_folder <this folder>`. Each record',
      'has `id`, `image` (a path relative to this folder; a list for two-image samples, as LLaVA-OneVision reads',
      'it) and `conversations` with one `<image>` token per image in the first human turn.',
      '',
      ...s.map((x) => `- ${x}: \`${dataFile('llava', x)}\``),
    ].join('\n'),
  sharegpt: () =>
    [
      'LLaMA-Factory: copy or point `dataset_dir` at this folder; `dataset_info.json` registers `medprep_train`,',
      '`medprep_validation` and `medprep_test` (formatting `sharegpt`, columns `messages` and `images`, tags',
      'role/content/user/assistant). Use `--dataset medprep_train --media_dir <this folder>`.',
    ].join('\n'),
  messages: (s) =>
    [
      'TRL `SFTTrainer` / axolotl `chat_template`: `load_dataset("json", data_files={...})` with',
      ...s.map((x) => `\`"${x}": "${dataFile('messages', x)}"\``),
      'Each row has `messages` (content parts `{"type": "image"}` and `{"type": "text", "text": …}`) and `images`',
      '(paths relative to this folder, one per image part, in order).',
    ].join('\n'),
  parquet: () =>
    [
      '🤗 datasets: `load_dataset("parquet", data_dir="<this folder>/data")` or `load_dataset("<this folder>")`; each',
      'split is one or more shards `data/<split>-NNNNN-of-MMMMM.parquet` of at most about 500 MB.',
      'Columns: `id`, `images` (a list of `Image()`: structs `{bytes, path}`), `messages` (role/content with',
      '`<image>` tokens), `task`, `split`. The features are stored in the Parquet footer.',
    ].join('\n'),
  webdataset: (s) =>
    [
      'WebDataset: `wds.WebDataset("shards/train-{000000..000009}.tar")` (the shards that are there). A sample is `<key>.json` (messages and',
      'metadata) with `<key>.png` (or `.jpg`), and `<key>.1.png` for a second image; keys have no dots.',
      ...s.map((x) => `- ${x}: \`${dataFile('webdataset', x)}\``),
    ].join('\n'),
};

function table(rows: [string, string | number][]): string {
  return ['| | |', '| --- | --- |', ...rows.map(([k, v]) => `| ${k} | ${v} |`)].join('\n');
}

/** What the card says about review hits a person accepted (a patient's name word the gate left to them). */
function acceptedLine(n: number): string {
  if (n === 0) return '';
  return ` ${n} gate hit${n === 1 ? '' : 's'} the gate could not decide (a patient's name word standing as a
common word) ${n === 1 ? 'was' : 'were'} reviewed and accepted by a person, with a reason (\`medprep leaks\`).`;
}

export function datasetCard(plan: BundlePlan, appVersion: string): string {
  const c = plan.counts;
  const splits = (['train', 'validation', 'test'] as const).filter((s) => (c.export.bySplit[s] ?? 0) > 0);
  const r = plan.recipe;
  const dropped = Object.entries(c.sft?.dropped ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
  const gate = c.sft?.gate;
  const gateText = gate
    ? `Faithfulness gate (every target against the study's labels; a failing sample is dropped, never exported):\n\n${table(
        [
          ['checked', gate.checked],
          ['passed', gate.passed],
          ...Object.entries(gate.failed).map(([k, n]) => [`failed: ${k}`, n] as [string, number]),
        ],
      )}`
    : '';
  return `# MedPrep SFT bundle

Instruction–response samples for multimodal training, made with MedPrep ${appVersion} from a local,
de-identified and curated radiology project. Format: **${plan.options.format}**; images: **${plan.options.images}**${
    plan.options.images === 'dicom' ? '' : ` fitting ${plan.options.maxSide} px`
  }.

> **Licence and data use.** This bundle derives from patient data. Use it only as your data use agreement
> (DUA), ethics approval and the source datasets' licences allow (MIMIC-CXR: PhysioNet Credentialed Health
> Data License; PADCHEST: its research licence). Do not try to re-identify anyone; do not share it further
> than your agreement allows.

## Sources and counts

${table([
  ['images imported', c.import.images],
  ['studies / patients imported', `${c.import.studies} / ${c.import.patients}`],
  ['reports imported', c.import.reports],
  ['files with errors / skipped at import', `${c.import.fileErrors} / ${c.import.filesSkipped}`],
  ['images removed by curation (latest run)', c.curation.removed],
  ['images in quarantine (not released)', c.curation.quarantined],
  ['images eligible for SFT', c.curation.eligible],
  ['studies / patients used', c.sft ? `${c.sft.studies} / ${c.sft.patients}` : 'n/a'],
  ['samples in this bundle', c.export.samples],
  ['images in this bundle', c.export.images],
  ...splits.map((s) => [`samples in ${s}`, c.export.bySplit[s] ?? 0] as [string, number]),
])}

## Task mix

${table(Object.entries(c.export.byTask).sort(([a], [b]) => (a < b ? -1 : 1)))}

## Filters and thresholds

${
  r
    ? table([
        ['recipe seed', r.seed],
        [
          'split ratios (patients without an official split)',
          `train ${r.splits.train}, validate ${r.splits.validate}, test ${r.splits.test}`,
        ],
        ['labeler (MIMIC-CXR)', r.labeler],
        ['uncertain labels', r.uncertain],
        ['redaction placeholders in targets', r.redactions],
        ['"No Finding" cap per task', r.noFindingCap],
        ['closed questions per study', r.closedVqaPerStudy],
        ['classification options', r.classificationOptions],
        [
          'model generation',
          r.model
            ? `${r.model.id} (${r.model.tasks.join(', ')}; max overlap ${r.model.maxOverlap} words)`
            : 'off',
        ],
      ])
    : 'No recipe recorded (samples added by hand).'
}

Curation: images removed by the latest curation run and images in quarantine without a release decision are
not used. Single-image targets have their prior-study wording removed phrase by phrase (a sentence that cannot
be rewritten faithfully drops the sample) and no recommendations; PADCHEST's stemmed Spanish report text is
never a target (its labels and localizations are used). Split by patient: MIMIC-CXR's official split is
kept; other patients are stratified by their first positive label.

${dropped.length > 0 ? `Candidates dropped:\n\n${table(dropped)}` : 'No candidates were dropped.'}

${gateText}

## De-identification

${plan.deidProfile}

The ids of samples, image file names and patient and study ids are keyed pseudonyms (HMAC-SHA256 of the project
secret); metadata carries no dates (only the order of a patient's studies). Every text in this bundle passed
MedPrep's leak gate against the original identifiers of the included patients.${acceptedLine(plan.acceptedLeakHits)}
${
  plan.pixelChecks.length > 0
    ? `Burned-in text: ${plan.pixelChecks.length} image${plan.pixelChecks.length === 1 ? '' : 's'} whose source had text in the pixels ${plan.pixelChecks.length === 1 ? 'was' : 'were'} read again by OCR as written here (every frame, turned text, colour, values outside the window); none showed an identifier.`
    : 'Burned-in text: no image of this bundle had text in its pixels that OCR read (identifier text found during de-identification is masked in every image).'
}

Project secret fingerprint: \`${plan.secretFingerprint}\` (a short HMAC of a constant; bundles of one project
share it; it reveals nothing about the secret).

## Layout

- \`README.md\`: this card; \`manifest.json\`: every file with its SHA-256 and size, the recipe, the app
  version and a bundle digest (\`medprep verify <this folder>\` checks them).
- \`images/\`: the images, named by keyed pseudonyms.
- \`metadata.jsonl\`: one row per image: pseudonymous patient and study, study order, split, view, modality,
  labels (1 positive, 0 negative, -1 uncertain, null not mentioned).
- Data files per split (below).

## How to load it

${LOADING[plan.options.format]!(splits)}
`;
}
