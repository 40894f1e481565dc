// The on-device inference layer: model manifests and folders, verification, and task functions that run
// local ONNX models (transformers.js on onnxruntime-node) in a separate process with device fallback.
export type {
  ChatMessage,
  DeviceFallback,
  DeviceRequest,
  DeviceRun,
  EmbeddingResult,
  EntitiesResult,
  EntitySpan,
  ExecutionDevice,
  GenerateOptions,
  HostStats,
  LoadInfo,
  ModelTask,
  OcrLine,
  OcrResult,
  PixelImage,
  Progress,
  RunInfo,
  RunOptions,
  ScoresResult,
  TextsResult,
} from './types.ts';
export { DEVICE_REQUESTS, MODEL_TASKS } from './types.ts';
export type { ManifestFile, ModelDtype, ModelManifest, TensorSpec } from './manifest.ts';
export { manifestProblems, parseManifest, parseSha256Sums } from './manifest.ts';
export type {
  FileEntry,
  FileProblem,
  ListStatus,
  ModelDir,
  ModelDirOptions,
  ModelEntry,
  ModelList,
  ModelsConfig,
} from './registry.ts';
export {
  BUILTIN_MANIFESTS_DIR,
  CHECKSUMS_FILE,
  FOLDER_MANIFEST,
  listModels,
  pinModel,
  resolveModelDirs,
  sha256File,
  verifyModelFiles,
} from './registry.ts';
export type { DevicePlan, DeviceProbe } from './devices.ts';
export { planDevices, probeDevices } from './devices.ts';
export type { HostProcess, ModelErrorCode, ModelRunnerOptions, SpawnHost } from './runner.ts';
export {
  HOST_SCRIPT,
  ModelError,
  ModelRunner,
  TEST_HOOKS_ENV,
  forkHost,
  setDefaultSpawnHost,
} from './runner.ts';
export type { HostReply, HostRequest } from './protocol.ts';
export type { CheckOptions, CheckStatus, ModelCheck } from './check.ts';
export { checkModels, formatChecks, formatModelList } from './check.ts';
export type { BenchModelRow, BenchOptions, BenchReport, BenchRow, BenchTask } from './bench.ts';
export { benchModels, formatBench, sampleImage } from './bench.ts';
