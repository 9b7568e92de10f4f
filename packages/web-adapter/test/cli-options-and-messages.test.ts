/**
 * The CLI's pure parts in-process: the command line and environment (options.ts), loading the
 * served module (load-handler.ts), the start banner (banner.ts) and the advice on a failed listen
 * (listen-advice.ts). The CLI-process tests (cli-*.test.ts) run them in a child, which the
 * coverage of the test process does not see.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bannerLines } from '../src/cli/banner.js';
import { CliError } from '../src/cli/cli-error.js';
import { listenAdvice } from '../src/cli/listen-advice.js';
import { loadHandler } from '../src/cli/load-handler.js';
import { type CliOptions, helpText, parseCommandLine } from '../src/cli/options.js';
import { ListenError } from '../src/listen-error.js';

const serveOptions = (argv: string[], env: NodeJS.ProcessEnv = {}): CliOptions => {
  const c = parseCommandLine(argv, env);
  if (c.kind !== 'serve') throw new Error('expected a serve command');
  return c.options;
};

const refusal = (argv: string[], env: NodeJS.ProcessEnv = {}): string => {
  try {
    parseCommandLine(argv, env);
  } catch (e) {
    expect(e).toBeInstanceOf(CliError);
    return (e as CliError).message;
  }
  throw new Error('expected a CliError');
};

describe('parseCommandLine', () => {
  it('asks for help with no arguments, -h or --help', () => {
    expect(parseCommandLine([], {})).toEqual({ kind: 'help' });
    expect(parseCommandLine(['-h'], {})).toEqual({ kind: 'help' });
    expect(parseCommandLine(['serve', 'app.js', '--help'], {})).toEqual({ kind: 'help' });
  });

  it('has the documented defaults', () => {
    expect(serveOptions(['serve', 'app.js'])).toEqual({
      module: 'app.js',
      hostname: '127.0.0.1',
      port: 8443,
      h2cPort: 8080,
      certFile: undefined,
      keyFile: undefined,
      workers: 1,
    });
  });

  it('reads every setting from its flag, or its environment variable when the flag is absent', () => {
    const env = {
      PORT: '9443',
      H2C_PORT: '9080',
      HOST: '::1',
      H2TUBES_WORKERS: '3',
      H2TUBES_CERT: 'c.pem',
      H2TUBES_KEY: 'k.pem',
    };
    expect(serveOptions(['serve', 'app.js'], env)).toEqual({
      module: 'app.js',
      hostname: '::1',
      port: 9443,
      h2cPort: 9080,
      certFile: 'c.pem',
      keyFile: 'k.pem',
      workers: 3,
    });
    const flags = [
      'serve',
      'app.js',
      '-p',
      '0',
      '--h2c-port',
      'off',
      '-H',
      '0.0.0.0',
      '-w',
      'auto',
      '--cert',
      'a',
      '--key',
      'b',
    ];
    expect(serveOptions(flags, env)).toEqual({
      module: 'app.js',
      hostname: '0.0.0.0',
      port: 0,
      h2cPort: undefined,
      certFile: 'a',
      keyFile: 'b',
      workers: availableParallelism(),
    });
  });

  it('treats an empty environment variable as unset', () => {
    expect(serveOptions(['serve', 'app.js'], { PORT: '', HOST: '' })).toMatchObject({
      port: 8443,
      hostname: '127.0.0.1',
    });
  });

  it('refuses what it cannot use, naming the flag or variable', () => {
    expect(refusal(['serve', 'app.js', '--bogus'])).toMatch(
      /^Unknown option '--bogus'.* \(h2tubes --help lists the options\)$/,
    );
    expect(refusal(['start', 'app.js'])).toBe('unknown command "start": try h2tubes serve ./app.js');
    expect(refusal(['serve'])).toBe('which module? try h2tubes serve ./app.js');
    expect(refusal(['serve', 'a.js', 'b.js'])).toBe('one module at a time (also got b.js)');
    expect(refusal(['serve', 'a.js', '--port', '70000'])).toBe(
      '--port must be a port number (0-65535) or off, got "70000"',
    );
    expect(refusal(['serve', 'a.js'], { H2C_PORT: '80a' })).toBe(
      'H2C_PORT must be a port number (0-65535) or off, got "80a"',
    );
    expect(refusal(['serve', 'a.js', '-p', 'off', '--h2c-port', 'off'])).toBe(
      '--port and --h2c-port are both off: nothing to listen on',
    );
    expect(refusal(['serve', 'a.js', '-p', '9000', '--h2c-port', '9000'])).toBe(
      '--port and --h2c-port are both 9000: give them different ports',
    );
    expect(refusal(['serve', 'a.js', '--key', 'k.pem'])).toBe(
      'a key (--key or H2TUBES_KEY) needs its certificate too: --cert or H2TUBES_CERT',
    );
    expect(refusal(['serve', 'a.js'], { H2TUBES_CERT: 'c.pem' })).toBe(
      'a certificate (--cert or H2TUBES_CERT) needs its key too: --key or H2TUBES_KEY',
    );
    expect(refusal(['serve', 'a.js', '-p', 'off', '--cert', 'c', '--key', 'k'])).toBe(
      '--cert and --key are for the TLS port, which --port off turns off',
    );
    expect(refusal(['serve', 'a.js', '-w', '0'])).toBe(
      '--workers must be a number of processes (1 or more) or auto, got "0"',
    );
    expect(refusal(['serve', 'a.js'], { H2TUBES_WORKERS: 'many' })).toBe(
      'H2TUBES_WORKERS must be a number of processes (1 or more) or auto, got "many"',
    );
  });

  it('lists every flag with its short form and variable in the help text', () => {
    const help = helpText();
    expect(help).toContain('-p, --port <n|off>');
    expect(help).toMatch(/ {4}--h2c-port <n\|off> +H2C_PORT /);
    expect(help).toContain('-w, --workers <n|auto>');
  });
});

describe('loadHandler', () => {
  const fixtures = fileURLToPath(new URL('./fixtures/cli/', import.meta.url));
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'h2tubes-load-'));
    await writeFile(join(dir, 'number.mjs'), 'export default 42;\n');
    await writeFile(join(dir, 'null.mjs'), 'export default null;\n');
    await writeFile(join(dir, 'object.mjs'), 'export default { port: 1 };\n');
    await writeFile(join(dir, 'throws.mjs'), "throw new RangeError('broken at import');\n");
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const failure = async (specifier: string, cwd: string): Promise<unknown> =>
    loadHandler(specifier, cwd).then(
      () => undefined,
      (e: unknown) => e,
    );

  it('serves each accepted default export: { fetch } with its this, a Hono-like app, a bare function', async () => {
    const object = await loadHandler('fetch-object.js', fixtures);
    expect(await (await object(new Request('http://h/a'))).text()).toBe('object says hello to /a\n');
    const fn = await loadHandler('./bare-function.js', fixtures);
    expect(await (await fn(new Request('http://h/b'))).text()).toBe('function says hello to /b\n');
  });

  it('names a missing file, a missing default export, and what a default export that is not servable is', async () => {
    const missing = (await failure('nope.js', dir)) as CliError;
    expect(missing.message).toBe(`cannot find the module nope.js (no file ${join(dir, 'nope.js')})`);
    expect(((await failure('no-default.js', fixtures)) as CliError).message).toMatch(
      /^no-default\.js has no default export; give it one: export default \{ fetch/,
    );
    for (const [file, what] of [
      ['number.mjs', 'a number'],
      ['null.mjs', 'null'],
      ['object.mjs', 'an object without a fetch method'],
    ]) {
      const e = (await failure(file as string, dir)) as CliError;
      expect(e).toBeInstanceOf(CliError);
      expect(e.message).toMatch(
        new RegExp(`^the default export of ${file} is not servable \\(${what}\\); it may be`),
      );
    }
  });

  it('lets an error thrown while importing the module through as it is', async () => {
    const e = await failure('throws.mjs', dir);
    expect(e).toBeInstanceOf(RangeError);
    expect((e as Error).message).toBe('broken at import');
  });
});

describe('bannerLines and listenAdvice', () => {
  it('prints the addresses and curl lines, with a reachable host for wildcard binds and a quoted --cacert', () => {
    const lines = bannerLines(
      'app.js',
      [
        { protocol: 'https', hostname: '0.0.0.0', port: 8443, url: 'https://0.0.0.0:8443/' },
        { protocol: 'http', hostname: '::', port: 8080, url: 'http://[::]:8080/' },
        { protocol: 'http', hostname: 'localhost', port: 8081, url: 'http://localhost:8081/' },
      ],
      "/tmp/it's here/cert.pem",
    );
    expect(lines).toEqual([
      'h2tubes: serving app.js',
      '  https://0.0.0.0:8443/        HTTP/2 over TLS (ALPN h2), HTTP/1.1 too',
      '  http://[::]:8080/            h2c (prior knowledge), HTTP/1.1 too',
      '  http://localhost:8081/       h2c (prior knowledge), HTTP/1.1 too',
      'try:',
      "  curl --http2 --cacert '/tmp/it'\\''s here/cert.pem' https://127.0.0.1:8443/",
      '  curl --http2-prior-knowledge http://[::1]:8080/',
      '  curl --http2-prior-knowledge http://localhost:8081/',
      'Ctrl-C closes gracefully.',
    ]);
    expect(
      bannerLines('a', [{ protocol: 'https', hostname: 'h', port: 1, url: 'https://h:1/' }], undefined),
    ).toContain('  curl --http2 https://h:1/');
    expect(
      bannerLines('a', [{ protocol: 'https', hostname: 'h', port: 1, url: 'https://h:1/' }], '/c.pem'),
    ).toContain('  curl --http2 --cacert /c.pem https://h:1/');
  });

  it('points at --host for an address problem and at the port setting that failed otherwise', () => {
    expect(listenAdvice(new ListenError('10.9.9.9', 8443, 'EADDRNOTAVAIL'), 8443)).toBe(
      'cannot listen on 10.9.9.9:8443: the address is not one of this machine’s (EADDRNOTAVAIL); check --host or HOST',
    );
    expect(listenAdvice(new ListenError('127.0.0.1', 8443, 'EADDRINUSE'), 8443)).toMatch(
      /; choose another port with --port or PORT \(0 picks a free one\)$/,
    );
    expect(listenAdvice(new ListenError('127.0.0.1', 8080, 'EADDRINUSE'), 8443)).toMatch(
      /; choose another port with --h2c-port or H2C_PORT \(0 picks a free one\)$/,
    );
  });
});
