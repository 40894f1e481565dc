import fs from 'node:fs';
import type { Db } from '../project/database.ts';

const csvField = (v: string) => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/**
 * Writes the linkage map (original identifier ↔ pseudonym) as CSV. It re-identifies the whole dataset: it is
 * written only on an explicit command-line request, never by export, and never offered to the app.
 */
export function exportLinkage(db: Db, file: string): number {
  const rows = db.prepare('SELECT kind, original, pseudonym FROM linkage ORDER BY kind, original').all() as {
    kind: string;
    original: string;
    pseudonym: string;
  }[];
  const lines = [
    'kind,original,pseudonym',
    ...rows.map((r) => [r.kind, r.original, r.pseudonym].map(csvField).join(',')),
  ];
  // 'wx': never overwrite a file, 0600: readable by its owner only.
  fs.writeFileSync(file, lines.join('\n') + '\n', { mode: 0o600, flag: 'wx' });
  return rows.length;
}
