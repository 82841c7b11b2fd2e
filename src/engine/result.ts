/**
 * One result type for expected failures. Exceptions are reserved for bugs and
 * are turned into a failure at a single boundary (the CLI).
 */
export type Result<T, E> = { ok: true; value: T } | { ok: false; error: E };

export const ok = <T>(value: T): Result<T, never> => ({ ok: true, value });
export const err = <E>(error: E): Result<never, E> => ({ ok: false, error });
