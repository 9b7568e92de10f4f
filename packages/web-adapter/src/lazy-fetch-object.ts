/**
 * Support for Fetch objects built lazily (`ExchangeRequest`, `FastResponse`): the members a
 * class answers itself stay; every other member of the Fetch class delegates to one real
 * instance the object materializes on first use.
 *
 * Node's Fetch (undici) keeps an instance's state in own symbol properties (kState, kHeaders,
 * kSignal, ...) that its functions read when handed an object — `new Request(r)`,
 * `new Response(x).headers` merging, `fetch(r)`. Those symbols are found on a probe instance
 * and delegated too, so a lazy object passes wherever a real one does. Whether that holds in
 * the running runtime is probed once where it matters (`lazyRequestsWork`: a handler may pass
 * its request to `fetch`); a FastResponse only meets the adapter, which reads it directly.
 */

/** A lazy Fetch object: can produce the real instance it stands for. */
export interface Materializable<T> {
  materialize(): T;
}

/**
 * Makes `lazyClass` pass for `fetchClass`: prototype chained (so `instanceof` holds), and every
 * getter, method and undici state symbol the lazy class does not define forwarded to
 * `this.materialize()`.
 *
 * @example
 * delegateToReal(FastResponse, Response, new Response(null));
 */
export function delegateToReal(
  lazyClass: { prototype: object },
  fetchClass: { prototype: object },
  probe: object,
): void {
  const proto = lazyClass.prototype as Record<PropertyKey, unknown>;
  const own = new Set<PropertyKey>(Reflect.ownKeys(proto));
  const forward = (key: PropertyKey, d: PropertyDescriptor | undefined): void => {
    if (d?.get !== undefined || d === undefined) {
      Object.defineProperty(proto, key, {
        get(this: Materializable<Record<PropertyKey, unknown>>) {
          return this.materialize()[key];
        },
        configurable: true,
      });
    } else if (typeof d.value === 'function') {
      Object.defineProperty(proto, key, {
        value(this: Materializable<Record<PropertyKey, (...a: unknown[]) => unknown>>, ...args: unknown[]) {
          return this.materialize()[key]?.(...args);
        },
        configurable: true,
        writable: true,
      });
    }
  };
  for (const key of Reflect.ownKeys(fetchClass.prototype)) {
    if (own.has(key) || key === Symbol.toStringTag) continue;
    forward(key, Object.getOwnPropertyDescriptor(fetchClass.prototype, key));
  }
  for (const key of Object.getOwnPropertySymbols(probe)) forward(key, undefined);
  Object.setPrototypeOf(proto, fetchClass.prototype);
}
