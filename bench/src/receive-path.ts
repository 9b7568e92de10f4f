/**
 * The receive path alone, in one process, without the kernel or a client competing for the two
 * cores: a scripted HTTP/2 client uploads MiB of 16 KiB DATA frames to `serverConnection` over an
 * in-memory Duplex, in fresh 64 KiB Buffers as socket reads arrive (so a frame straddles two of
 * them about once per read, as from curl), sending no more than the WINDOW_UPDATEs it reads allow.
 * Prints the process CPU time per upload (main thread and V8's helper threads), which is what the
 * curl-driven `bulk-upload` bench cannot isolate from curl's own CPU and the loopback's.
 *
 *   node bench/dist/receive-path.js [--mib=64] [--rounds=9] [--mode=chunks|reader|arrayBuffer]
 *
 * Modes: `chunks` counts `exchange.body.chunks` (the tube layer); `reader` reads the Fetch
 * Request's body with a ReadableStream reader and `arrayBuffer` calls `request.arrayBuffer()`, the
 * two ways a `serve()` handler reads an upload (`requestFromExchange` is what serve() uses).
 * No node:http2 row: node:http2 takes a generic Duplex only through a slower JS wrapper, so a
 * ratio would not be fair; use this to compare our own builds, `bulk-upload` for ratios. The
 * first rounds run cold (JIT, young generation sizing): compare the lower rounds.
 */
import { Duplex } from 'node:stream';
import { type ServerExchange, serverConnection } from '@h2tubes/h2-flow';
import { requestFromExchange } from '@h2tubes/web-adapter';
import { flag } from './bulk-download-util.js';

const FRAME_PAYLOAD = 16_384;
const READ_SIZE = 65_536;
const INITIAL_WINDOW = 65_535;

type Mode = 'chunks' | 'reader' | 'arrayBuffer';

/** A 9-octet frame header (RFC 9113 §4.1). */
function frameHeader(length: number, type: number, flags: number, streamId: number): Buffer {
  const h = Buffer.alloc(9);
  h.writeUIntBE(length, 0, 3);
  h[3] = type;
  h[4] = flags;
  h.writeUInt32BE(streamId, 5);
  return h;
}

/** HEADERS for `POST /upload` with its content-length, HPACK without Huffman or indexing (RFC 7541 §6.2.2). */
function requestHeaders(streamId: number, total: number): Buffer {
  const literal = (index: number, value: string) =>
    Buffer.concat([Buffer.from([index, value.length]), Buffer.from(value)]);
  // :method POST (static 3), :scheme http (6), :path / (4); :authority (1) and content-length (28) literal.
  const block = Buffer.concat([
    Buffer.from([0x83, 0x86, 0x84]),
    literal(0x01, 'bench.local'),
    Buffer.from([0x0f, 0x0d]),
    Buffer.from([String(total).length]),
    Buffer.from(String(total)),
  ]);
  return Buffer.concat([frameHeader(block.length, 0x1, 0x4, streamId), block]);
}

/** The client's bytes for one upload: HEADERS, then DATA frames, END_STREAM on the last. */
function uploadBytes(streamId: number, total: number): { bytes: Buffer; headLength: number } {
  const head = requestHeaders(streamId, total);
  const payload = Buffer.alloc(FRAME_PAYLOAD, 0x62);
  const parts: Buffer[] = [head];
  for (let sent = 0; sent < total; sent += FRAME_PAYLOAD) {
    const last = sent + FRAME_PAYLOAD >= total;
    parts.push(frameHeader(FRAME_PAYLOAD, 0x0, last ? 0x1 : 0x0, streamId), payload);
  }
  return { bytes: Buffer.concat(parts), headLength: head.length };
}

/** The client side: feeds bytes as reads, within the windows the server's WINDOW_UPDATEs open. */
class ScriptedClient {
  streamWindow = INITIAL_WINDOW;
  connectionWindow = INITIAL_WINDOW;
  private unparsed = Buffer.alloc(0);
  private wake: (() => void) | undefined;
  readonly socket: Duplex;

  constructor() {
    this.socket = new Duplex({
      read() {},
      write: (chunk: Buffer, _encoding, done) => {
        this.readServerFrames(chunk);
        done();
        this.wake?.();
      },
    });
  }

  /** Only what flow control needs: WINDOW_UPDATE increments; a connection error stops the run. */
  private readServerFrames(chunk: Buffer): void {
    const b = Buffer.concat([this.unparsed, chunk]);
    let p = 0;
    while (b.length - p >= 9) {
      const length = b.readUIntBE(p, 3);
      if (b.length - p < 9 + length) break;
      const type = b[p + 3];
      const streamId = b.readUInt32BE(p + 5) & 0x7fff_ffff;
      if (type === 0x8) {
        const increment = b.readUInt32BE(p + 9) & 0x7fff_ffff;
        if (streamId === 0) this.connectionWindow += increment;
        else this.streamWindow += increment;
      } else if (type === 0x7 && b.readUInt32BE(p + 13) !== 0) {
        // A GOAWAY with an error code means the script broke a rule; NO_ERROR is the final close.
        throw new Error(`server sent GOAWAY: ${b.subarray(p + 17, p + 9 + length).toString()}`);
      }
      p += 9 + length;
    }
    this.unparsed = b.subarray(p);
  }

