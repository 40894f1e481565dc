// The renderer's one door to the API contract: types and constants only, no Node, no Electron.
export { IMPORT_FORMATS } from '../../../electron/api/contract.ts';
export type {
  ApiErrorShape,
  ApiEvents,
  AppInfo,
  ArgsOf,
  Channel,
  DetectResult,
  EventName,
  FileErrorRow,
  ImageDetail,
  ImageRow,
  ImportFormat,
  JobInfo,
  JobState,
  MedprepBridge,
  ProjectInfo,
  ProjectStats,
  ResultOf,
  WireMessage,
  WireRequest,
} from '../../../electron/api/contract.ts';
export { MODEL_DEVICES } from '../../../electron/api/models.ts';
export type {
  ModelDevice,
  ModelInfo,
  ModelStatus,
  ModelsOverview,
  ModelsResult,
} from '../../../electron/api/models.ts';
