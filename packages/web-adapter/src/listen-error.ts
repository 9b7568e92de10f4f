/** What a failed bind means for someone who has to change a setting, by system error code. */
const MEANINGS: Readonly<Record<string, string>> = {
  EADDRINUSE: 'the port is already in use',
  EACCES: 'permission denied (ports below 1024 need privileges)',
  EADDRNOTAVAIL: 'the address is not one of this machine’s',
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name could not be resolved',
};

/**
 * `serve()` (and `startServer`) could not listen: which address and port, and the system's code
 * (`EADDRINUSE`, `EACCES`, ...). The message is one line a person can act on; the system error
 * is the `cause`. Listeners bound before the failing one are already closed when this is thrown.
 *
 * @example
 * try {
 *   await serve(app, { port: 8080 });
 * } catch (e) {
 *   if (e instanceof ListenError && e.code === 'EADDRINUSE') console.error(`${e.port} is taken`);
 * }
 */
export class ListenError extends Error {
  override readonly name = 'ListenError';
  /** The interface asked for. */
  readonly hostname: string;
  /** The port asked for. */
  readonly port: number;
  /** The system error code, e.g. `EADDRINUSE`. */
  readonly code: string;

  constructor(hostname: string, port: number, code: string, cause?: unknown) {
    const why = MEANINGS[code] ?? (cause instanceof Error ? cause.message : 'failed');
    super(`cannot listen on ${hostPort(hostname, port)}: ${why} (${code})`, { cause });
    this.hostname = hostname;
    this.port = port;
    this.code = code;
  }

  /** `127.0.0.1:8080`, `[::1]:8080` */
  get address(): string {
    return hostPort(this.hostname, this.port);
  }
}

/**
 * The error of a failed `listen` as a `ListenError`, or `undefined` when it is something else
 * (e.g. TLS options node:tls refused), which then stays as it is.
 */
export function asListenError(error: unknown, hostname: string, port: number): ListenError | undefined {
  if (error instanceof ListenError) return error;
  const e = error as Partial<NodeJS.ErrnoException> | undefined;
  if (typeof e?.code !== 'string') return undefined;
  if (e.syscall !== 'listen' && e.syscall !== 'getaddrinfo' && e.syscall !== 'bind') return undefined;
  return new ListenError(hostname, port, e.code, error);
}

function hostPort(hostname: string, port: number): string {
  return `${hostname.includes(':') ? `[${hostname}]` : hostname}:${port}`;
}
