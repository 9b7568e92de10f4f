import { mergeMap } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { type Exchange, serveRx } from '../src/serve-rx.js';
import type { Server } from '../src/server-lifecycle.js';

describe('serveRx', () => {
  it('emits each request as an exchange an Rx pipeline answers, and unsubscribing closes the server', async () => {
    let listening!: (s: Server) => void;
    const bound = new Promise<Server>((resolve) => {
      listening = resolve;
    });
    const subscription = serveRx({
      onListening: listening,
      acceptH2: () => {
        throw new Error('h1 only');
      },
    })
      .pipe(
        mergeMap(async ({ request, respond }: Exchange) => {
          const text = await request.text();
          respond(new Response(`echo:${text}`));
        }),
      )
      .subscribe();
    const server = await bound;
    const res = await fetch(server.url, { method: 'POST', body: 'ping' });
    expect(await res.text()).toBe('echo:ping');
    subscription.unsubscribe();
    await server.closed;
    await expect(fetch(server.url)).rejects.toThrow();
  });
});
