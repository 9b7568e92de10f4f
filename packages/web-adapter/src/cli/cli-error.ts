/**
 * A failure the CLI reports as one line on stderr (no stack trace) before exiting with status 1:
 * something the user can fix (a flag, a file, a port), said in words that tell how.
 *
 * @example
 * throw new CliError('--port must be a port number (0-65535), got "http"');
 */
export class CliError extends Error {
  override readonly name = 'CliError';
}
