// The renderer's one door to the API contract: types and constants only, no Node, no Electron.
export { IMPORT_FORMATS } from '../../../electron/api/contract.ts';
export { SFT_GATE_CHECKS, SFT_TASKS } from '../../../electron/api/sft.ts';
export type {
  SftCounts,
  SftDroppedView,
  SftPreview,
  SftRecipeInfo,
  SftRunSummary,
  SftSampleView,
  SftTask,
  SftTaskSetting,
} from '../../../electron/api/sft.ts';
export { EXPORT_FORMATS, EXPORT_IMAGE_KINDS } from '../../../electron/api/export.ts';
export type {
  ExportArchive,
  ExportFormat,
  ExportImageKind,
  ExportPlan,
  ExportResult,
  LeakQueue,
  LeakReviewItem,
  VerifyReport,
} from '../../../electron/api/export.ts';
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
  JobKind,
  JobRecord,
  JobState,
  MedprepBridge,
  ProjectInfo,
  ProjectStats,
  ResultOf,
  WireMessage,
  WireRequest,
} from '../../../electron/api/contract.ts';
export { SPAN_CATEGORIES } from '../../../electron/api/deid.ts';
export type {
  DeidOverview,
  DeidSettings,
  DeidSettingsInfo,
  DeidSummary,
  HeaderDiffRow,
  MaskRectangle,
  QuarantineItem,
  ReportListItem,
  ReportReview,
  ReviewQueueItem,
  ReviewSpan,
  SpanCategoryName,
} from '../../../electron/api/deid.ts';
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
export { MODEL_DEVICES } from '../../../electron/api/models.ts';
export type {
  ModelDevice,
  ModelInfo,
  ModelStatus,
  ModelsOverview,
  ModelsResult,
} from '../../../electron/api/models.ts';
export { DETAIL_MAX_SIDE } from '../../../electron/api/detail.ts';
export type {
  DashboardCounts,
  DetailPixels,
  ImageContext,
  ImageLabel,
  LabelValue,
  Neighbour,
  PixelWindow,
} from '../../../electron/api/detail.ts';
export type { CurateRecipeInfo } from '../../../electron/api/curate.ts';
export { BROWSE_SORT_KEYS } from '../../../electron/api/browse.ts';
export type {
  BrowseFacets,
  BrowseFilters,
  BrowseItem,
  BrowseSort,
  BrowseSortKey,
  FacetKey,
  LabelState,
} from '../../../electron/api/browse.ts';
