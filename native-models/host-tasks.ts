// Runs inside the model process only. Every task but OCR goes through transformers.js (tokenizers,
// processors, pipelines) on onnxruntime-node; the only hand-written post-processing is what the library does
// not return: character offsets of entities (offsets.ts) and cosine scores of image–text pairs. OCR has no
// transformers.js pipeline and runs on onnxruntime-node directly (host-ocr.ts).
import {
  AutoProcessor,
  AutoTokenizer,
  CLIPTextModelWithProjection,
  CLIPVisionModelWithProjection,
  LogLevel,
  RawImage,
  env,
  pipeline,
} from '@huggingface/transformers';
import { loadOcr } from './host-ocr.ts';
import { groupEntities } from './offsets.ts';
import type { TaggedToken } from './offsets.ts';
import type { ModelSpec, TaskOutput, TaskPayload } from './protocol.ts';
import type { ChatMessage, ExecutionDevice, PixelImage } from './types.ts';

/** Local files only, no caches, and no fetch at all: a model that is not on disk is an error. */
export function configureOffline(): void {
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.useFSCache = false;
  env.useBrowserCache = false;
  env.useWasmCache = false;
  env.logLevel = LogLevel.ERROR;
  env.fetch = () => Promise.reject(new Error('network access is disabled in the MedPrep model process'));
}

interface TensorLike {
  dims: number[];
  data: Float32Array;
}

type Callable = (...args: unknown[]) => Promise<unknown>;

/** A loaded model: its sessions are created once and reused for every batch. */
export interface TaskHandle {
  run(payload: TaskPayload): Promise<TaskOutput>;
}

function rows(t: TensorLike): Float32Array[] {
  const [n = 0, d = 0] = t.dims;
  return Array.from({ length: n }, (_, i) => t.data.slice(i * d, (i + 1) * d));
}

function normalize(v: Float32Array): Float32Array {
  let s = 0;
  for (const x of v) s += x * x;
  const n = Math.sqrt(s) || 1;
  return v.map((x) => x / n);
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] ?? 0) * (b[i] ?? 0);
  return s;
}

function toRawImage(img: PixelImage): RawImage {
  if (img.data.length !== img.width * img.height * img.channels)
    throw new Error(
      `image buffer has ${img.data.length} bytes, expected ${img.width}×${img.height}×${img.channels}`,
    );
  return new RawImage(img.data, img.width, img.height, img.channels);
}

function unsupported(spec: ModelSpec, payload: TaskPayload): Error {
  return new Error(`model "${spec.id}" (${spec.task}) cannot do ${payload.kind}`);
}

/** Creates the sessions of one model on one device; throws when the device cannot run it. */
export async function loadTask(spec: ModelSpec, device: ExecutionDevice): Promise<TaskHandle> {
  const opts = { device, dtype: spec.dtype, local_files_only: true };
  const pre = spec.preprocessing;
  switch (spec.task) {
    case 'feature-extraction': {
      const pipe = (await pipeline('feature-extraction', spec.dir, opts)) as unknown as Callable;
      const pooling = typeof pre.pooling === 'string' ? pre.pooling : 'mean';
      return {
        async run(payload) {
          if (payload.kind !== 'embed-texts') throw unsupported(spec, payload);
          const out = (await pipe(payload.texts, { pooling, normalize: true })) as TensorLike;
          return { kind: 'vectors', vectors: rows(out) };
        },
      };
    }
    case 'image-text-embedding': {
      if (spec.architecture !== 'clip')
        throw new Error(`image-text models of type "${spec.architecture}" are not supported (clip only)`);
      const [tokenizer, processor, textModel, visionModel] = await Promise.all([
        AutoTokenizer.from_pretrained(spec.dir, opts),
        AutoProcessor.from_pretrained(spec.dir, opts),
        CLIPTextModelWithProjection.from_pretrained(spec.dir, opts),
        CLIPVisionModelWithProjection.from_pretrained(spec.dir, opts),
      ]);
      const embedTexts = async (texts: string[]) => {
        const inputs = (tokenizer as unknown as (t: string[], o: object) => object)(texts, {
          padding: true,
          truncation: true,
        });
        const out = (await (textModel as unknown as Callable)(inputs)) as { text_embeds: TensorLike };
        return rows(out.text_embeds).map(normalize);
      };
      const embedImages = async (images: PixelImage[]) => {
        const inputs = await (processor as unknown as Callable)(images.map(toRawImage));
        const out = (await (visionModel as unknown as Callable)(inputs)) as { image_embeds: TensorLike };
        return rows(out.image_embeds).map(normalize);
      };
      return {
        async run(payload) {
          if (payload.kind === 'embed-texts')
            return { kind: 'vectors', vectors: await embedTexts(payload.texts) };
          if (payload.kind === 'embed-images')
            return { kind: 'vectors', vectors: await embedImages(payload.images) };
          if (payload.kind === 'align') {
            const img = await embedImages(payload.pairs.map((p) => p.image));
            const txt = await embedTexts(payload.pairs.map((p) => p.text));
            return { kind: 'scores', scores: img.map((v, i) => dot(v, txt[i] ?? v)) };
          }
          throw unsupported(spec, payload);
        },
      };
    }
    case 'token-classification': {
      const pipe = (await pipeline('token-classification', spec.dir, opts)) as unknown as Callable;
      return {
        async run(payload) {
          if (payload.kind !== 'entities') throw unsupported(spec, payload);
          const out = (await pipe(payload.texts, { ignore_labels: [] })) as TaggedToken[][];
          return { kind: 'entities', entities: payload.texts.map((t, i) => groupEntities(t, out[i] ?? [])) };
        },
      };
    }
    case 'text-generation': {
      const pipe = (await pipeline('text-generation', spec.dir, opts)) as unknown as Callable;
      return {
        async run(payload) {
          if (payload.kind !== 'generate') throw unsupported(spec, payload);
          const texts: string[] = [];
          // One prompt at a time: prompts differ in length, and left-padding a batch changes greedy output.
          for (const prompt of payload.prompts) {
            const out = (await pipe(prompt, {
              max_new_tokens: payload.maxNewTokens,
              do_sample: false,
              return_full_text: false,
            })) as { generated_text: string | ChatMessage[] }[];
            const g = out[0]?.generated_text ?? '';
            texts.push((typeof g === 'string' ? g : (g.at(-1)?.content ?? '')).trim());
          }
          return { kind: 'texts', texts };
        },
      };
    }
    case 'translation': {
      const pipe = (await pipeline('translation', spec.dir, opts)) as unknown as Callable;
      return {
        async run(payload) {
          if (payload.kind !== 'translate') throw unsupported(spec, payload);
          const out = (await pipe(payload.texts, { max_new_tokens: payload.maxNewTokens })) as {
            translation_text: string;
          }[];
          return { kind: 'texts', texts: out.map((o) => o.translation_text.trim()) };
        },
      };
    }
    case 'text-ocr': {
      const ocr = await loadOcr(spec, device);
      return {
        async run(payload) {
          if (payload.kind !== 'ocr') throw unsupported(spec, payload);
          return { kind: 'lines', lines: await ocr.read(payload.images) };
        },
      };
    }
  }
}
