import cluster from 'node:cluster';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { serveCluster } from '../cluster.js';
import { devCertificate } from '../dev-certificate.js';
import type { FetchHandler } from '../fetch-handler.js';
import { ListenError } from '../listen-error.js';
import { type ServeOptions, serve } from '../serve.js';
import type { Server } from '../server-lifecycle.js';
import { bannerLines } from './banner.js';
import { type CertificateFiles, readCertificateFiles } from './certificate-files.js';
import { CliError } from './cli-error.js';
import { listenAdvice } from './listen-advice.js';
import { loadHandler } from './load-handler.js';
import type { CliOptions } from './options.js';

/**
 * `h2tubes serve <module>`: loads the module's handler and the certificate, listens as `serve()`
 * does (in `workers` processes through `serveCluster` when more than one), prints the URLs and
 * curl lines, and closes gracefully on SIGINT/SIGTERM. Failures a user can fix are `CliError`s.
 *
 * @example
 * await serveCommand(parseCommandLine(['serve', './app.js'], process.env).options, process.env);
 */
export async function serveCommand(options: CliOptions, env: NodeJS.ProcessEnv): Promise<void> {
  // Loaded in the primary too (even with workers): a wrong module or certificate is reported
  // once, before any worker starts, instead of by every worker again and again.
  const handler = await loadHandler(options.module, process.cwd());
  const certificate = options.port === undefined ? undefined : await certificateFor(options, env);
  const serveOptions: ServeOptions =
    certificate === undefined
      ? { hostname: options.hostname, port: options.h2cPort }
      : {
          hostname: options.hostname,
          port: options.port,
          h2cPort: options.h2cPort,
          tls: { cert: certificate.cert, key: certificate.key },
        };
  const cacert = certificate?.selfSigned === true ? certificate.certPath : undefined;

  if (options.workers === 1) {
    const server = await listen(handler, serveOptions, options);
    print(bannerLines(options.module, server.addresses, cacert));
    closeOnSignals(Promise.resolve(server), true);
    return;
  }
  if (cluster.isPrimary) {
    // The workers' ports are bound by the primary on their behalf; binding them here first
    // turns a taken port into one message instead of one per worker (each restarted).
    await (await listen(() => new Response(null), serveOptions, options)).close(0);
    console.log(`h2tubes: starting ${options.workers} worker processes`);
  }
  try {
    await serveCluster(options.workers, async () => {
      const started = listen(handler, serveOptions, options);
      // Handlers first: a signal while this worker is still binding closes it once bound, instead
      // of killing it mid-start (the primary forwards Ctrl-C as soon as any worker printed the
      // banner). Ctrl-C in a terminal reaches the workers directly and through the primary: the
      // second signal is the same request, not an impatient user.
      closeOnSignals(started, false);
      const server = await started;
      if (cluster.worker?.id === 1) print(bannerLines(options.module, server.addresses, cacert));
    });
  } catch (e) {
    // The worker has said why on the shared stderr; the primary only adds that it stops.
    if (cluster.isPrimary && !(e instanceof CliError))
      throw new CliError(`${(e as Error).message}; stopping (the worker's own error is above)`);
    throw e;
  }
}

/** `serve()`, with a port that cannot be bound said as the setting to change. */
async function listen(
  handler: FetchHandler,
  serveOptions: ServeOptions,
  options: CliOptions,
): Promise<Server> {
  try {
    return await serve(handler, serveOptions);
  } catch (e) {
    if (e instanceof ListenError) throw new CliError(listenAdvice(e, options.port));
    throw e;
  }
}

/** The certificate files given, or the development certificate (made at first use). */
async function certificateFor(options: CliOptions, env: NodeJS.ProcessEnv): Promise<CertificateFiles> {
  if (options.certFile !== undefined && options.keyFile !== undefined) {
    const files = await readCertificateFiles(options.certFile, options.keyFile);
    if (files.validTo.getTime() < Date.now())
      console.error(
        `h2tubes: warning: the certificate in ${options.certFile} expired on ${files.validTo.toISOString()}`,
      );
    return files;
  }
  // A per-user cache, not the project directory: serving a module writes nothing next to it.
  const dir = join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'h2tubes', 'dev-certificate');
  let made: { certPath: string; keyPath: string };
  try {
    made = await devCertificate(dir);
  } catch (e) {
    throw new CliError(`${(e as Error).message} (or give --cert and --key)`);
  }
  try {
    const files = await readCertificateFiles(made.certPath, made.keyPath);
    if (files.validTo.getTime() < Date.now())
      throw new CliError(`it expired on ${files.validTo.toISOString()}`);
    return files;
  } catch (e) {
    if (!(e instanceof CliError)) throw e;
    throw new CliError(
      `the development certificate in ${dir} is not usable: ${e.message}; delete ${dir} and a new one is made`,
    );
  }
}

function closeOnSignals(server: Promise<Server>, secondSignalExits: boolean): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      if (secondSignalExits) process.exit(1); // a second Ctrl-C does not wait
      return;
    }
    stopping = true;
    if (cluster.isPrimary || cluster.worker?.id === 1) console.log(`h2tubes: ${signal}, closing gracefully`);
    // Exit once closed even if the module keeps timers or sockets of its own open.
    server.then(
      (s) => s.close().then(() => process.exit(0)),
      () => process.exit(1), // it never listened; its error is reported where it was awaited
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

function print(lines: readonly string[]): void {
  console.log(lines.join('\n'));
}
