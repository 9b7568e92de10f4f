/** Exhaustiveness check for `switch (frame.type)`: a helper of the codec's own switches, not API. */
export function assertNever(x: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(x)}`);
}
