import * as http2 from 'node:http2';
import { type CloseInfo, WebSocketEndpoint, type WebSocketMessage } from '@h2tubes/websocket/core';

export interface H2WebSocket {
  session: http2.ClientHttp2Session;
  /** The CONNECT stream, to write bytes the codec would never produce. */
  stream: http2.ClientHttp2Stream;
  endpoint: WebSocketEndpoint;
  messages: WebSocketMessage[];
  closed: Promise<CloseInfo>;
  status: number;
  /** The response's header fields (the 200's, RFC 8441 §5). */
  headers: http2.IncomingHttpHeaders;
}

/** The header fields of a WebSocket's extended CONNECT (RFC 8441 §4), with `fields` added or replaced. */
export function extendedConnect(
  port: number,
  path: string,
  fields: http2.OutgoingHttpHeaders = {},
): http2.OutgoingHttpHeaders {
  return {
    ':method': 'CONNECT',
    ':protocol': 'websocket',
    ':scheme': 'http',
    ':authority': `127.0.0.1:${port}`,
    ':path': path,
    'sec-websocket-version': '13',
    ...fields,
  };
}

/**
 * A WebSocket client over node:http2 by hand (RFC 8441 §4): wait for the server's
 * SETTINGS_ENABLE_CONNECT_PROTOCOL = 1, send CONNECT with `:protocol websocket`, and run the
 * client side of the codec over the stream's DATA.
 */
export async function openH2WebSocket(
  port: number,
  path: string,
  session = http2.connect(`http://127.0.0.1:${port}`),
): Promise<H2WebSocket> {
  if (session.remoteSettings.enableConnectProtocol !== true)
    await new Promise<void>((resolve) => session.once('remoteSettings', () => resolve()));
  // RFC 8441 §3: extended CONNECT only once the server announced it.
  if (session.remoteSettings.enableConnectProtocol !== true)
    throw new Error('no SETTINGS_ENABLE_CONNECT_PROTOCOL');
  const stream = session.request(extendedConnect(port, path));
  const headers = await new Promise<http2.IncomingHttpHeaders>((resolve) => stream.once('response', resolve));
  const status = Number(headers[':status']);
  const messages: WebSocketMessage[] = [];
  let resolveClosed!: (info: CloseInfo) => void;
  const closed = new Promise<CloseInfo>((resolve) => {
    resolveClosed = resolve;
  });
  const endpoint = new WebSocketEndpoint(
    { role: 'client' },
    {
      write: (b) => stream.write(b),
      message: (m) => messages.push(m),
      closed: (info) => {
        stream.end(); // RFC 8441 §5: END_STREAM once the close handshake is done
        resolveClosed(info);
      },
    },
  );
  stream.on('data', (c: Buffer) => endpoint.receive(new Uint8Array(c)));
  stream.on('end', () => endpoint.abort('stream ended'));
  return { session, stream, endpoint, messages, closed, status, headers };
}
