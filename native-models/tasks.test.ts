import { afterAll, describe, expect, it } from 'vitest';
import { sampleImage } from './bench.ts';
import { groupEntities } from './offsets.ts';
import { ModelError, ModelRunner } from './runner.ts';
import { TEST_MODELS } from './test-helpers.ts';
import type { PixelImage } from './types.ts';

// Every task through the code path real models take: manifest → model process → transformers.js → ONNX.
const runner = new ModelRunner({ models: TEST_MODELS, device: 'cpu' });
afterAll(() => runner.close());

function norm(v: Float32Array): number {
  return Math.sqrt(v.reduce((s, x) => s + x * x, 0));
}

function rgb(width: number, height: number): PixelImage {
  const data = new Uint8Array(width * height * 3);
  data.forEach((_, i) => (data[i] = (i * 7) & 255));
  return { width, height, channels: 3, data };
}

describe('text embeddings', () => {
  it('gives one unit vector per text, the same for the same text, on the CPU', async () => {
    const r = await runner.embedTexts('test-text-embed', ['chest x ray', 'no effusion', 'chest x ray']);
    expect(r.vectors.map((v) => v.length)).toEqual([24, 24, 24]);
    for (const v of r.vectors) expect(norm(v)).toBeCloseTo(1, 5);
    expect(r.vectors[2]).toEqual(r.vectors[0]);
    expect(r.vectors[1]).not.toEqual(r.vectors[0]);
    expect(r.run).toMatchObject({ requested: 'cpu', device: 'cpu', fallbacks: [], items: 3, batches: 1 });
  });

  it('is deterministic across model processes', async () => {
    const other = new ModelRunner({ models: TEST_MODELS, device: 'cpu' });
    try {
      const [a, b] = await Promise.all([
        runner.embedTexts('test-text-embed', ['the patient']),
        other.embedTexts('test-text-embed', ['the patient']),
      ]);
      expect(b.vectors).toEqual(a.vectors);
    } finally {
      other.close();
    }
  });
});

describe('image embeddings and image–text alignment', () => {
  it('embeds grayscale and RGB pixel buffers of any size into unit vectors', async () => {
    const r = await runner.embedImages('test-clip', [sampleImage(0), sampleImage(0, 64), rgb(40, 30)]);
    expect(r.vectors.map((v) => v.length)).toEqual([8, 8, 8]);
    for (const v of r.vectors) expect(norm(v)).toBeCloseTo(1, 5);
    expect(r.run.device).toBe('cpu');
  });

  it('scores each pair with the cosine of its embeddings', async () => {
    const image = sampleImage(3);
    const texts = ['chest x ray', 'normal heart size'];
    const [scores, img, txt] = await Promise.all([
      runner.alignImageText(
        'test-clip',
        texts.map((text) => ({ image, text })),
      ),
      runner.embedImages('test-clip', [image]),
      runner.embedTexts('test-clip', texts),
    ]);
    texts.forEach((_, i) => {
      const a = img.vectors[0] ?? new Float32Array();
      const b = txt.vectors[i] ?? new Float32Array();
      const cos = a.reduce((s, x, k) => s + x * (b[k] ?? 0), 0);
      expect(scores.scores[i]).toBeCloseTo(cos, 5);
      expect(Math.abs(scores.scores[i] ?? 2)).toBeLessThanOrEqual(1);
    });
  });

  it('a pixel buffer of the wrong size is an error, not a crash', async () => {
    const bad = { width: 10, height: 10, channels: 1 as const, data: new Uint8Array(50) };
    await expect(runner.embedImages('test-clip', [bad])).rejects.toThrow(
      /image buffer has 50 bytes, expected 10×10×1/,
    );
    await expect(runner.embedImages('test-clip', [sampleImage(1, 32)])).resolves.toBeDefined();
  });
});

