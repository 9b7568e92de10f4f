/**
 * The echo service served through `serve()` and called by @grpc/grpc-js, the gRPC client no one
 * here wrote: unary and server-streaming calls, statuses and trailers as grpc-js reads them.
 */
import * as grpc from '@grpc/grpc-js';
import { type Server, serve } from '@h2tubes/web-adapter';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, SERVICE } from './app.js';
import { decodeEchoMessage, encodeEchoMessage } from './echo-message.js';

const serialize = (text: string): Buffer => Buffer.from(encodeEchoMessage(text));
const deserialize = (bytes: Buffer): string => decodeEchoMessage(bytes);

let server: Server;
let client: grpc.Client;

beforeAll(async () => {
  server = await serve(createApp(), { hostname: '127.0.0.1', port: 0 });
  client = new grpc.Client(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure());
});

afterAll(async () => {
  client?.close();
  await server?.close();
});

interface UnaryOutcome {
  error: grpc.ServiceError | null;
  reply: string | undefined;
  status: grpc.StatusObject;
}

function unary(method: string, text: string, metadata = new grpc.Metadata()): Promise<UnaryOutcome> {
  return new Promise((resolve) => {
    let error: grpc.ServiceError | null = null;
    let reply: string | undefined;
    const call = client.makeUnaryRequest(
      `${SERVICE}${method}`,
      serialize,
      deserialize,
      text,
      metadata,
      (e: grpc.ServiceError | null, value?: string) => {
        error = e;
        reply = value;
      },
    );
    // 'status' comes after the callback: the trailers are in by then.
    call.on('status', (status) => setImmediate(() => resolve({ error, reply, status })));
  });
}

interface StreamOutcome {
  messages: string[];
  status: grpc.StatusObject;
}

function serverStream(text: string, metadata: grpc.Metadata): Promise<StreamOutcome> {
  return new Promise((resolve) => {
    const messages: string[] = [];
    const call = client.makeServerStreamRequest(`${SERVICE}Repeat`, serialize, deserialize, text, metadata);
    call.on('data', (m: string) => messages.push(m));
    call.on('error', () => {}); // the status event below carries it
    call.on('status', (status) => resolve({ messages, status }));
  });
}

function repeatCount(n: string): grpc.Metadata {
  const metadata = new grpc.Metadata();
  metadata.set('x-repeat-count', n);
  return metadata;
}

describe('@grpc/grpc-js client against grpc-echo served by serve()', () => {
  it('unary Echo: the same text back, status OK from the grpc-status trailer', async () => {
    const { error, reply, status } = await unary('Echo', 'hello gRPC');
    expect(error).toBeNull();
    expect(reply).toBe('hello gRPC');
    expect(status.code).toBe(grpc.status.OK);
    expect(status.metadata.get('x-echo-length')).toEqual(['10']); // trailing metadata from our trailers
  });

  it('unary Echo of a 1 MB message (several DATA frames each way)', async () => {
    const text = 'x'.repeat(1_000_000);
    const { reply, status } = await unary('Echo', text);
    expect(status.code).toBe(grpc.status.OK);
    expect(reply).toBe(text);
  });

  it('server-streaming Repeat: x-repeat-count messages in order, then OK', async () => {
    const { messages, status } = await serverStream('tick', repeatCount('5'));
    expect(messages).toEqual(['0: tick', '1: tick', '2: tick', '3: tick', '4: tick']);
    expect(status.code).toBe(grpc.status.OK);
  });

  it('server-streaming Repeat of 1000 messages on 10 concurrent calls', async () => {
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, (_, i) => serverStream(`call ${i}`, repeatCount('1000'))),
    );
    outcomes.forEach(({ messages, status }, i) => {
      expect(status.code).toBe(grpc.status.OK);
      expect(messages).toHaveLength(1000);
      expect(messages[999]).toBe(`999: call ${i}`);
    });
  });

  it('an unknown method fails with UNIMPLEMENTED and its grpc-message', async () => {
    const { error, status } = await unary('Nope', 'x');
    expect(status.code).toBe(grpc.status.UNIMPLEMENTED);
    expect(error?.code).toBe(grpc.status.UNIMPLEMENTED);
    expect(status.details).toBe(`unknown method ${SERVICE}Nope`);
  });

  it('an invalid argument fails with INVALID_ARGUMENT, and the connection serves the next call', async () => {
    const bad = await serverStream('x', repeatCount('-1'));
    expect(bad.status.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(bad.status.details).toBe('x-repeat-count must be 0..1000');
    expect(bad.messages).toEqual([]);
    expect((await unary('Echo', 'still here')).reply).toBe('still here');
  });

  it('a streaming call the client cancels ends as CANCELLED, and the server goes on serving', async () => {
    const status = await new Promise<grpc.StatusObject>((resolve) => {
      const call = client.makeServerStreamRequest(
        `${SERVICE}Repeat`,
        serialize,
        deserialize,
        'long',
        repeatCount('1000'),
      );
      let seen = 0;
      call.on('data', () => {
        if (++seen === 10) call.cancel();
      });
      call.on('error', () => {});
      call.on('status', resolve);
    });
    expect(status.code).toBe(grpc.status.CANCELLED);
    expect((await unary('Echo', 'after cancel')).reply).toBe('after cancel');
  });
});
