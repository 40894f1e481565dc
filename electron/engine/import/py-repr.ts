/**
 * Reads the list columns PADCHEST's pandas export wrote as Python or numpy reprs:
 *   `['infiltrates', ' pneumonia']`  (Python list; later items keep a stray leading space)
 *   `['C0032227' 'C0239029']`       (numpy array: no commas)
 *   `[['normal'], ['exclude']]`     (nested)
 *   `"['it''s']"`-style double-quoted items with escapes, and an empty cell for "no list".
 * Items are trimmed and inner runs of spaces collapsed (`'loc  cardiac'` → `loc cardiac`): the spacing is an
 * artefact of the export, not a different label.
 */

export type ReprValue = string | ReprValue[];

export class ReprError extends Error {}

/** Parses one cell; an empty or `nan` cell is an empty list. Throws ReprError on anything else malformed. */
export function parseReprList(cell: string): ReprValue[] {
  const text = cell.trim();
  if (text === '' || text === 'nan' || text === 'None') return [];
  const p = new Parser(text);
  const v = p.value();
  p.skipSpace();
  if (!p.done()) throw new ReprError(`unexpected text after the list at ${p.pos}`);
  if (!Array.isArray(v)) throw new ReprError('not a list');
  return v;
}

/** The strings of a flat or nested list cell, cleaned and de-duplicated, in first-seen order. */
export function reprStrings(cell: string): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (v: ReprValue) => {
    if (Array.isArray(v)) for (const x of v) visit(x);
    else {
      const s = cleanItem(v);
      if (s && !seen.has(s)) {
        seen.add(s);
        out.push(s);
      }
    }
  };
  visit(parseReprList(cell));
  return out;
}

export function cleanItem(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

class Parser {
  readonly text: string;
  pos = 0;

  constructor(text: string) {
    this.text = text;
  }

  done(): boolean {
    return this.pos >= this.text.length;
  }

  skipSpace(): void {
    while (!this.done() && /\s/.test(this.text[this.pos]!)) this.pos++;
  }

  value(): ReprValue {
    this.skipSpace();
    const c = this.text[this.pos];
    if (c === '[') return this.list();
    if (c === "'" || c === '"') return this.string(c);
    // numpy prints bare numbers; keep them as text
    const m = /^[-+0-9.eE]+|^nan|^None/.exec(this.text.slice(this.pos));
    if (m) {
      this.pos += m[0].length;
      return m[0];
    }
    throw new ReprError(`unexpected ${c === undefined ? 'end' : `"${c}"`} at ${this.pos}`);
  }

  list(): ReprValue[] {
    this.pos++; // [
    const items: ReprValue[] = [];
    for (;;) {
      this.skipSpace();
      if (this.done()) throw new ReprError('unclosed list');
      if (this.text[this.pos] === ']') {
        this.pos++;
        return items;
      }
      items.push(this.value());
      this.skipSpace();
      // Python separates items with commas, numpy with white space only.
      if (this.text[this.pos] === ',') this.pos++;
      else if (this.text[this.pos] !== ']' && !/\s/.test(this.text[this.pos - 1] ?? '')) {
        throw new ReprError(`expected "," or "]" at ${this.pos}`);
      }
    }
  }

  string(quote: string): string {
    this.pos++;
    let out = '';
    while (!this.done()) {
      const c = this.text[this.pos++]!;
      if (c === quote) return out;
      if (c === '\\') {
        const e = this.text[this.pos++];
        if (e === undefined) break;
        out += e === 'n' ? '\n' : e === 't' ? '\t' : e;
      } else out += c;
    }
    throw new ReprError('unclosed string');
  }
}
