// Full and read-only disks for real: a shell in a private mount namespace (unshare -m, needs root) mounts a
// small tmpfs, runs the CLI there, and copies what it left out for the test to inspect (the tmpfs vanishes
// with the namespace). Remounting the tmpfs larger is "freeing space"; remounting it ro makes it read-only.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { cliBin } from './kill-dataset.ts';

/** Why the namespace cannot be used here (not root, no unshare), or null when it can. */
export function namespaceUnavailable(): string | null {
  const r = spawnSync('unshare', ['-m', 'sh', '-c', 'mount -t tmpfs -o size=16k tmpfs /mnt'], {
    encoding: 'utf8',
  });
  if (r.error) return `unshare is not available (${r.error.message})`;
  if (r.status !== 0) return `cannot mount in a private namespace (${r.stderr.trim().split('\n')[0]})`;
  return null;
}

/** Shell-quotes one argument. */
export function q(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/** A shell line running `medprep ARGS`, writing its stderr and exit code to `<log>.err` and `<log>.rc`. */
export function cli(args: string[], log: string): string {
  return `${q(process.execPath)} ${q(cliBin)} ${args.map(q).join(' ')} >/dev/null 2>${q(`${log}.err`)}; echo $? >${q(`${log}.rc`)}`;
}

export interface CliOutcome {
  rc: number;
  stderr: string;
}

export function outcome(log: string): CliOutcome {
  return {
    rc: Number(fs.readFileSync(`${log}.rc`, 'utf8').trim()),
    stderr: fs.readFileSync(`${log}.err`, 'utf8'),
  };
}

/** Runs `lines` in one shell inside a fresh mount namespace with a tmpfs of `sizeKb` at `mountDir`. */
export function inTmpfs(mountDir: string, sizeKb: number, lines: string[]): void {
  fs.mkdirSync(mountDir, { recursive: true });
  const script = [`mount -t tmpfs -o size=${sizeKb}k tmpfs ${q(mountDir)}`, ...lines].join(' && ');
  const r = spawnSync('unshare', ['-m', 'sh', '-c', script], { encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) throw new Error(`namespace script failed (${r.status}): ${r.stderr}`);
}

/** Shell lines for "free space" and "make read-only". */
export const grow = (mountDir: string) => `mount -o remount,size=256m ${q(mountDir)}`;
export const readOnly = (mountDir: string) => `mount -o remount,ro ${q(mountDir)}`;
/** Copies `from` (inside the tmpfs) to `to` outside it, keeping what the job left, WAL included. */
export const keep = (from: string, to: string) => `cp -a ${q(from)} ${q(to)}`;

export function projectSizeKb(dir: string): number {
  let bytes = 0;
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else bytes += fs.statSync(p).size + 4096; // tmpfs pages: a small file still takes one
    }
  };
  walk(dir);
  return Math.ceil(bytes / 1024);
}
