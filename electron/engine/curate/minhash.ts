/**
 * Near-duplicate text: MinHash signatures, LSH banding and union-find clusters.
 *
 * - Shingles: word k-grams (default k = 3) of the lower-cased text; words are runs of letters and digits,
 *   hashed in place (FNV-1a over char codes) with no substring or array per word or shingle. A text shorter
 *   than k words is one shingle.
 * - Signature: P hash functions h_i(x) = mix(imul(x ^ b_i, a_i)) (a_i odd), all 32-bit (Math.imul), the minimum
 *   per function over the shingles; coefficients precomputed from a fixed seed in typed arrays.
 * - LSH: B bands of P/B rows; texts whose band rows are all equal become candidates. With 128 permutations and
 *   16 bands of 8 rows the candidate curve's midpoint is (1/16)^(1/8) ≈ 0.71 Jaccard.
 * - Candidates are verified against the first text of their bucket (estimated Jaccard = share of equal
 *   signature slots ≥ threshold) and joined by union-find: linear in the bucket size, so a bucket of 50,000
 *   identical normal reports costs 50,000 comparisons, not a billion.
 */

export interface MinHashParams {
  shingle: number;
  permutations: number;
  bands: number;
  threshold: number;
}

export interface Coefficients {
  a: Int32Array;
  b: Int32Array;
}

const EMPTY = 0xffffffff;

/** Deterministic coefficients (splitmix32 from a fixed seed), so signatures are comparable across runs. */
export function coefficients(permutations: number, seed = 0x5eed1234): Coefficients {
  const a = new Int32Array(permutations);
  const b = new Int32Array(permutations);
  let s = seed | 0;
  const next = () => {
    s = (s + 0x9e3779b9) | 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) | 0;
  };
  for (let i = 0; i < permutations; i++) {
    a[i] = next() | 1;
    b[i] = next();
  }
  return { a, b };
}

/**
 * Writes the signatures of `texts` into `out` (texts.length × permutations, row-major). A text without a
 * word gets the all-ones signature, which `clusterSignatures` ignores.
 */
export function signaturesInto(
  texts: readonly string[],
  shingle: number,
  co: Coefficients,
  out: Uint32Array,
): void {
  const P = co.a.length;
  const A = co.a;
  const B = co.b;
  const ring = new Int32Array(shingle);
  for (let d = 0; d < texts.length; d++) {
    const text = texts[d]!;
    const off = d * P;
    out.fill(EMPTY, off, off + P);
    let words = 0;
    let h = 0x811c9dc5 | 0;
    let inWord = false;
    const len = text.length;
    for (let i = 0; i <= len; i++) {
      let c = i < len ? text.charCodeAt(i) : 32;
      const isWord =
        (c >= 48 && c <= 57) ||
        (c >= 97 && c <= 122) ||
        (c >= 65 && c <= 90) ||
        (c >= 0xc0 && c !== 0xd7 && c !== 0xf7);
      if (isWord) {
        if (c >= 65 && c <= 90) c |= 0x20;
        if (!inWord) {
          inWord = true;
          h = 0x811c9dc5 | 0;
        }
        h = Math.imul(h ^ c, 0x01000193);
        continue;
      }
      if (!inWord) continue;
      inWord = false;
      ring[words % shingle] = h;
      words++;
      if (words >= shingle) addShingle(shingleHash(ring, words, shingle), A, B, P, out, off);
    }
    if (words > 0 && words < shingle) addShingle(shingleHash(ring, words, words), A, B, P, out, off);
  }
}

/** Hash of the last `k` words in the ring (oldest first), order-sensitive. */
function shingleHash(ring: Int32Array, words: number, k: number): number {
  const size = ring.length;
  let h = 0x9747b28c | 0;
  for (let j = words - k; j < words; j++) {
    h = Math.imul(h ^ ring[j % size]!, 0x5bd1e995);
    h ^= h >>> 15;
  }
  return h;
}

function addShingle(x: number, A: Int32Array, B: Int32Array, P: number, out: Uint32Array, off: number): void {
  for (let i = 0; i < P; i++) {
    let v = Math.imul(x ^ B[i]!, A[i]!);
    v = (v ^ (v >>> 16)) >>> 0;
    if (v < out[off + i]!) out[off + i] = v;
  }
}

export function signatures(texts: readonly string[], shingle: number, co: Coefficients): Uint32Array {
  const out = new Uint32Array(texts.length * co.a.length);
  signaturesInto(texts, shingle, co, out);
  return out;
}

