import type { JobInfo } from '../api/contract.ts';

/** A one-line progress bar with rate and ETA, redrawn in place on a terminal (stderr). */
export class ProgressLine {
  private readonly out: NodeJS.WriteStream;
  private readonly label: string;
  private drawn = false;

  constructor(out: NodeJS.WriteStream, label: string) {
    this.out = out;
    this.label = label;
  }

  update(job: JobInfo): void {
    const width = 28;
    const frac = job.totalKnown && job.total > 0 ? Math.min(1, job.done / job.total) : 0;
    const filled = Math.round(frac * width);
    const bar = job.totalKnown ? '='.repeat(filled).padEnd(width, ' ') : '·'.repeat(width);
    const count = job.totalKnown ? `${job.done}/${job.total}` : `${job.done}/${job.total}+`;
    const rate = `${job.rate.toFixed(1)}/s`;
    const eta = job.eta === null ? 'ETA --:--' : `ETA ${formatDuration(job.eta)}`;
    const errs = job.errors > 0 ? `  ${job.errors} errors` : '';
    const line = `${this.label} [${bar}] ${count}  ${rate}  ${eta}${errs}`;
    this.out.write(`\r${line.slice(0, (this.out.columns || 100) - 1)}\x1b[K`);
    this.drawn = true;
  }

  end(): void {
    if (this.drawn) this.out.write('\n');
    this.drawn = false;
  }
}

export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}
