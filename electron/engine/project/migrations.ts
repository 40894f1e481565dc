// Numbered, immutable migrations. Never edit a shipped one: add the next number. Each is tested from the
// schema before it (test/unit/migrations.test.ts). PHI lives only in this local file, never in exports.

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'domain model',
    sql: `
CREATE TABLE project (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  name TEXT NOT NULL,
  created_at TEXT NOT NULL,
  app_version TEXT NOT NULL
) STRICT;

-- Project settings (de-identification options, recipes, devices) as JSON values.
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;

CREATE TABLE sources (
  id INTEGER PRIMARY KEY,
  path TEXT NOT NULL UNIQUE,
  format TEXT NOT NULL,
  added_at TEXT NOT NULL
) STRICT;

CREATE TABLE jobs (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled', 'interrupted')),
  params TEXT NOT NULL,
  done INTEGER NOT NULL DEFAULT 0,
  total INTEGER NOT NULL DEFAULT 0,
  errors INTEGER NOT NULL DEFAULT 0,
  message TEXT NOT NULL DEFAULT '',
  started_at TEXT NOT NULL,
  finished_at TEXT
) STRICT;

-- Every file seen in a source, with what became of it. (path, size, mtime) decides whether a re-run skips it.
CREATE TABLE files (
  id INTEGER PRIMARY KEY,
  source_id INTEGER NOT NULL REFERENCES sources(id),
  rel_path TEXT NOT NULL,
  size INTEGER NOT NULL,
  mtime_ms INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('imported', 'skipped', 'error')),
  reason TEXT,
  job_id TEXT,
  UNIQUE (source_id, rel_path)
) STRICT;
CREATE INDEX files_status ON files(status);

-- patient_key is the original identifier (PatientID or the source's subject id): linkage data, never exported.
CREATE TABLE patients (
  id INTEGER PRIMARY KEY,
  patient_key TEXT NOT NULL UNIQUE,
  sex TEXT,
  birth_date TEXT
) STRICT;

CREATE TABLE studies (
  id INTEGER PRIMARY KEY,
  patient_id INTEGER NOT NULL REFERENCES patients(id),
  study_uid TEXT NOT NULL UNIQUE,
  study_date TEXT,
  study_time TEXT,
  accession TEXT,
  description TEXT,
  -- The source's official split (MIMIC-CXR train/validate/test), when it has one.
  official_split TEXT
) STRICT;
CREATE INDEX studies_patient ON studies(patient_id);

CREATE TABLE series (
  id INTEGER PRIMARY KEY,
  study_id INTEGER NOT NULL REFERENCES studies(id),
  series_uid TEXT NOT NULL UNIQUE,
  modality TEXT,
  series_number INTEGER
) STRICT;
CREATE INDEX series_study ON series(study_id);

-- One row per frame: a multi-frame file keeps every frame addressable.
CREATE TABLE images (
  id INTEGER PRIMARY KEY,
  file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
  series_id INTEGER NOT NULL REFERENCES series(id),
  frame INTEGER NOT NULL,
  sop_uid TEXT NOT NULL,
  sop_class_uid TEXT NOT NULL,
  instance_number INTEGER,
  rows INTEGER NOT NULL,
  columns INTEGER NOT NULL,
  bits_allocated INTEGER NOT NULL,
  bits_stored INTEGER NOT NULL,
  samples_per_pixel INTEGER NOT NULL,
  photometric TEXT NOT NULL,
  modality TEXT,
  body_part TEXT,
  view_position TEXT,
  transfer_syntax TEXT NOT NULL,
  pixel_hash TEXT NOT NULL,
  phash TEXT,
  window_center REAL,
  window_width REAL,
  window_source TEXT NOT NULL,
  thumbnail TEXT,
  header TEXT NOT NULL,
  UNIQUE (file_id, frame)
) STRICT;
CREATE INDEX images_series ON images(series_id);
CREATE INDEX images_pixel_hash ON images(pixel_hash);

CREATE TABLE reports (
  id INTEGER PRIMARY KEY,
  study_id INTEGER NOT NULL REFERENCES studies(id),
  file_id INTEGER REFERENCES files(id) ON DELETE CASCADE,
  raw_text TEXT NOT NULL,
  sections TEXT NOT NULL DEFAULT '{}',
  language TEXT,
  UNIQUE (study_id, file_id)
) STRICT;

-- Labels keep four states: 1 positive, 0 negative, -1 uncertain, NULL not mentioned.
CREATE TABLE labels (
  id INTEGER PRIMARY KEY,
  study_id INTEGER NOT NULL REFERENCES studies(id),
  source TEXT NOT NULL,
  name TEXT NOT NULL,
  value INTEGER CHECK (value IN (1, 0, -1)),
  UNIQUE (study_id, source, name)
) STRICT;

CREATE TABLE tags (
  image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
  tag TEXT NOT NULL,
  PRIMARY KEY (image_id, tag)
) STRICT;

-- De-identification: runs, per-instance actions (tags and actions only, never original values),
-- the linkage map (original <-> pseudonym; never part of a bundle), report spans and the quarantine.
CREATE TABLE deid_runs (
  id INTEGER PRIMARY KEY,
  job_id TEXT,
  profile TEXT NOT NULL,
  options TEXT NOT NULL,
  created_at TEXT NOT NULL
) STRICT;

CREATE TABLE deid_actions (
  run_id INTEGER NOT NULL REFERENCES deid_runs(id) ON DELETE CASCADE,
  image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
  tag TEXT NOT NULL,
  action TEXT NOT NULL,
  PRIMARY KEY (run_id, image_id, tag)
) STRICT;

CREATE TABLE linkage (
  kind TEXT NOT NULL,
  original TEXT NOT NULL,
  pseudonym TEXT NOT NULL,
  PRIMARY KEY (kind, original)
) STRICT;

CREATE TABLE date_shifts (
  patient_id INTEGER PRIMARY KEY REFERENCES patients(id),
  shift_days INTEGER NOT NULL
) STRICT;

CREATE TABLE text_spans (
  id INTEGER PRIMARY KEY,
  report_id INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
  start INTEGER NOT NULL,
  end INTEGER NOT NULL,
  category TEXT NOT NULL,
  source TEXT NOT NULL,
  confidence REAL,
  review TEXT CHECK (review IN ('accepted', 'rejected')),
  UNIQUE (report_id, start, end, category)
) STRICT;

CREATE TABLE quarantine (
  image_id INTEGER PRIMARY KEY REFERENCES images(id) ON DELETE CASCADE,
  reason TEXT NOT NULL,
  reviewed_at TEXT,
  decision TEXT CHECK (decision IN ('release', 'exclude'))
) STRICT;

-- Curation: per-sample statistics, every decision with operator, statistic and threshold, dedup clusters.
CREATE TABLE sample_stats (
  image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
  operator TEXT NOT NULL,
  value REAL,
  PRIMARY KEY (image_id, operator)
) STRICT;

CREATE TABLE filter_decisions (
  run_id TEXT NOT NULL,
  image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
  operator TEXT NOT NULL,
  statistic REAL,
  threshold TEXT,
  decision TEXT NOT NULL CHECK (decision IN ('keep', 'remove', 'review')),
  PRIMARY KEY (run_id, image_id, operator)
) STRICT;

CREATE TABLE dedup_clusters (
  id INTEGER PRIMARY KEY,
  method TEXT NOT NULL,
  representative_image_id INTEGER REFERENCES images(id) ON DELETE SET NULL
) STRICT;

CREATE TABLE dedup_members (
  cluster_id INTEGER NOT NULL REFERENCES dedup_clusters(id) ON DELETE CASCADE,
  image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
  distance REAL,
  PRIMARY KEY (cluster_id, image_id)
) STRICT;

-- SFT samples and exports.
CREATE TABLE sft_samples (
  id INTEGER PRIMARY KEY,
  run_id TEXT NOT NULL,
  task TEXT NOT NULL,
  template_id TEXT NOT NULL,
  generator TEXT NOT NULL,
  split TEXT NOT NULL,
  instruction TEXT NOT NULL,
  response TEXT NOT NULL,
  image_ids TEXT NOT NULL,
  source_records TEXT NOT NULL
) STRICT;

CREATE TABLE exports (
  id INTEGER PRIMARY KEY,
  job_id TEXT,
  out_path TEXT NOT NULL,
  format TEXT NOT NULL,
  options TEXT NOT NULL,
  digest TEXT,
  state TEXT NOT NULL CHECK (state IN ('writing', 'complete', 'failed')),
  created_at TEXT NOT NULL
) STRICT;
`,
  },
  {
    version: 2,
    name: 'source layouts',
    sql: `
-- PADCHEST gives only a birth year (PatientBirth); birth_date stays the full DICOM date when a header has one.
ALTER TABLE patients ADD COLUMN birth_year INTEGER;

-- Layout metadata with no column of its own, as a JSON object: PADCHEST's Projection, MethodProjection,
-- pediatric flag (true/false), MethodLabel, ReportID and CUI lists; MIMIC-CXR's dicom_id and metadata-CSV
-- descriptions. Never exported as is.
ALTER TABLE images ADD COLUMN meta TEXT NOT NULL DEFAULT '{}';

-- 1 when the report text was stemmed or tokenised at the source (PADCHEST's Spanish reports): kept as given,
-- never used as a target sentence.
ALTER TABLE reports ADD COLUMN stemmed INTEGER NOT NULL DEFAULT 0 CHECK (stemmed IN (0, 1));

-- A changed report file's rows are replaced by file; the import summary counts reports by file.
CREATE INDEX reports_file ON reports(file_id);
CREATE INDEX files_job ON files(job_id);
`,
  },
  {
    version: 3,
    name: 'de-identification results',
    sql: `
-- Per image, the outcome of the de-identification run that last did it. input_key hashes the options, the
-- app version and the source file's state, so a resumed or repeated run skips what it would only redo.
-- De-identified DICOM bytes are never stored: export regenerates them from the source with the project key.
CREATE TABLE deid_images (
  image_id INTEGER PRIMARY KEY REFERENCES images(id) ON DELETE CASCADE,
  run_id INTEGER NOT NULL REFERENCES deid_runs(id) ON DELETE CASCADE,
  input_key TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('done', 'not-applicable', 'error')),
  reason TEXT,
  transfer_syntax_changed INTEGER NOT NULL DEFAULT 0 CHECK (transfer_syntax_changed IN (0, 1))
) STRICT;
CREATE INDEX deid_images_run ON deid_images(run_id);
CREATE INDEX deid_actions_image ON deid_actions(image_id);

-- Rectangles a person drew on an image (pixels of the image); blanked in every de-identified copy.
CREATE TABLE deid_masks (
  id INTEGER PRIMARY KEY,
  image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
  x INTEGER NOT NULL,
  y INTEGER NOT NULL,
  width INTEGER NOT NULL CHECK (width > 0),
  height INTEGER NOT NULL CHECK (height > 0)
) STRICT;
CREATE INDEX deid_masks_image ON deid_masks(image_id);

-- Why an image is in the quarantine: 'header' (its kind), 'detector' (text-like pixels, regions as JSON
-- rectangles) or 'error' (its pixels could not be checked).
ALTER TABLE quarantine ADD COLUMN source TEXT NOT NULL DEFAULT 'header';
ALTER TABLE quarantine ADD COLUMN regions TEXT NOT NULL DEFAULT '[]';

-- The de-identified report (text and its sections) and the run that wrote it; input_key as for images.
-- Review decisions re-render deid_text at once.
ALTER TABLE reports ADD COLUMN deid_text TEXT;
ALTER TABLE reports ADD COLUMN deid_sections TEXT;
ALTER TABLE reports ADD COLUMN deid_run_id INTEGER REFERENCES deid_runs(id) ON DELETE SET NULL;
ALTER TABLE reports ADD COLUMN deid_key TEXT;
CREATE INDEX text_spans_review ON text_spans(review, confidence);
`,
  },
  {
    version: 4,
    name: 'sft runs and export results',
    sql: `
-- One row per SFT generation run: the resolved recipe (templates included, as JSON), the counts at every step
-- (eligible images, kept per task and split, dropped by reason) and the model id when a model generated text.
CREATE TABLE sft_runs (
  id TEXT PRIMARY KEY,
  job_id TEXT,
  recipe TEXT NOT NULL,
  counts TEXT NOT NULL,
  model TEXT,
  created_at TEXT NOT NULL
) STRICT;

-- The keyed pseudonym of a sample (HMAC of the project secret): its id in every bundle.
ALTER TABLE sft_samples ADD COLUMN sample_key TEXT;
CREATE INDEX sft_samples_run ON sft_samples(run_id);

-- What an export ended with (JSON): files, bytes, digest, the leak gate's hits (file, record, category; never
-- a value) and the error line of a failed one.
ALTER TABLE exports ADD COLUMN result TEXT NOT NULL DEFAULT '{}';
`,
  },
  {
    version: 5,
    name: 'curation',
    sql: `
-- One row per curation run: the recipe as given (YAML text), whether it only analysed, and its summary.
CREATE TABLE curate_runs (
  id TEXT PRIMARY KEY,
  job_id TEXT,
  recipe TEXT NOT NULL,
  analyse INTEGER NOT NULL CHECK (analyse IN (0, 1)),
  state TEXT NOT NULL CHECK (state IN ('running', 'done', 'failed')),
  created_at TEXT NOT NULL,
  finished_at TEXT,
  summary TEXT NOT NULL DEFAULT '{}'
) STRICT;
CREATE INDEX curate_runs_job ON curate_runs(job_id);

-- sample_stats.operator holds a statistic key: the operator plus the parameters that change its value
-- (report.repetition(n=5)), so a changed threshold re-decides from cached values and a changed statistic
-- parameter gets its own rows. label: a categorical statistic (language, view class, modality).
-- input: what the value was computed from (a report id, a quarantine state, a model id); a row whose input
-- no longer matches is recomputed.
ALTER TABLE sample_stats ADD COLUMN label TEXT;
ALTER TABLE sample_stats ADD COLUMN input TEXT;
CREATE INDEX sample_stats_operator ON sample_stats(operator, value);
CREATE INDEX filter_decisions_image ON filter_decisions(image_id);

-- Clusters belong to the run that found them. status: 'auto' (removed without review: same patient, tiny
-- distance), 'review' (kept until a person decides), 'merged' (a person chose the representative).
ALTER TABLE dedup_clusters ADD COLUMN run_id TEXT;
ALTER TABLE dedup_clusters ADD COLUMN status TEXT NOT NULL DEFAULT 'auto' CHECK (status IN ('auto', 'review', 'merged'));
ALTER TABLE dedup_clusters ADD COLUMN chosen_by TEXT NOT NULL DEFAULT 'rule' CHECK (chosen_by IN ('rule', 'user'));
CREATE INDEX dedup_clusters_method ON dedup_clusters(method, id);
CREATE INDEX dedup_members_image ON dedup_members(image_id);

-- Banded index of the 64-bit perceptual hash: band b holds bits of the hash as an integer, so two hashes
-- within Hamming radius r < bands share at least one (band, value) row (pigeonhole). No foreign key and no
-- index by image: either would make building it for 400,000 images ten times slower. phash_indexed (one row
-- per image, removed with the image) says which images and hashes the bands hold; rows of images no longer
-- there are swept before the next build.
CREATE TABLE phash_bands (
  band INTEGER NOT NULL,
  value INTEGER NOT NULL,
  image_id INTEGER NOT NULL,
  PRIMARY KEY (band, value, image_id)
) STRICT;
CREATE TABLE phash_indexed (
  image_id INTEGER PRIMARY KEY REFERENCES images(id) ON DELETE CASCADE,
  phash TEXT NOT NULL
) STRICT;

-- The samples the latest (not analyse-only) curation run kept, with their split: what the export stage reads
-- through keptSamples(). Replaced by every run; a changed cluster representative updates it.
CREATE TABLE curate_kept (
  image_id INTEGER PRIMARY KEY REFERENCES images(id) ON DELETE CASCADE,
  run_id TEXT NOT NULL,
  split TEXT NOT NULL CHECK (split IN ('train', 'validate', 'test'))
) STRICT;

-- The split of every patient as the latest curation run set it: 'official' (the source's split),
-- 'hashed' (keyed hash of the patient key) or 'linked' (moved to a duplicate's split).
CREATE TABLE patient_splits (
  patient_id INTEGER PRIMARY KEY REFERENCES patients(id) ON DELETE CASCADE,
  split TEXT NOT NULL CHECK (split IN ('train', 'validate', 'test')),
  source TEXT NOT NULL CHECK (source IN ('official', 'hashed', 'linked'))
) STRICT;
`,
  },
  {
    version: 6,
    name: 'browse',
    sql: `
-- Images a person excluded while browsing, with their reason. Curation removes them (operator user.exclude,
-- "excluded by user: reason" in the trace) and keptSamples() leaves them out at call time, so SFT and export
-- never see them; deleting the row and running curation again brings the image back.
CREATE TABLE exclusions (
  image_id INTEGER PRIMARY KEY REFERENCES images(id) ON DELETE CASCADE,
  reason TEXT NOT NULL,
  excluded_at TEXT NOT NULL
) STRICT;

-- Tag lookups by name (the primary key leads with the image): rename, count and filter by tag.
CREATE INDEX tags_tag ON tags(tag, image_id);
`,
  },
  {
    version: 7,
    name: 'patient identity',
    sql: `
-- The name a patient key was first seen with, to notice another person under the same key.
ALTER TABLE patients ADD COLUMN name TEXT;

-- Demographics that disagree under one patient key (two people sharing an ID, a data-entry error): recorded at
-- import for a person to review, never merged silently. One row per patient, field and file.
CREATE TABLE patient_conflicts (
  patient_id INTEGER NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
  field TEXT NOT NULL CHECK (field IN ('name', 'sex', 'birth_date')),
  file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
  value TEXT NOT NULL,
  PRIMARY KEY (patient_id, field, file_id)
) STRICT;

-- A person's decision that two patient keys are one person (another source, issuer or spelling): the patient
-- takes the identity of same_as (a root, never itself linked) for pseudonyms, date shifts, splits and the
-- identifiers its reports are scrubbed of.
CREATE TABLE patient_links (
  patient_id INTEGER PRIMARY KEY REFERENCES patients(id) ON DELETE CASCADE,
  same_as INTEGER NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
  reason TEXT NOT NULL,
  linked_at TEXT NOT NULL,
  CHECK (patient_id <> same_as)
) STRICT;
CREATE INDEX patient_links_same_as ON patient_links(same_as);
`,
  },
  {
    version: 8,
    name: 'leak-review',
    sql: `
-- The leak gate's review queue: one row per hit the gate could not decide (a patient's name word written
-- with a capital where the sentence cannot tell a person from an ordinary word). fingerprint: SHA-256 of the
-- patient scope, category, word and its neighbouring words, so a decision follows that sentence into every
-- format and later export. match and context are the words themselves (patient data, as the stored reports
-- are): shown on a terminal and in the app, never logged nor written by --json. An open row stops every
-- export that meets it until a person accepts it with a reason; open rows the latest gate run no longer met
-- are dropped, accepted ones stay.
CREATE TABLE leak_reviews (
  id INTEGER PRIMARY KEY,
  fingerprint TEXT NOT NULL UNIQUE,
  file TEXT NOT NULL,
  record TEXT NOT NULL,
  category TEXT NOT NULL,
  scope TEXT,
  match TEXT NOT NULL,
  context TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('open', 'accepted')),
  reason TEXT,
  decided_at TEXT,
  seen_at TEXT NOT NULL
) STRICT;
`,
  },
  {
    version: 9,
    name: 'burned-in text read by OCR',
    sql: `
-- Every line of burned-in text the OCR model read in an image, with its decision: 'phi' (masked in every
-- export: the box is already padded), 'marker' (kept: L, R, PA, PORTABLE…), 'unsure' (the image goes to the
-- quarantine with what was read) or 'noise'. view: the picture it was read in (rendered, below-window,
-- above-window, chroma, bit-plane-N); source: the model that read it. Replaced by each run that redoes the image.
CREATE TABLE pixel_text (
  id INTEGER PRIMARY KEY,
  image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
  run_id INTEGER NOT NULL REFERENCES deid_runs(id) ON DELETE CASCADE,
  view TEXT NOT NULL,
  x INTEGER NOT NULL,
  y INTEGER NOT NULL,
  width INTEGER NOT NULL CHECK (width > 0),
  height INTEGER NOT NULL CHECK (height > 0),
  category TEXT NOT NULL CHECK (category IN ('phi', 'marker', 'unsure', 'noise')),
  reason TEXT NOT NULL,
  text TEXT NOT NULL,
  score REAL NOT NULL,
  rotation INTEGER NOT NULL CHECK (rotation IN (0, 90, 180, 270)),
  source TEXT NOT NULL
) STRICT;
CREATE INDEX pixel_text_image ON pixel_text(image_id, category);
`,
  },
];

export const LATEST_SCHEMA = MIGRATIONS.length === 0 ? 0 : MIGRATIONS[MIGRATIONS.length - 1]!.version;