/** Union-find over n items with path halving and union by size. */
export class UnionFind {
  readonly parent: Int32Array;
  private readonly size: Int32Array;
  constructor(n: number) {
    this.parent = new Int32Array(n);
    this.size = new Int32Array(n).fill(1);
    for (let i = 0; i < n; i++) this.parent[i] = i;
  }
  find(x: number): number {
    const p = this.parent;
    while (p[x] !== x) {
      p[x] = p[p[x]!]!;
      x = p[x]!;
    }
    return x;
  }
  union(a: number, b: number): void {
    let ra = this.find(a);
    let rb = this.find(b);
    if (ra === rb) return;
    if (this.size[ra]! < this.size[rb]!) [ra, rb] = [rb, ra];
    this.parent[rb] = ra;
    this.size[ra]! += this.size[rb]!;
  }
}

/** Estimated Jaccard: the share of equal signature slots. */
export function similarity(sig: Uint32Array, i: number, j: number, P: number): number {
  let eq = 0;
  const a = i * P;
  const b = j * P;
  for (let k = 0; k < P; k++) if (sig[a + k] === sig[b + k]) eq++;
  return eq / P;
}

/**
 * Clusters n signatures: LSH buckets per band (sorted keys, no hash maps), each member verified against its
 * bucket's first member, then union-find. Returns the union-find (roots identify clusters).
 */
export function clusterSignatures(
  sig: Uint32Array,
  n: number,
  P: number,
  bands: number,
  threshold: number,
): UnionFind {
  const rows = P / bands;
  const uf = new UnionFind(n);
  // key · 2^k + index in a Float64Array: exact below 2^53, so one native numeric sort groups a band.
  const indexBits = Math.max(1, Math.ceil(Math.log2(n + 1)));
  const shift = 2 ** indexBits;
  // Keys keep at most 53 − indexBits bits so key · shift + index stays an exact double.
  const drop = Math.max(0, 32 - (53 - indexBits));
  const keys = new Float64Array(n);
  for (let band = 0; band < bands; band++) {
    let m = 0;
    const start = band * rows;
    for (let d = 0; d < n; d++) {
      const off = d * P;
      if (sig[off] === EMPTY) continue;
      let h = 0x2545f491 ^ band;
      for (let r = 0; r < rows; r++) {
        h = Math.imul(h ^ sig[off + start + r]!, 0x01000193);
        h ^= h >>> 13;
      }
      keys[m++] = (h >>> drop) * shift + d;
    }
    const sorted = keys.subarray(0, m).sort();
    let i = 0;
    while (i < m) {
      const key = Math.floor(sorted[i]! / shift);
      let j = i + 1;
      while (j < m && Math.floor(sorted[j]! / shift) === key) j++;
      if (j - i > 1) {
        const first = sorted[i]! - key * shift;
        for (let k = i + 1; k < j; k++) {
          const d = sorted[k]! - key * shift;
          if (uf.find(d) === uf.find(first)) continue;
          if (similarity(sig, first, d, P) >= threshold) uf.union(first, d);
        }
      }
      i = j;
    }
  }
  return uf;
}

export interface SignatureTask {
  texts: string[];
  shingle: number;
  permutations: number;
}

/**
 * Signatures computed in worker threads (one chunk per worker, sized to the cores): the hot loop is pure
 * 32-bit arithmetic, so it scales with cores. Small inputs run inline.
 */
export async function signaturesParallel(
  texts: readonly string[],
  shingle: number,
  permutations: number,
  workers: number,
): Promise<Uint32Array> {
  const co = coefficients(permutations);
  if (workers <= 1 || texts.length < 20_000) return signatures(texts, shingle, co);
  const { WorkerPool, siblingModule } = await import('../jobs/worker-pool.ts');
  const pool = new WorkerPool<SignatureTask, Uint32Array>(
    siblingModule(import.meta.url, 'minhash-worker'),
    workers,
  );
  try {
    const out = new Uint32Array(texts.length * permutations);
    // More chunks than workers so a slow chunk does not hold the others up.
    const chunks = workers * 4;
    const size = Math.ceil(texts.length / chunks);
    await Promise.all(
      Array.from({ length: chunks }, async (_, c) => {
        const from = c * size;
        const part = texts.slice(from, from + size);
        if (part.length === 0) return;
        const sig = await pool.run({ texts: part, shingle, permutations });
        out.set(sig, from * permutations);
      }),
    );
    return out;
  } finally {
    await pool.close();
  }
}
