/** For exhaustive switches: a case the type system says cannot happen is a bug if it does. */
export function assertNever(value: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(value)}`);
}
