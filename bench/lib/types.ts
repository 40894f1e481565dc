/** What every benchmark module (bench/<name>.ts) exports as `run(opts)` for bench/run.ts. */
export interface BenchOptions {
  /** Command-line flags after the benchmark names (each benchmark parses its own, unknown ones ignored). */
  argv: string[];
}

export interface Figure {
  label: string;
  value: number;
  unit: string;
  /** The named baseline, measured in the same run. */
  baseline?: { label: string; value: number };
  /** value / baseline.value, or the inverse where less is better (said in the label). */
  ratio?: number;
}

export interface BenchResult {
  name: string;
  figures: Figure[];
  notes?: string[];
}

export type BenchModule = { run(opts: BenchOptions): Promise<BenchResult> };

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return NaN;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** True when the module was started directly (node bench/x.ts), not imported by bench/run.ts. */
export function isMain(importMetaUrl: string): boolean {
  return importMetaUrl === `file://${process.argv[1]}`;
}

export function formatFigures(result: BenchResult): string {
  const lines = [`${result.name}:`];
  for (const f of result.figures) {
    const base = f.baseline ? `  vs ${f.baseline.label} ${round(f.baseline.value)} ${f.unit}` : '';
    const ratio = f.ratio === undefined ? '' : `  (${f.ratio.toFixed(2)}×)`;
    lines.push(`  ${f.label}: ${round(f.value)} ${f.unit}${base}${ratio}`);
  }
  for (const n of result.notes ?? []) lines.push(`  note: ${n}`);
  return lines.join('\n');
}

export function round(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const abs = Math.abs(v);
  return abs >= 100 ? v.toFixed(0) : abs >= 10 ? v.toFixed(1) : v.toFixed(2);
}
