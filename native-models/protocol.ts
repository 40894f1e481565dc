// Messages between a ModelRunner and its model process (host.ts). The same protocol serves
// child_process.fork (process.send / 'message') and Electron's utilityProcess.fork (parentPort); payloads
// are structured-cloneable (typed arrays travel as they are: fork uses serialization 'advanced').
import type { ModelDtype } from './manifest.ts';
import type {
  ChatMessage,
  DeviceRequest,
  EntitySpan,
  HostStats,
  LoadInfo,
  ModelTask,
  OcrLine,
  PixelImage,
} from './types.ts';

/** What the model process needs to load a model: already resolved and checked by the parent. */
export interface ModelSpec {
  id: string;
  task: ModelTask;
  architecture: string;
  /** Absolute path of the model folder. */
  dir: string;
  dtype: ModelDtype;
  preprocessing: Record<string, unknown>;
}

export type TaskPayload =
  | { kind: 'embed-texts'; texts: string[] }
  | { kind: 'embed-images'; images: PixelImage[] }
  | { kind: 'align'; pairs: { image: PixelImage; text: string }[] }
  | { kind: 'entities'; texts: string[] }
  | { kind: 'generate'; prompts: (string | ChatMessage[])[]; maxNewTokens: number }
  | { kind: 'translate'; texts: string[]; maxNewTokens: number }
  | { kind: 'ocr'; images: PixelImage[] };

export type TaskOutput =
  | { kind: 'vectors'; vectors: Float32Array[] }
  | { kind: 'scores'; scores: number[] }
  | { kind: 'entities'; entities: EntitySpan[][] }
  | { kind: 'texts'; texts: string[] }
  | { kind: 'lines'; lines: OcrLine[][] };

export type HostRequest =
  | { type: 'load'; id: number; model: ModelSpec; device: DeviceRequest }
  | { type: 'run'; id: number; model: ModelSpec; device: DeviceRequest; payload: TaskPayload }
  | { type: 'stats'; id: number }
  /** Test hook: the host calls process.abort(), only when MEDPREP_MODELS_TEST_HOOKS=1 in its environment. */
  | { type: 'test-abort'; id: number };

export interface RunReply {
  output: TaskOutput;
  load: LoadInfo;
  stats: HostStats;
}

export type HostReply =
  | { type: 'ready'; pid: number }
  | { type: 'reply'; id: number; ok: true; result: LoadInfo | RunReply | HostStats }
  | { type: 'reply'; id: number; ok: false; error: string };

/** Environment variable that enables test-only messages in the host. */
export const TEST_HOOKS_ENV = 'MEDPREP_MODELS_TEST_HOOKS';
