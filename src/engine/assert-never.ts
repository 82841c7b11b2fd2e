/**
 * The default branch of an exhaustive switch over a union: it type-checks only
 * when every member is handled, so adding a member is a compile error at every
 * switch that forgot it. Reaching it at run time is a bug.
 */
export function assertNever(x: never): never {
  throw new Error(`unhandled case: ${JSON.stringify(x)}`);
}
