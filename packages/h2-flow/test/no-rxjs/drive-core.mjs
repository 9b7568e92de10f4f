// Run by core-without-rxjs.test.ts with `--import ./refuse-rxjs.mjs`: a server Connection from the
// built @h2tubes/*/core entries answers a GET given as bytes, and the answer is decoded from the
// bytes it writes. Prints one JSON line with what the client side decoded.

import { Connection } from '@h2tubes/h2-flow/core';
import {
  CONNECTION_PREFACE,
  encodeFrames,
  FieldBlockAssembler,
  FrameSplitter,
  HpackDecoder,
  HpackEncoder,
  parseFrame,
} from '@h2tubes/h2-frames/core';
import { HeaderLengthSplitter } from '@h2tubes/tubes/core';

/** One direction's decoding: bytes → frames → header blocks → decoded field blocks. */
function decoder(expectPreface) {
  const splitter = new FrameSplitter({ expectPreface });
  const assembler = new FieldBlockAssembler();
  const hpack = new HpackDecoder();
  return (bytes, emit) =>
    splitter.push(bytes, (frame) =>
      assembler.push(parseFrame(frame), (f) => {
        if (f.type !== 'HEADER_BLOCK') return emit(f);
        const { block, ...rest } = f;
        const { fields, oversized } = hpack.decode(block);
        emit({ ...rest, type: 'FIELD_BLOCK', fields, oversized });
      }),
    );
}

/** One direction's encoding: decoded frames → bytes (field blocks HPACK-encoded). */
function encoder() {
  const hpack = new HpackEncoder();
  return (frames) =>
    encodeFrames(
      frames.map((f) => {
        if (f.type !== 'FIELD_BLOCK') return f;
        const { fields, oversized: _, ...rest } = f;
        return { ...rest, type: 'HEADER_BLOCK', block: hpack.encode(fields) };
      }),
    );
}

const written = [];
const server = new Connection(
  { role: 'server' },
  {
    frame: (f) => written.push(f),
    event: (e) => {
      if (e.kind !== 'requestReceived') return;
      server.respond(e.streamId, [
        { name: ':status', value: '200' },
        { name: 'content-type', value: 'text/plain' },
      ]);
      server.sendData(e.streamId, new TextEncoder().encode('hello without rxjs'), true);
    },
  },
);
server.start(0);

// The client's bytes: preface, SETTINGS, a GET on stream 1, and the ACK of the server's SETTINGS.
const clientOut = encoder();
const request = [
  { type: 'SETTINGS', streamId: 0, ack: false, settings: [] },
  {
    type: 'FIELD_BLOCK',
    kind: 'HEADERS',
    streamId: 1,
    endStream: true,
    priority: undefined,
    promisedStreamId: 0,
    oversized: false,
    fields: [
      { name: ':method', value: 'GET' },
      { name: ':scheme', value: 'http' },
      { name: ':authority', value: 'example.com' },
      { name: ':path', value: '/' },
    ],
  },
  { type: 'SETTINGS', streamId: 0, ack: true, settings: [] },
];
const encoded = clientOut(request);
const bytesIn = new Uint8Array(CONNECTION_PREFACE.length + encoded.length);
bytesIn.set(CONNECTION_PREFACE);
bytesIn.set(encoded, CONNECTION_PREFACE.length);

const serverIn = decoder(true);
serverIn(bytesIn, (f) => server.receive(f, 0));
server.flush(1 << 20);

const serverOut = encoder();
const bytesOut = serverOut(written.splice(0));
const seen = [];
let status;
let body = '';
decoder(false)(bytesOut, (f) => {
  seen.push(f.type === 'SETTINGS' && f.ack ? 'SETTINGS ACK' : f.type);
  if (f.type === 'FIELD_BLOCK' && f.streamId === 1)
    status = f.fields.find((h) => h.name === ':status')?.value;
  if (f.type === 'DATA' && f.streamId === 1) body += new TextDecoder().decode(f.data);
});

// The ./core of tubes loads too (h2-frames' splitter is built on it).
const splitterLoaded = typeof HeaderLengthSplitter === 'function';
// And the "." entries, which re-export the RxJS operators, do not: proof that rxjs is refused here.
const rootEntry = await import('@h2tubes/h2-frames').then(
  () => 'loaded',
  (e) => e.code,
);
console.log(JSON.stringify({ status, body, seen, splitterLoaded, rootEntry, bytesOut: bytesOut.length }));
