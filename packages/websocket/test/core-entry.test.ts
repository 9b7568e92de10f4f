import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const src = new URL('../src/', import.meta.url);

/** The module specifiers a source file imports or re-exports. */
function specifiers(file: URL): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^(?:import|export)\b[^;]*?from\s+'([^']+)'/gms)].map((m) => m[1] as string);
}

// `@h2tubes/websocket/core` is the sans-I/O codec: it must load without rxjs or the tubes package
// (a browser, a worker or another transport can use it alone), so its files import only each other.
describe('the ./core entry', () => {
  it('imports nothing but its own core modules', () => {
    const files = [new URL('core.ts', src)];
    for (const name of readdirSync(new URL('core/', src))) files.push(new URL(`core/${name}`, src));
    for (const file of files) {
      for (const s of specifiers(file)) {
        expect(s, `${file.pathname.split('/src/')[1]} imports ${s}`).toMatch(/^\.\.?\//);
        expect(s).not.toMatch(/tubes\//);
      }
    }
  });

  it('loads and works', async () => {
    const core = await import('../src/core.js');
    expect(typeof core.WebSocketEndpoint).toBe('function');
    expect(core.isValidCloseCode(1000)).toBe(true);
  });
});
