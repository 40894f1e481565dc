/**
 * Seeded choices. Every choice is keyed by what it is about (`template:<sample>`, `split:<patient>`), not by the
 * order it is made in, so adding a task or a study never reshuffles the others. The key is an HMAC of the
 * project secret and the recipe seed: another project (or seed) gives other choices, nobody can predict them
 * without the secret.
 */
import { createHmac } from 'node:crypto';

export class Seeded {
  private readonly key: Buffer;

  constructor(secret: Buffer, seed: string) {
    this.key = createHmac('sha256', secret).update(`medprep-sft-seed:${seed}`).digest();
  }

  /** A number in [0, 1) for this context. */
  unit(context: string): number {
    const d = createHmac('sha256', this.key).update(context).digest();
    return d.readUIntBE(0, 6) / 2 ** 48;
  }

  index(context: string, n: number): number {
    return Math.min(n - 1, Math.floor(this.unit(context) * n));
  }

  pick<T>(context: string, items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[this.index(context, items.length)]!;
  }

  /** A permutation ordered by each item's keyed number. */
  shuffle<T>(context: string, items: readonly T[], keyOf: (item: T) => string = String): T[] {
    return items
      .map((item) => ({ item, u: this.unit(`${context}:${keyOf(item)}`) }))
      .sort((a, b) => a.u - b.u)
      .map((x) => x.item);
  }
}
