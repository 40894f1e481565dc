import { z } from 'zod';
import { ApiError } from './errors.ts';

// One schema library (zod) for everything that arrives from outside: recipes, settings and every contract
// call's arguments. A schema gives the type, the check and (for recipes) the published JSON Schema at once.

/**
 * Parses `value` with `schema`; the first problem becomes one bad-request line that says where it is
 * ("split.ratios: must add up to 1"). Zod's messages name types and limits, never the value received.
 */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, prefix = ''): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const where = issue.path.map(String).join('.');
  throw new ApiError('bad-request', `${prefix}${where ? `${where}: ` : ''}${issue.message}`);
}

/** A finite number in [min, max]. */
export const numberIn = (min: number, max = Infinity) => {
  const n = z.number().min(min);
  return max === Infinity ? n : n.max(max);
};

/** A whole number in [min, max]. */
export const intIn = (min: number, max = Number.MAX_SAFE_INTEGER) => z.int().min(min).max(max);

/** An object that refuses unknown keys, naming the first one and the keys it knows. */
export function strict<T extends z.core.$ZodLooseShape>(shape: T) {
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown key "${issue.keys[0]}" (known: ${Object.keys(shape).join(', ')})`
        : undefined,
  });
}
