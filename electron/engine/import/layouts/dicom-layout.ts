/**
 * A folder of DICOM files (a PACS export, a CD). When the folder has a DICOMDIR at its top, the files it
 * references come first, in its patient/study/series order, and a referenced file that is missing is
 * recorded; the rest of the folder is still walked, so nothing the DICOMDIR forgot is lost. A DICOMDIR is
 * never imported as an image; a broken one is recorded and the walk goes on.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DicomError, getItems, getStrings, parseDicom } from '../../dicom/index.ts';
import { walkFiles, type WalkEntry } from '../walk.ts';
import type { ImportItem, Layout } from './types.ts';

const MAX_DICOMDIR_BYTES = 256 * 1024 * 1024;

export function isDicomdir(rel: string): boolean {
  return path.posix.basename(rel).toUpperCase() === 'DICOMDIR';
}

export function dicomLayout(source: string, skipDir: string | null): Layout {
  return {
    sideFiles: [],
    items: (signal) => dicomItems(source, skipDir, signal),
  };
}

async function* dicomItems(
  source: string,
  skipDir: string | null,
  signal: AbortSignal,
): AsyncGenerator<ImportItem> {
  const done = new Set<string>();
  const root = await fs.promises.stat(source);
  if (root.isDirectory()) {
    const dir = await readDicomdir(source);
    if (dir.kind === 'broken') {
      done.add(dir.rel);
      yield { kind: 'error', rel: dir.rel, size: dir.size, mtimeMs: dir.mtimeMs, reason: dir.reason };
    } else if (dir.kind === 'ok') {
      done.add(dir.rel);
      yield { kind: 'skip', rel: dir.rel, size: dir.size, mtimeMs: dir.mtimeMs, reason: 'DICOMDIR' };
      for (const rel of dir.files) {
        if (signal.aborted) return;
        if (done.has(rel)) continue;
        done.add(rel);
        const st = await statOrNull(path.join(source, rel));
        if (!st?.isFile()) {
          yield {
            kind: 'error',
            rel,
            size: -1,
            mtimeMs: -1,
            reason: 'referenced by the DICOMDIR but missing',
          };
          continue;
        }
        yield fileItem(source, rel, st);
      }
    }
  }
  for await (const entry of walkFiles(source)) {
    if (signal.aborted) return;
    const item = walkItem(entry, skipDir);
    if (item && !done.has(item.rel)) yield item;
  }
}

/** The plain walk's entry as an item: DICOMDIRs skipped, the project folder left out. */
export function walkItem(entry: WalkEntry, skipDir: string | null): ImportItem | null {
  if (entry.kind === 'unreadable')
    return { kind: 'error', rel: entry.rel, size: -1, mtimeMs: -1, reason: entry.reason };
  if (skipDir && entry.abs.startsWith(skipDir)) return null; // never import the project itself
  if (entry.kind === 'skipped')
    return { kind: 'skip', rel: entry.rel, size: entry.size, mtimeMs: entry.mtimeMs, reason: entry.reason };
  if (isDicomdir(entry.rel))
    return { kind: 'skip', rel: entry.rel, size: entry.size, mtimeMs: entry.mtimeMs, reason: 'DICOMDIR' };
  return {
    kind: 'file',
    task: 'dicom',
    rel: entry.rel,
    abs: entry.abs,
    size: entry.size,
    mtimeMs: entry.mtimeMs,
  };
}

function fileItem(source: string, rel: string, st: fs.Stats): ImportItem {
  return {
    kind: 'file',
    task: 'dicom',
    rel,
    abs: path.join(source, rel),
    size: st.size,
    mtimeMs: Math.trunc(st.mtimeMs),
  };
}

type Dicomdir =
  | { kind: 'none' }
  | { kind: 'ok'; rel: string; size: number; mtimeMs: number; files: string[] }
  | { kind: 'broken'; rel: string; size: number; mtimeMs: number; reason: string };

/** Reads the top-level DICOMDIR's referenced file ids (0004,1500) in directory-record order. */
export async function readDicomdir(source: string): Promise<Dicomdir> {
  let names: string[];
  try {
    names = await fs.promises.readdir(source);
  } catch {
    return { kind: 'none' };
  }
  const rel = names.find((n) => n.toUpperCase() === 'DICOMDIR');
  if (!rel) return { kind: 'none' };
  const st = await statOrNull(path.join(source, rel));
  if (!st?.isFile()) return { kind: 'none' };
  const base = { rel, size: st.size, mtimeMs: Math.trunc(st.mtimeMs) };
  const broken = (why: string): Dicomdir => ({
    kind: 'broken',
    ...base,
    reason: `broken DICOMDIR (${why}); the folder was walked instead`,
  });
  if (st.size > MAX_DICOMDIR_BYTES) return broken('too large');
  try {
    const file = parseDicom(await fs.promises.readFile(path.join(source, rel)));
    const records = getItems(file.dataset, 0x00041220);
    if (!file.dataset.elements.has(0x00041220)) return broken('no directory record sequence');
    const listing = new Map<string, string[]>();
    const files: string[] = [];
    for (const record of records) {
      const parts = getStrings(record, 0x00041500)
        .map((p) => p.trim())
        .filter(Boolean);
      if (parts.length === 0) continue;
      if (parts.some((p) => p === '..' || p === '.' || p.includes('/'))) continue; // stays inside the folder
      files.push(await resolveCase(source, parts, listing));
    }
    return { kind: 'ok', ...base, files };
  } catch (err) {
    if (err instanceof DicomError) return broken(err.message);
    return broken(err instanceof Error ? err.message : String(err));
  }
}

/**
 * DICOMDIR file ids are upper-case ISO 9660 names; a copy on a case-sensitive disk may be lower-case. Each
 * component is matched exactly, else case-insensitively within its folder.
 */
async function resolveCase(source: string, parts: string[], listing: Map<string, string[]>): Promise<string> {
  const out: string[] = [];
  for (const part of parts) {
    const dir = out.join('/');
    let names = listing.get(dir);
    if (!names) {
      names = await fs.promises.readdir(path.join(source, dir)).catch(() => [] as string[]);
      listing.set(dir, names);
    }
    out.push(
      names.includes(part) ? part : (names.find((n) => n.toUpperCase() === part.toUpperCase()) ?? part),
    );
  }
  return out.join('/');
}

async function statOrNull(p: string): Promise<fs.Stats | null> {
  try {
    return await fs.promises.stat(p);
  } catch {
    return null;
  }
}
