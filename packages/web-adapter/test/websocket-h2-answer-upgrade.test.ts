import type { ServerExchange } from '@h2tubes/h2-flow';
import { describe, expect, it } from 'vitest';
import { OpenWebSockets } from '../src/websocket/open-websockets.js';
import { attachUpgradeSource } from '../src/websocket/transport-registry.js';
import { answerH2Upgrade, upgradeWebSocket } from '../src/websocket/upgrade-websocket.js';

/** An extended CONNECT exchange (RFC 8441 §4) that records how it was answered. */
function connectExchange(): { exchange: ServerExchange; answers: unknown[][] } {
  const answers: unknown[][] = [];
  const exchange = {
    method: 'CONNECT',
    protocol: 'websocket',
    respond: (...args: unknown[]) => answers.push(args),
  } as unknown as ServerExchange;
  return { exchange, answers };
}

function connectRequest(exchange: ServerExchange, openSockets: OpenWebSockets): Request {
  const request = new Request('http://example.test/chat', { headers: { 'sec-websocket-version': '13' } });
  attachUpgradeSource(request, { kind: 'h2', exchange, openSockets });
  return request;
}

describe('answering an extended CONNECT with upgradeWebSocket', () => {
  it("tracks the socket in the server's set only when its response goes out", () => {
    const openSockets = new OpenWebSockets();
    const { exchange, answers } = connectExchange();
    const request = connectRequest(exchange, openSockets);
    const { response } = upgradeWebSocket(request);
    expect(openSockets.size).toBe(0);
    expect(answerH2Upgrade(exchange, request, response)).toBe(true);
    expect(openSockets.size).toBe(1);
    const [status, fields, body] = answers[0] as [number, { name: string }[], unknown];
    expect(status).toBe(200);
    expect(fields.map((f) => f.name)).not.toContain('x-h2tubes-upgrade');
    expect(typeof (body as { pull?: unknown }).pull).toBe('function'); // a Pullable, not a ReadableStream
    // Only once: a second answer with the same response is not an upgrade any more.
    expect(answerH2Upgrade(exchange, request, response)).toBe(false);
  });

  it('leaves nothing tracked when the handler makes the socket and answers otherwise', () => {
    const openSockets = new OpenWebSockets();
    const { exchange, answers } = connectExchange();
    const request = connectRequest(exchange, openSockets);
    upgradeWebSocket(request);
    expect(answerH2Upgrade(exchange, request, new Response('no', { status: 403 }))).toBe(false);
    expect(openSockets.size).toBe(0);
    expect(answers).toEqual([]);
  });
});