  /** Preface, empty SETTINGS, and the ACK of the server's SETTINGS once it has sent them. */
  async open(): Promise<void> {
    this.socket.push(Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'));
    this.socket.push(frameHeader(0, 0x4, 0, 0));
    await new Promise(setImmediate);
    this.socket.push(frameHeader(0, 0x4, 0x1, 0));
  }

  /** Sends `bytes` as fresh reads of at most 64 KiB, never past the windows (RFC 9113 §6.9.1). */
  async upload(bytes: Buffer, headLength: number): Promise<void> {
    this.streamWindow = INITIAL_WINDOW;
    const dataBefore = (offset: number) =>
      (Math.max(0, offset - headLength) * FRAME_PAYLOAD) / (FRAME_PAYLOAD + 9);
    let offset = 0;
    while (offset < bytes.length) {
      const room = Math.min(this.streamWindow, this.connectionWindow) - 16;
      let end = Math.min(offset + READ_SIZE, bytes.length);
      if (dataBefore(end) - dataBefore(offset) > room) {
        if (room < 4096) {
          await new Promise<void>((resolve) => {
            this.wake = resolve;
            setImmediate(resolve);
          });
          this.wake = undefined;
          continue;
        }
        end = offset + Math.floor(room);
      }
      const data = dataBefore(end) - dataBefore(offset);
      this.streamWindow -= data;
      this.connectionWindow -= data;
      const read = Buffer.allocUnsafe(end - offset); // a socket read is a fresh buffer
      bytes.copy(read, 0, offset, end);
      this.socket.push(read);
      offset = end;
      if (offset % (4 * READ_SIZE) === 0) await new Promise(setImmediate);
    }
  }
}

/** Reads one exchange's body the way `mode` says; resolves with the octets read. */
async function readBody(exchange: ServerExchange, mode: Mode): Promise<number> {
  if (mode === 'chunks') {
    return new Promise((resolve, reject) => {
      let n = 0;
      exchange.body.chunks.subscribe({
        next: (c) => {
          n += c.byteLength;
        },
        error: reject,
        complete: () => resolve(n),
      });
    });
  }
  const request = requestFromExchange(exchange);
  if (mode === 'arrayBuffer') return (await request.arrayBuffer()).byteLength;
  const reader = (request.body as ReadableStream<Uint8Array>).getReader();
  let n = 0;
  for (let r = await reader.read(); !r.done; r = await reader.read()) n += r.value.byteLength;
  return n;
}

export async function run(
  mib = flag('mib', 64),
  rounds = flag('rounds', 9),
  mode: Mode = (process.argv.find((a) => a.startsWith('--mode='))?.slice(7) as Mode | undefined) ?? 'chunks',
): Promise<void> {
  const total = mib * 1024 * 1024;
  const client = new ScriptedClient();
  const served: ((n: number) => void)[] = [];
  const connection = serverConnection(client.socket).subscribe({
    next: (exchange) => {
      const done = served.shift();
      readBody(exchange, mode).then((n) => {
        exchange.respond(200, [], String(n));
        done?.(n);
      });
    },
    error: (e) => console.error('connection failed:', e),
  });
  await client.open();
  const cpuMs: number[] = [];
  for (let i = 0; i < rounds + 2; i++) {
    // The upload's bytes are made before the clock starts.
    const { bytes, headLength } = uploadBytes(2 * i + 1, total);
    const read = new Promise<number>((resolve) => served.push(resolve));
    const before = process.cpuUsage();
    await client.upload(bytes, headLength);
    const n = await read;
    const used = process.cpuUsage(before);
    if (n !== total) throw new Error(`read ${n} octets of ${total}`);
    if (i >= 2) cpuMs.push((used.user + used.system) / 1000); // two cold rounds not counted
  }
  connection.unsubscribe();
  const sorted = [...cpuMs].sort((a, b) => a - b);
  console.log(
    `receive path, ${mib} MiB of 16 KiB DATA, ${mode}: CPU ms per upload min ${sorted[0]?.toFixed(0)}, ` +
      `median ${sorted[sorted.length >> 1]?.toFixed(0)} [${cpuMs.map((c) => c.toFixed(0)).join(' ')}] ` +
      `(${(total / FRAME_PAYLOAD / (sorted[0] ?? Number.NaN)).toFixed(0)} k frames per CPU second at best)`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
