import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const packageDir = fileURLToPath(new URL('..', import.meta.url));

// Issue #10: the sans-I/O cores must load and work where rxjs is not installed. The child process
// refuses to resolve 'rxjs' (a node:module resolve hook) and imports the BUILT entries (dist/, as
// an installed package would; `tsc -b` runs before vitest in `npm test`), then drives a server
// Connection with bytes: client preface, SETTINGS, GET → response HEADERS and DATA as bytes.
describe('the cores without rxjs (#10)', () => {
  it('@h2tubes/{tubes,h2-frames,h2-flow}/core answer a GET given as bytes while rxjs cannot be resolved', async () => {
    for (const pkg of ['tubes', 'h2-frames', 'h2-flow']) {
      expect(existsSync(new URL(`../../${pkg}/dist/core.js`, import.meta.url)), `${pkg}: run tsc -b`).toBe(
        true,
      );
    }
    const { stdout } = await run(
      process.execPath,
      ['--import', './test/no-rxjs/refuse-rxjs.mjs', 'test/no-rxjs/drive-core.mjs'],
      { cwd: packageDir },
    );
    const result = JSON.parse(stdout);
    expect(result).toMatchObject({
      status: '200',
      body: 'hello without rxjs',
      // The server's SETTINGS and connection WINDOW_UPDATE, the ACK of the client's SETTINGS,
      // then the response.
      seen: ['SETTINGS', 'WINDOW_UPDATE', 'SETTINGS ACK', 'FIELD_BLOCK', 'DATA'],
      splitterLoaded: true,
      // The "." entry re-exports the RxJS operators: it must fail here, or rxjs was not refused.
      rootEntry: 'ERR_MODULE_NOT_FOUND',
    });
  });
});
