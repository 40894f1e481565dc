/**
 * Rate and ETA from a sliding window of (time, done) samples, so a slow start or a burst of skipped files
 * does not distort the estimate for long.
 */
export class ProgressMeter {
  private samples: { t: number; done: number }[] = [];
  private readonly windowMs: number;
  private readonly now: () => number;

  constructor(windowMs = 5000, now: () => number = () => performance.now()) {
    this.windowMs = windowMs;
    this.now = now;
  }

  record(done: number): void {
    const t = this.now();
    this.samples.push({ t, done });
    while (this.samples.length > 2 && t - this.samples[0]!.t > this.windowMs) this.samples.shift();
  }

  /** Items per second over the window. */
  rate(): number {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last.t - first.t < 1) return 0;
    return ((last.done - first.done) * 1000) / (last.t - first.t);
  }

  /** Seconds left, or null while the total or the rate is unknown. */
  eta(done: number, total: number, totalKnown: boolean): number | null {
    const rate = this.rate();
    if (!totalKnown || rate <= 0) return null;
    return Math.max(0, (total - done) / rate);
  }
}
