import type { ApiErrorShape } from '../api/contract.ts';

/** An error every front shows as is: a stable code and one line that never contains PHI. */
export class ApiError extends Error {
  readonly code: ApiErrorShape['code'];
  constructor(code: ApiErrorShape['code'], message: string) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
  }
}

/**
 * One line for an unexpected error, safe for logs: a system error becomes its code and call ("ENOENT (stat)"),
 * because Node puts the file's path in the message and a folder may be named after a patient; anything else
 * keeps its message's first line.
 */
export function errorLine(err: unknown): string {
  const e = err as { code?: unknown; syscall?: unknown } | null;
  if (typeof e?.code === 'string' && typeof e.syscall === 'string') return `${e.code} (${e.syscall})`;
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n')[0] || 'internal error';
}

/** Turns anything thrown into the wire shape; unexpected errors keep only a log-safe line (errorLine). */
export function toErrorShape(err: unknown): ApiErrorShape {
  if (err instanceof ApiError) return { code: err.code, message: err.message };
  return { code: 'internal', message: errorLine(err) };
}