describe('token classification for de-identification', () => {
  it('finds names and dates with character offsets into the original text', async () => {
    const texts = [
      'The patient John Smith was seen on 2021-03-04.',
      'Dr   García reviewed MARIA GARCIA, 03/04/2021',
    ];
    const r = await runner.recognizeEntities('test-ner', texts);
    const spans = r.entities.map((es, i) =>
      es.map((e) => [e.label, texts[i]?.slice(e.start, e.end), e.text]),
    );
    expect(spans).toEqual([
      [
        ['PATIENT', 'John Smith', 'John Smith'],
        ['DATE', '2021-03-04', '2021-03-04'],
      ],
      [
        // "García" is tokenised letter by letter by the tiny vocabulary, so this model does not tag it.
        ['PATIENT', 'MARIA GARCIA', 'MARIA GARCIA'],
        ['DATE', '03/04/2021', '03/04/2021'],
      ],
    ]);
    for (const e of r.entities.flat()) expect(e.score).toBeGreaterThan(0.9);
  });

  it('groups BIO tags and word pieces into spans', () => {
    const text = 'Seen by Ann Lee on 2020-01-02';
    const tok = (word: string, entity: string) => ({ word, entity, score: 1 });
    const spans = groupEntities(text, [
      tok('seen', 'O'),
      tok('by', 'O'),
      tok('ann', 'B-NAME'),
      tok('lee', 'I-NAME'),
      tok('on', 'O'),
      tok('2020', 'B-DATE'),
      tok('-', 'B-DATE'),
      tok('01', 'B-DATE'),
      tok('##-', 'I-DATE'),
      tok('02', 'I-DATE'),
    ]);
    expect(spans.map((s) => [s.label, s.start, s.end, s.text])).toEqual([
      ['NAME', 8, 15, 'Ann Lee'],
      ['DATE', 19, 29, '2020-01-02'],
    ]);
  });

  it('finds tokens of an accent-stripping, lower-casing tokenizer in the original text', () => {
    const text = 'Dr. GARCÍA Núñez';
    const spans = groupEntities(text, [
      { word: 'dr', entity: 'O', score: 1 },
      { word: '.', entity: 'O', score: 1 },
      { word: 'garcia', entity: 'B-NAME', score: 0.8 },
      { word: 'nun', entity: 'I-NAME', score: 0.6 },
      { word: '##ez', entity: 'I-NAME', score: 0.7 },
    ]);
    expect(spans).toEqual([
      { label: 'NAME', start: 4, end: 16, text: 'GARCÍA Núñez', score: expect.closeTo(0.7, 5) },
    ]);
  });
});

describe('text generation and translation', () => {
  it('generates greedily from plain prompts and chat messages, the same text every time', async () => {
    const prompts = ['the patient', [{ role: 'user' as const, content: 'rewrite the report' }]];
    const a = await runner.generateText('test-llm', prompts, { maxNewTokens: 6 });
    const b = await runner.generateText('test-llm', prompts, { maxNewTokens: 6, batchSize: 2 });
    expect(a.texts).toHaveLength(2);
    for (const t of a.texts) expect(t.length).toBeGreaterThan(0);
    expect(b.texts).toEqual(a.texts);
    expect(a.run.device).toBe('cpu');
  });

  it('translates a batch, one output per input, deterministically', async () => {
    const texts = ['el paciente sin derrame', 'radiografía de tórax normal'];
    const a = await runner.translate('test-opus-mt-es-en', texts, { maxNewTokens: 8 });
    const b = await runner.translate('test-opus-mt-es-en', texts, { maxNewTokens: 8, batchSize: 1 });
    expect(a.texts).toHaveLength(2);
    for (const t of a.texts) expect(t.length).toBeGreaterThan(0);
    expect(b.texts).toEqual(a.texts);
  });

  it('refuses a task the model does not do, naming both', async () => {
    await expect(runner.translate('test-ner', ['hola'])).rejects.toThrow(
      new ModelError(
        'wrong-task',
        'model "test-ner" is a token-classification model; this call needs translation',
      ),
    );
  });
});
