import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { CliError } from './cli-error.js';

/** What `h2tubes serve` was asked to do, from its flags, then the environment, then the defaults. */
export interface CliOptions {
  /** The module whose default export is served, as the user wrote it. */
  readonly module: string;
  readonly hostname: string;
  /** TLS port; `undefined` = no TLS listener (`--port off`). */
  readonly port: number | undefined;
  /** Cleartext h2c + HTTP/1.1 port; `undefined` = none (`--h2c-port off`). */
  readonly h2cPort: number | undefined;
  /** PEM files; both or neither (then a development certificate is used). */
  readonly certFile: string | undefined;
  readonly keyFile: string | undefined;
  readonly workers: number;
}

/** A setting: its flag, its environment variable, and how it reads in the help. */
interface Setting {
  readonly flag: string;
  readonly short?: string;
  readonly env: string;
  readonly value: string;
  readonly help: string;
}

/** Every setting; the help text and the error messages name the same flags and variables. */
export const SETTINGS = {
  port: {
    flag: 'port',
    short: 'p',
    env: 'PORT',
    value: '<n|off>',
    help: 'TLS port, HTTP/2 (ALPN h2) + HTTP/1.1 (default 8443; 0 = any free)',
  },
  h2cPort: {
    flag: 'h2c-port',
    env: 'H2C_PORT',
    value: '<n|off>',
    help: 'cleartext port, h2c + HTTP/1.1 (default 8080; 0 = any free)',
  },
  host: {
    flag: 'host',
    short: 'H',
    env: 'HOST',
    value: '<address>',
    help: 'interface (default 127.0.0.1; 0.0.0.0 or :: to expose)',
  },
  cert: {
    flag: 'cert',
    env: 'H2TUBES_CERT',
    value: '<file>',
    help: 'PEM certificate (default: a development one)',
  },
  key: { flag: 'key', env: 'H2TUBES_KEY', value: '<file>', help: 'PEM private key of --cert' },
  workers: {
    flag: 'workers',
    short: 'w',
    env: 'H2TUBES_WORKERS',
    value: '<n|auto>',
    help: 'processes sharing the ports (default 1; auto = one per CPU)',
  },
} as const satisfies Record<string, Setting>;

export type SettingName = keyof typeof SETTINGS;

/** `--h2c-port or H2C_PORT` */
export function flagOrVariable(name: SettingName): string {
  return `--${SETTINGS[name].flag} or ${SETTINGS[name].env}`;
}

/** The `--help` text. */
export function helpText(): string {
  const rows = Object.values(SETTINGS).map((s: Setting) => {
    const flags = `${'short' in s ? `-${s.short}, ` : '    '}--${s.flag} ${s.value}`;
    return `  ${flags.padEnd(24)} ${s.env.padEnd(16)} ${s.help}`;
  });
  return `Usage: h2tubes serve <module> [options]

Serves the default export of <module> over HTTP/2, like serve() of @h2tubes/web-adapter: TLS with
ALPN h2 on --port and h2c on --h2c-port, both with HTTP/1.1 fallback. The default export may be
  export default { fetch(request) { ... } }       (the shape deno serve, Bun and srvx take)
  export default app                              (a Hono app, or anything with a .fetch method)
  export default (request) => new Response('hi')  (a bare Fetch handler)

Options                    environment      (a flag wins over its environment variable)
${rows.join('\n')}
  -h, --help               this text

TypeScript modules: Node 20 does not import .ts files by itself. Build the module first (tsc) and
serve the .js, or load it through a loader of your choice:
  NODE_OPTIONS='--import tsx' h2tubes serve ./app.ts

The development certificate (for localhost, 127.0.0.1 and ::1) is made at first start in
$XDG_CACHE_HOME/h2tubes/dev-certificate (~/.cache/... by default); the curl lines printed at start
trust it with --cacert. Ctrl-C (SIGINT) or SIGTERM closes gracefully.
`;
}

/** The parsed command line: help wanted, or what to serve. */
export type CliCommand = { readonly kind: 'help' } | { readonly kind: 'serve'; readonly options: CliOptions };

/**
 * Reads `argv` (without node and the script) and `env` into a command, or throws a `CliError`
 * that names the flag or variable at fault.
 *
 * @example
 * parseCommandLine(['serve', './app.js', '--port', '0'], {});
 */
export function parseCommandLine(argv: readonly string[], env: NodeJS.ProcessEnv): CliCommand {
  const options = Object.fromEntries(
    Object.values(SETTINGS).map((s: Setting) => [
      s.flag,
      { type: 'string' as const, ...('short' in s ? { short: s.short } : {}) },
    ]),
  );
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    throw new CliError(`${(e as Error).message} (h2tubes --help lists the options)`);
  }
  if (parsed.values.help === true || argv.length === 0) return { kind: 'help' };
  const [command, module, ...extra] = parsed.positionals;
  if (command !== 'serve') throw new CliError(`unknown command "${command}": try h2tubes serve ./app.js`);
  if (module === undefined) throw new CliError('which module? try h2tubes serve ./app.js');
  if (extra.length > 0) throw new CliError(`one module at a time (also got ${extra.join(' ')})`);

  const read = (name: SettingName): { text: string; from: string } | undefined => {
    const s = SETTINGS[name];
    const flag = parsed.values[s.flag];
    if (typeof flag === 'string') return { text: flag, from: `--${s.flag}` };
    const fromEnv = env[s.env];
    return fromEnv === undefined || fromEnv === '' ? undefined : { text: fromEnv, from: s.env };
  };
  const port = readPort(read('port'), 8443);
  const h2cPort = readPort(read('h2cPort'), 8080);
  if (port === undefined && h2cPort === undefined)
    throw new CliError('--port and --h2c-port are both off: nothing to listen on');
  if (port !== undefined && port !== 0 && port === h2cPort)
    throw new CliError(`--port and --h2c-port are both ${port}: give them different ports`);
  const certFile = read('cert')?.text;
  const keyFile = read('key')?.text;
  if ((certFile === undefined) !== (keyFile === undefined))
    throw new CliError(
      certFile === undefined
        ? `a key (${flagOrVariable('key')}) needs its certificate too: ${flagOrVariable('cert')}`
        : `a certificate (${flagOrVariable('cert')}) needs its key too: ${flagOrVariable('key')}`,
    );
  if (certFile !== undefined && port === undefined)
    throw new CliError('--cert and --key are for the TLS port, which --port off turns off');
  return {
    kind: 'serve',
    options: {
      module,
      hostname: read('host')?.text ?? '127.0.0.1',
      port,
      h2cPort,
      certFile,
      keyFile,
      workers: readWorkers(read('workers')),
    },
  };
}

function readPort(value: { text: string; from: string } | undefined, fallback: number): number | undefined {
  if (value === undefined) return fallback;
  if (value.text === 'off') return undefined;
  const n = Number(value.text);
  if (!/^\d+$/.test(value.text) || n > 65_535)
    throw new CliError(`${value.from} must be a port number (0-65535) or off, got "${value.text}"`);
  return n;
}

function readWorkers(value: { text: string; from: string } | undefined): number {
  if (value === undefined) return 1;
  if (value.text === 'auto') return availableParallelism();
  const n = Number(value.text);
  if (!/^\d+$/.test(value.text) || n < 1)
    throw new CliError(
      `${value.from} must be a number of processes (1 or more) or auto, got "${value.text}"`,
    );
  return n;
}
