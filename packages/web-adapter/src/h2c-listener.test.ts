import net from 'node:net';
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { listenH2c } from './h2c-listener.js';

const servers: net.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

const portOf = (s: net.Server): number => (s.address() as net.AddressInfo).port;

describe('listenH2c', () => {
  it('rejects with the listen error when the port is taken (and not later, unheard)', async () => {
    const taken = await listenH2c({ hostname: '127.0.0.1', port: 0 }, () => {});
    servers.push(taken);
    const failure = await listenH2c({ hostname: '127.0.0.1', port: portOf(taken) }, () => {}).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failure).toMatchObject({ code: 'EADDRINUSE', port: portOf(taken) });
  });

  it('a peer that resets an accepted socket does not crash the process: the socket just closes', async () => {
    let accepted: Duplex | undefined;
    const server = await listenH2c({ hostname: '127.0.0.1', port: 0 }, (socket) => {
      accepted = socket; // a handoff that attaches no 'error' listener of its own
    });
    servers.push(server);
    const peer = net.connect(portOf(server), '127.0.0.1');
    await new Promise((r) => peer.once('connect', r));
    await expect.poll(() => accepted).toBeDefined();
    const closed = new Promise<boolean>((resolve) => accepted?.once('close', resolve));
    peer.resetAndDestroy();
    // 'close' with hadError: the ECONNRESET was emitted as 'error', and absorbed.
    expect(await closed).toBe(true);
  });
});
