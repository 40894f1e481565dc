/**
 * The leak gate fed as a bundle is written or read: texts arrive record by record and are scanned in
 * batches, so only the hits (file, record, category: never values) accumulate, not the texts.
 */
import {
  scanTexts,
  type LeakHit,
  type LeakMatcher,
  type LeakReport,
  type ScanItem,
  type ScanOptions,
} from '../leak-gate/index.ts';

const BATCH = 500;

export class LeakFeed {
  private readonly matcher: LeakMatcher;
  private batch: ScanItem[] = [];
  private readonly hits: LeakHit[] = [];
  private textsScanned = 0;
  private readonly options: ScanOptions;
  /** Accepted review hits met so far (distinct fingerprints). */
  private readonly accepted = new Set<string>();

  /** `options`: the review queue's accepted hits and where open ones go (leak-gate/review.ts). */
  constructor(matcher: LeakMatcher, options: ScanOptions = {}) {
    this.matcher = matcher;
    this.options = { ...options, acceptedMet: this.accepted };
  }

  async scan(items: Iterable<ScanItem>): Promise<void> {
    for (const item of items) {
      this.batch.push(item);
      if (this.batch.length >= BATCH) await this.flush();
    }
  }

  private async flush(): Promise<void> {
    const report = await scanTexts(this.batch, this.matcher, this.options);
    this.batch = [];
    this.textsScanned += report.textsScanned;
    this.hits.push(...report.hits);
  }

  /** Scans what is still batched, then reports every text fed so far. */
  async report(): Promise<LeakReport> {
    await this.flush();
    return {
      ok: this.hits.length === 0,
      hits: [...this.hits],
      textsScanned: this.textsScanned,
      accepted: this.accepted.size,
    };
  }
}
