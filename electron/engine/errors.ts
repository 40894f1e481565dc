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

/** Turns anything thrown into the wire shape; unexpected errors keep only their message's first line. */
export function toErrorShape(err: unknown): ApiErrorShape {
  if (err instanceof ApiError) return { code: err.code, message: err.message };
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'internal', message: message.split('\n')[0] ?? 'internal error' };
}
