import fs from 'node:fs';
import path from 'node:path';

export type WalkEntry =
  | { kind: 'file'; abs: string; rel: string; size: number; mtimeMs: number }
  | { kind: 'skipped'; abs: string; rel: string; size: number; mtimeMs: number; reason: string }
  | { kind: 'unreadable'; rel: string; reason: string };

/**
 * Streams the files under `root`, one folder listing in memory at a time, in a stable (sorted) order.
 * Symbolic links to folders are not followed (so a link loop cannot trap the walk) and are recorded as
 * skipped; links to files are followed. Unreadable entries and broken links are yielded with a reason so the
 * import can record them and go on. Sockets, pipes and devices are passed over (reading a pipe would block).
 */
export async function* walkFiles(root: string): AsyncGenerator<WalkEntry> {
  const rootStat = await fs.promises.stat(root);
  if (rootStat.isFile()) {
    yield {
      kind: 'file',
      abs: root,
      rel: path.basename(root),
      size: rootStat.size,
      mtimeMs: Math.trunc(rootStat.mtimeMs),
    };
    return;
  }
  const stack: string[] = [''];
  while (stack.length > 0) {
    const relDir = stack.pop()!;
    let names: fs.Dirent[];
    try {
      names = await fs.promises.readdir(path.join(root, relDir), { withFileTypes: true });
    } catch (err) {
      yield { kind: 'unreadable', rel: relDir || '.', reason: `folder not readable (${codeOf(err)})` };
      continue;
    }
    names.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const subdirs: string[] = [];
    for (const d of names) {
      const rel = relDir ? `${relDir}/${d.name}` : d.name;
      const abs = path.join(root, rel);
      if (d.isDirectory()) {
        subdirs.push(rel);
        continue;
      }
      if (!d.isFile() && !d.isSymbolicLink()) continue;
      let st: fs.Stats;
      try {
        st = await fs.promises.stat(abs);
      } catch (err) {
        yield { kind: 'unreadable', rel, reason: statFailure(d, err) };
        continue;
      }
      if (d.isSymbolicLink() && st.isDirectory()) {
        const reason = 'link to a folder, not followed';
        yield { kind: 'skipped', abs, rel, size: 0, mtimeMs: Math.trunc(st.mtimeMs), reason };
        continue;
      }
      if (!st.isFile()) continue;
      yield { kind: 'file', abs, rel, size: st.size, mtimeMs: Math.trunc(st.mtimeMs) };
    }
    // Reverse so the stack pops folders in sorted order.
    for (let i = subdirs.length - 1; i >= 0; i--) stack.push(subdirs[i]!);
  }
}

function statFailure(d: fs.Dirent, err: unknown): string {
  if (codeOf(err) === 'ENOENT') {
    if (d.isSymbolicLink()) return 'broken link (its target does not exist)';
    // The listing gave the name as UTF-8 with replacement characters, so it cannot be opened by that name.
    if (d.name.includes('\ufffd')) return 'the name is not valid UTF-8; rename the file to import it';
  }
  return `not readable (${codeOf(err)})`;
}

function codeOf(err: unknown): string {
  return (err as NodeJS.ErrnoException)?.code ?? 'error';
}
