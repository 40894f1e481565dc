/**
 * Streaming CSV (RFC 4180: quoted fields with commas, quotes and line breaks) from a plain or gzipped file,
 * one record at a time, so a 377k-row metadata file never sits in memory as text.
 */
import fs from 'node:fs';
import path from 'node:path';
import { constants as zlibConstants, createGunzip, gunzipSync } from 'node:zlib';

import { ApiError } from '../errors.ts';

export type CsvRecord = string[];

/** Opens a `.csv` or `.csv.gz` (by its magic bytes, not its name) as a stream of text. */
export function openText(file: string): AsyncIterable<string> {
  const fd = fs.openSync(file, 'r');
  const magic = Buffer.alloc(2);
  const n = fs.readSync(fd, magic, 0, 2, 0);
  fs.closeSync(fd);
  const raw = fs.createReadStream(file);
  const gz = n === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
  const stream = gz ? raw.pipe(createGunzip()) : raw;
  if (gz) raw.on('error', (err) => stream.destroy(err));
  stream.setEncoding('utf8');
  return stream as AsyncIterable<string>;
}

/** Parses CSV text chunks into records; a trailing line break does not make an empty record. */
export async function* parseCsv(chunks: AsyncIterable<string> | Iterable<string>): AsyncGenerator<CsvRecord> {
  let field = '';
  let record: string[] = [];
  let quoted = false; // inside a quoted field
  let afterQuote = false; // just closed a quote: a second quote is an escaped one
  let started = false; // the current record has any content
  let bom = true;
  for await (let chunk of chunks) {
    if (bom) {
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
      bom = false;
    }
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (quoted) {
        if (c === '"') {
          quoted = false;
          afterQuote = true;
        } else field += c;
        continue;
      }
      if (c === '"') {
        if (afterQuote) field += '"';
        quoted = true;
        afterQuote = false;
        started = true;
        continue;
      }
      afterQuote = false;
      if (c === ',') {
        record.push(field);
        field = '';
        started = true;
      } else if (c === '\n' || c === '\r') {
        if (c === '\r' && chunk[i + 1] === '\n') i++;
        if (started || field !== '') {
          record.push(field);
          yield record;
        }
        record = [];
        field = '';
        started = false;
      } else {
        field += c;
        started = true;
      }
    }
  }
  if (quoted) throw new Error('the file ends inside a quoted field');
  if (started || field !== '') {
    record.push(field);
    yield record;
  }
}

/** Records of a CSV file as objects keyed by the header's column names. */
export async function* readCsvFile(
  file: string,
): AsyncGenerator<{ header: string[]; row: CsvRecord; get: (column: string) => string }> {
  let header: string[] | null = null;
  let index = new Map<string, number>();
  const records = parseCsv(openText(file));
  for (;;) {
    let next: IteratorResult<CsvRecord>;
    try {
      next = await records.next();
    } catch (err) {
      // A CSV broken past reading (an unclosed quote swallows every later row, a damaged gzip) fails the
      // import with one clear line; rows before it are kept, and the CSV is not marked complete.
      const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
      throw new ApiError('bad-request', `${path.basename(file)} cannot be read: ${why}`);
    }
    if (next.done) return;
    const rec = next.value;
    if (!header) {
      header = rec.map((h) => h.trim());
      index = new Map(header.map((h, i) => [h, i]));
      continue;
    }
    const row = rec;
    yield { header, row, get: (column) => row[index.get(column) ?? -1] ?? '' };
  }
}

/**
 * The header line of a CSV file (plain or gzipped) from its first 64 KiB, read synchronously for cheap
 * layout detection; null when there is none.
 */
export function csvHeaderSync(file: string): string[] | null {
  const fd = fs.openSync(file, 'r');
  let head: Buffer;
  try {
    const buf = Buffer.alloc(64 * 1024);
    head = buf.subarray(0, fs.readSync(fd, buf, 0, buf.length, 0));
  } finally {
    fs.closeSync(fd);
  }
  if (head[0] === 0x1f && head[1] === 0x8b)
    head = gunzipSync(head, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
  let text = head.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const end = text.search(/\r?\n/);
  if (end < 0) return null;
  const fields: string[] = [];
  let quoted = false;
  let field = '';
  for (const c of text.slice(0, end)) {
    if (c === '"') quoted = !quoted;
    else if (c === ',' && !quoted) {
      fields.push(field.trim());
      field = '';
    } else field += c;
  }
  fields.push(field.trim());
  return fields;
}
