import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { FetchHandler } from '../fetch-handler.js';
import { CliError } from './cli-error.js';

const SHAPES = 'export default { fetch(request) { ... } }, a Hono app, or a (request) => Response function';

/**
 * Imports `specifier` (a path, relative to `cwd`) and returns its default export as a Fetch
 * handler. Accepted: an object with a `fetch` method (`export default { fetch }` as deno serve,
 * Bun and srvx take it; a Hono app), or a bare function. A missing file, a TypeScript file Node
 * cannot import and a default export of another shape are `CliError`s; an error thrown by the
 * module itself is its author's to read, so it is thrown as it is, stack included.
 *
 * @example
 * const handler = await loadHandler('./app.js', process.cwd());
 */
export async function loadHandler(specifier: string, cwd: string): Promise<FetchHandler> {
  const path = resolve(cwd, specifier);
  try {
    await stat(path);
  } catch {
    throw new CliError(`cannot find the module ${specifier} (no file ${path})`);
  }
  let namespace: Record<string, unknown>;
  try {
    namespace = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_UNKNOWN_FILE_EXTENSION')
      throw new CliError(
        `${specifier}: this Node cannot import ${extension(path)} files; build it and serve the .js, or use a loader: NODE_OPTIONS='--import tsx' h2tubes serve ${specifier}`,
      );
    throw e;
  }
  return handlerOf(namespace.default, specifier);
}

/** The default export as a handler, bound to its object so that `this` works in `fetch`. */
function handlerOf(value: unknown, specifier: string): FetchHandler {
  if (value === undefined) throw new CliError(`${specifier} has no default export; give it one: ${SHAPES}`);
  const fetch = (value as { fetch?: unknown } | null)?.fetch;
  if (typeof fetch === 'function') return (request) => fetch.call(value, request);
  if (typeof value === 'function') return (request) => value(request);
  throw new CliError(
    `the default export of ${specifier} is not servable (${describe(value)}); it may be ${SHAPES}`,
  );
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object without a fetch method';
  return `a ${typeof value}`;
}

function extension(path: string): string {
  const dot = path.lastIndexOf('.');
  return dot === -1 ? 'such' : path.slice(dot);
}
