import type { ListenError } from '../listen-error.js';
import { flagOrVariable } from './options.js';

/** Codes about the interface rather than the port: the host setting is the one to change. */
const HOST_CODES = new Set(['EADDRNOTAVAIL', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * One line for a failed bind that says what happened and which flag or environment variable to
 * change, e.g. `cannot listen on 127.0.0.1:8080: the port is already in use (EADDRINUSE); choose
 * another port with --h2c-port or H2C_PORT (0 picks a free one)`. `tlsPort` tells the TLS
 * listener's port from the cleartext one (they differ: the options refuse the same port twice).
 *
 * @example
 * console.error(`h2tubes: ${listenAdvice(error, options.port)}`);
 */
export function listenAdvice(error: ListenError, tlsPort: number | undefined): string {
  if (HOST_CODES.has(error.code)) return `${error.message}; check ${flagOrVariable('host')}`;
  const setting = error.port === tlsPort ? 'port' : 'h2cPort';
  return `${error.message}; choose another port with ${flagOrVariable(setting)} (0 picks a free one)`;
}
