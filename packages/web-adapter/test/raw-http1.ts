import * as net from 'node:net';

/**
 * Sends `bytes` on a fresh TCP connection and resolves with everything the server wrote until it
 * closed the connection (or until `until` matches what arrived, then the client closes).
 */
export function rawExchange(port: number, bytes: string | Buffer, until?: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => socket.write(bytes));
    const chunks: Buffer[] = [];
    const done = (): void => resolve(Buffer.concat(chunks).toString('latin1'));
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      if (until?.test(Buffer.concat(chunks).toString('latin1')) === true) {
        socket.destroy();
        done();
      }
    });
    socket.on('close', done);
    socket.on('error', reject);
  });
}

/** Connects and resolves once the TCP connection is up. */
export function rawConnect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Resolves with the text received once `pattern` matches it. */
export function readUntil(socket: net.Socket, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (c: Buffer): void => {
      text += c.toString('latin1');
      if (pattern.test(text)) {
        socket.off('data', onData);
        resolve(text);
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.once('close', () => reject(new Error(`closed before ${pattern}: ${JSON.stringify(text)}`)));
  });
}
