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
export { CLUSTER_METHODS } from '../../../electron/api/curate.ts';
export type {
  Cluster,
  ClusterMethod,
  Funnel,
  OperatorHistogram,
  OperatorInfo,
  PreviewResult,
  SampleTrace,
} from '../../../electron/api/curate.ts';
