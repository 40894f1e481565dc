import { ApiError } from './errors.ts';

// Arguments arrive from transports (the browser mode is a network front), so every handler checks shapes.

export function record(args: unknown): Record<string, unknown> {
  if (args === undefined || args === null) return {};
  if (typeof args !== 'object' || Array.isArray(args))
    throw new ApiError('bad-request', 'Arguments must be an object.');
  return args as Record<string, unknown>;
}

export function str(args: unknown, key: string): string {
  const v = record(args)[key];
  if (typeof v !== 'string' || v.length === 0)
    throw new ApiError('bad-request', `"${key}" must be a non-empty string.`);
  return v;
}

export function optStr(args: unknown, key: string): string | undefined {
  const v = record(args)[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new ApiError('bad-request', `"${key}" must be a string.`);
  return v;
}

export function int(args: unknown, key: string, min = 0): number {
  const v = record(args)[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new ApiError('bad-request', `"${key}" must be an integer of at least ${min}.`);
  }
  return v;
}

export function optInt(args: unknown, key: string, min = 0): number | undefined {
  return record(args)[key] === undefined ? undefined : int(args, key, min);
}
