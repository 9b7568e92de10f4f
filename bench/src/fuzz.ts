/**
 * Long fuzz, beyond the fast-check runs of CI: seeded, reproducible inputs through
 *   1. bytes → Connection: FrameSplitter → parseFrame → FieldBlockAssembler → HpackDecoder →
 *      Connection.receive, the server role, as the h2-flow tests and ConnectionStage drive the core;
 *   2. the HPACK decoder alone (random and mutated blocks on one decoding context), plus a
 *      differential check: what HpackEncoder writes, HpackDecoder reads back unchanged.
 * The expected failure is an H2ProtocolError (the peer broke a rule: GOAWAY / RST_STREAM);
 * anything else thrown — a TypeError, a RangeError, a throw out of Connection.receive, which
 * must answer on the wire instead — is a finding: printed with its seed, index and input (hex),
 * and the exit code is 1. Input i depends only on (seed, i): `--replay i` runs that one again.
 *
 *   npm run fuzz                                   (1 000 000 inputs per target, random seed)
 *   npm run fuzz -- --inputs 100000 --seed 1234   (or --inputs=100000 --seed=1234)
 *   npm run fuzz -- --seed 1234 --replay 5678      (one input, verbose)
 */

import { Connection, type ConnectionEvent } from '@h2tubes/h2-flow';
import {
  type AssembledFrame,
  CONNECTION_PREFACE,
  type DecodedFrame,
  decodeFieldBlock,
  FieldBlockAssembler,
  FrameSplitter,
  H2ProtocolError,
  H2UsageError,
  type HeaderField,
  HpackDecoder,
  HpackEncoder,
  parseFrame,
} from '@h2tubes/h2-frames';

// ───────────────────────────── seeded randomness ─────────────────────────────

/** splitmix32-seeded xorshift: one independent stream per (seed, index). */
export function rngFor(seed: number, index: number): Rng {
  let z = (seed ^ Math.imul(index + 1, 0x9e3779b9)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  let x = (z ^ (z >>> 16)) >>> 0 || 1;
  const next = (): number => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
  return {
    int: (n) => next() % n,
    chance: (p) => next() / 0x1_0000_0000 < p,
    pick: <T>(xs: readonly T[]) => xs[next() % xs.length] as T,
    bytes: (n) => {
      const b = new Uint8Array(n);
      for (let i = 0; i < n; i++) b[i] = next() & 0xff;
      return b;
    },
  };
}

export interface Rng {
  int(n: number): number;
  chance(p: number): boolean;
  pick<T>(xs: readonly T[]): T;
  bytes(n: number): Uint8Array;
}

// ───────────────────────────── input generation ─────────────────────────────

const NAMES = [
  ':method',
  ':path',
  ':scheme',
  ':authority',
  ':status',
  ':protocol',
  'content-length',
  'te',
  'connection',
  'host',
  'cookie',
  'x-a',
  'X-Upper',
  'content-type',
  '',
  'a b',
  'priority',
];
const VALUES = [
  'GET',
  'POST',
  'CONNECT',
  '/',
  '*',
  'https',
  'http',
  'example.com',
  '0',
  '10',
  'trailers',
  'u=3, i',
  ' x',
  'a\r\nb',
  '',
  'keep-alive',
  '-1',
];

function fields(r: Rng): HeaderField[] {
  const out: HeaderField[] = [];
  if (r.chance(0.7)) {
    out.push(
      { name: ':method', value: r.pick(['GET', 'POST', 'HEAD', 'CONNECT', 'get']) },
      { name: ':scheme', value: 'https' },
      { name: ':authority', value: 'example.com' },
      { name: ':path', value: r.pick(['/', '/a?b', '', '*']) },
    );
  }
  for (let i = r.int(6); i > 0; i--) {
    const value = r.chance(0.1) ? 'v'.repeat(r.int(5000)) : r.pick(VALUES);
    out.push({ name: r.pick(NAMES), value });
  }
  return out;
}

function frame(
  type: number,
  flags: number,
  streamId: number,
  payload: Uint8Array,
  lengthDelta = 0,
): Uint8Array {
  const out = new Uint8Array(9 + payload.length);
  const length = Math.max(0, Math.min(0xffffff, payload.length + lengthDelta));
  out[0] = length >>> 16;
  out[1] = (length >>> 8) & 0xff;
  out[2] = length & 0xff;
  out[3] = type;
  out[4] = flags;
  new DataView(out.buffer).setUint32(5, streamId >>> 0);
  out.set(payload, 9);
  return out;
}

const u32 = (...xs: number[]): Uint8Array => {
  const b = new Uint8Array(xs.length * 4);
  const v = new DataView(b.buffer);
  for (const [i, x] of xs.entries()) v.setUint32(i * 4, x >>> 0);
  return b;
};
const EDGE = [
  0, 1, 2, 100, 16_383, 16_384, 65_535, 65_536, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff, 16_777_215, 16_777_216,
];

function settingsPayload(r: Rng): Uint8Array {
  const n = r.int(5);
  const b = new Uint8Array(n * 6 + (r.chance(0.05) ? 1 : 0));
  const v = new DataView(b.buffer);
  for (let i = 0; i < n; i++) {
    v.setUint16(i * 6, r.chance(0.8) ? 1 + r.int(8) : r.int(0x10000));
    v.setUint32(i * 6 + 2, r.chance(0.6) ? r.pick(EDGE) : r.int(0x1_0000_0000) >>> 0);
  }
  return b;
}

function streamId(r: Rng): number {
  if (r.chance(0.8)) return r.pick([0, 1, 1, 3, 3, 5, 7, 2, 9, 11]);
  return r.chance(0.5) ? r.int(0x8000_0000) : r.int(0x1_0000_0000) >>> 0;
}

/** One conversation: preface, SETTINGS, then frames — mostly well formed, some not. */
function conversation(r: Rng, encoder: HpackEncoder): Uint8Array {
  const parts: Uint8Array[] = [];
  const preface = CONNECTION_PREFACE.slice();
  if (r.chance(0.02)) preface[r.int(preface.length)] ^= 1 << r.int(8);
  parts.push(preface);
  if (r.chance(0.9)) parts.push(frame(4, 0, 0, r.chance(0.7) ? new Uint8Array(0) : settingsPayload(r)));
  // A "clean" conversation keeps to odd, increasing stream ids and exact lengths, so that it gets
  // past the first checks and into stream states, flow control and the answers.
  const clean = r.chance(0.4);
  let lastOdd = 1;
  for (let k = 1 + r.int(12); k > 0; k--) {
    if (clean && r.chance(0.4)) lastOdd += 2;
    const sid = clean ? lastOdd : streamId(r);
    const delta = !clean && r.chance(0.03) ? r.int(9) - 4 : 0;
    switch (clean ? r.pick([0, 1, 1, 2, 2, 3, 4, 5, 6, 8, 8, 10]) : r.int(12)) {
      case 0:
      case 1: {
        // HEADERS (maybe padded / with priority / split into CONTINUATIONs)
        const block = encoder.encode(fields(r));
        const flagsEnd = r.chance(0.5) ? 1 : 0;
        const split = r.chance(0.2) ? r.int(block.length + 1) : block.length;
        let payload = block.subarray(0, split);
        let flags = flagsEnd | (split === block.length ? 4 : 0);
        if (r.chance(0.1)) {
          const pad = r.int(20);
          payload = concat([Uint8Array.of(pad), payload, new Uint8Array(r.chance(0.9) ? pad : r.int(3))]);
          flags |= 0x8;
        }
        if (r.chance(0.1)) {
          payload = concat([u32(r.chance(0.5) ? sid : r.int(20)), Uint8Array.of(r.int(256)), payload]);
          flags |= 0x20;
        }
        parts.push(frame(1, flags, sid, payload, delta));
        if (split < block.length) {
          const cid = r.chance(0.9) ? sid : streamId(r);
          if (r.chance(0.1)) parts.push(frame(6, 0, 0, new Uint8Array(8))); // a PING inside the block
          parts.push(frame(9, r.chance(0.9) ? 4 : 0, cid, block.subarray(split)));
        }
        break;
      }
      case 2: {
        // DATA, sometimes padded, sometimes over the window
        const n = r.chance(0.02) ? 16_384 : r.int(2000);
        let payload = r.bytes(n);
        let flags = r.chance(0.4) ? 1 : 0;
        if (r.chance(0.1)) {
          const pad = r.int(255);
          payload = concat([Uint8Array.of(pad), payload, new Uint8Array(r.chance(0.9) ? pad : 0)]);
          flags |= 0x8;
        }
        parts.push(frame(0, flags, sid, payload, delta));
        break;
      }
      case 3:
        parts.push(
          frame(
            2,
            0,
            sid,
            r.chance(0.9) ? concat([u32(r.int(12)), Uint8Array.of(r.int(256))]) : r.bytes(r.int(8)),
            delta,
          ),
        );
        break;
      case 4:
        parts.push(frame(3, 0, sid, r.chance(0.9) ? u32(r.int(16)) : r.bytes(r.int(8)), delta));
        break;
      case 5:
        parts.push(frame(4, r.chance(0.2) ? 1 : 0, r.chance(0.9) ? 0 : sid, settingsPayload(r), delta));
        break;
      case 6:
        parts.push(
          frame(
            6,
            r.chance(0.2) ? 1 : 0,
            r.chance(0.9) ? 0 : sid,
            r.bytes(r.chance(0.9) ? 8 : r.int(12)),
            delta,
          ),
        );
        break;
      case 7:
        parts.push(
          frame(
            7,
            0,
            r.chance(0.9) ? 0 : sid,
            concat([u32(r.int(20), r.int(16)), r.bytes(r.int(10))]),
            delta,
          ),
        );
        break;
      case 8:
        parts.push(
          frame(
            8,
            0,
            sid,
            r.chance(0.9) ? u32(r.chance(0.5) ? r.pick(EDGE) : r.int(100_000)) : r.bytes(r.int(6)),
            delta,
          ),
        );
        break;
      case 9:
        parts.push(frame(5, 4, sid, concat([u32(r.int(10)), encoder.encode(fields(r))]), delta)); // PUSH_PROMISE from a client
        break;
      case 10: {
        const value = new TextEncoder().encode(r.pick(['u=1', 'u=9', 'i', 'garbage', '']));
        parts.push(frame(0x10, 0, r.chance(0.9) ? 0 : sid, concat([u32(r.int(12)), value]), delta));
        break;
      }
      default:
        parts.push(frame(r.pick([0x9, 0xa, 0xfa, 0xff]), r.int(256), sid, r.bytes(r.int(40)), delta));
    }
  }
  let bytes = concat(parts);
  if (!clean && r.chance(0.25)) bytes = mutate(r, bytes);
  return bytes;
}

/** Bit flips, overwrites, insertions, deletions, truncation. */
function mutate(r: Rng, input: Uint8Array): Uint8Array {
  const b = Array.from(input);
  for (let m = 1 + r.int(4); m > 0 && b.length > 0; m--) {
    const at = r.int(b.length);
    switch (r.int(5)) {
      case 0:
        b[at] = (b[at] as number) ^ (1 << r.int(8));
        break;
      case 1:
        b[at] = r.pick([0, 0xff, 0x7f, 0x80, r.int(256)]);
        break;
      case 2:
        b.splice(at, 0, ...r.bytes(1 + r.int(8)));
        break;
      case 3:
        b.splice(at, 1 + r.int(8));
        break;
      default:
        b.length = at;
    }
  }
  return Uint8Array.from(b);
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

// ───────────────────────────── target 1: bytes → Connection ─────────────────────────────

export type Outcome = 'accepted' | `protocol:${string}`;

/**
 * Feeds `input` (cut into chunks by `r`) through the inbound chain of a server connection and an
 * application that answers every request. Returns how it ended; throws only on a finding.
 */
export function runConnection(input: Uint8Array, r: Rng): Outcome {
  let now = 0;
  const events: ConnectionEvent[] = [];
  const conn = new Connection({ role: 'server' }, { frame: () => {}, event: (e) => events.push(e) });
  conn.start(now);
  const splitter = new FrameSplitter({ expectPreface: true });
  const assembler = new FieldBlockAssembler();
  const decoder = new HpackDecoder({ maxHeaderListSize: 65_536 });
  const receive = (f: DecodedFrame): void => {
    conn.receive(f, now); // must never throw for bad input
    application(conn, events, r);
    conn.flush(65_536);
    conn.flushed();
    if (r.chance(0.05)) {
      now += r.int(20_000);
      conn.tick(now);
    }
  };
  const onAssembled = (f: AssembledFrame): void => receive(decodeFieldBlock(decoder, f));
  const onFrame = (bytes: Uint8Array): void => {
    let parsed: ReturnType<typeof parseFrame>;
    try {
      parsed = parseFrame(bytes);
    } catch (e) {
      // RFC 9113 §6.3: the one structural stream error resets that stream (as ConnectionStage does).
      if (!H2ProtocolError.is(e) || e.scope !== 'stream') throw e;
      try {
        conn.resetStream(e.streamId, e.code);
      } catch (misuse) {
        if (!(misuse instanceof H2UsageError)) throw misuse;
      }
      return;
    }
    assembler.push(parsed, onAssembled);
  };
  try {
    let at = 0;
    while (at < input.length) {
      const n = r.chance(0.5) ? input.length - at : 1 + r.int(Math.max(1, input.length - at));
      splitter.push(input.subarray(at, at + n), onFrame);
      at += n;
    }
    splitter.end();
  } catch (e) {
    if (!H2ProtocolError.is(e)) throw e;
    // A fault the codec found: GOAWAY with its code, as ConnectionStage answers (must not throw).
    if (!conn.isClosed) conn.goaway(now, { code: e.code, immediate: true });
    return `protocol:${e.code}`;
  }
  return conn.isClosed ? 'protocol:closed-by-core' : 'accepted';
}

/** Answers requests (sometimes with a body, sometimes a reset), returns credit of received DATA. */
function application(conn: Connection, events: ConnectionEvent[], r: Rng): void {
  for (const e of events.splice(0)) {
    if (e.kind === 'requestReceived') {
      // HEAD has no response content (RFC 9110 §9.3.2): the core refuses DATA for it.
      const choice = e.head.method === 'HEAD' ? r.pick([0, 2, 3]) : r.int(4);
      if (choice === 0) conn.respond(e.streamId, [{ name: ':status', value: '204' }], { endStream: true });
      else if (choice === 1) {
        if (conn.respond(e.streamId, [{ name: ':status', value: '200' }]))
          conn.sendData(e.streamId, new Uint8Array(r.int(20_000)), true);
      } else if (choice === 2) conn.resetStream(e.streamId, 'INTERNAL_ERROR');
    } else if (e.kind === 'dataReceived' && e.data.length > 0 && r.chance(0.8)) {
      conn.consume(e.streamId, e.data.length);
    }
  }
}

// ───────────────────────────── target 2: the HPACK decoder ─────────────────────────────

/** Decodes 1–4 blocks (random, mutated valid, or valid) on one context; round-trips valid ones. */
export function runHpack(r: Rng, log?: (block: Uint8Array) => void): Outcome {
  const encoder = new HpackEncoder();
  const decoder = new HpackDecoder({ maxHeaderListSize: r.chance(0.2) ? 100 : 65_536 });
  for (let k = 1 + r.int(4); k > 0; k--) {
    const kind = r.int(3);
    const original = fields(r);
    const valid = encoder.encode(original);
    const block = kind === 0 ? r.bytes(r.int(64)) : kind === 1 ? mutate(r, valid) : valid;
    log?.(block);
    let decoded: HeaderField[];
    let oversized: boolean;
    try {
      ({ fields: decoded, oversized } = decoder.decode(block));
    } catch (e) {
      if (!H2ProtocolError.is(e)) throw e;
      return `protocol:${e.code}`;
    }
    if (kind === 2 && !oversized) {
      const same =
        decoded.length === original.length &&
        decoded.every((f, i) => f.name === original[i]?.name && f.value === original[i]?.value);
      if (!same)
        throw new Error(`HPACK round trip differs: ${JSON.stringify(original)} → ${JSON.stringify(decoded)}`);
    }
    if (kind !== 2) return 'accepted'; // the encoder's context no longer matches the decoder's
  }
  return 'accepted';
}

// ───────────────────────────── the run ─────────────────────────────

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function main(): void {
  const args = process.argv.slice(2);
  // `--name value` or `--name=value`, as the other benches take them.
  const arg = (name: string): string | undefined => {
    const joined = args.find((a) => a.startsWith(`--${name}=`));
    if (joined !== undefined) return joined.slice(name.length + 3);
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const seed = Number(arg('seed') ?? Math.floor(Math.random() * 2 ** 31)) >>> 0;
  const inputs = Number(arg('inputs') ?? 1_000_000);
  if (!Number.isSafeInteger(inputs) || inputs < 1) throw new Error(`--inputs must be a positive integer`);
  const replay = arg('replay');
  console.log(`fuzz seed ${seed} (rerun: npm run fuzz -- --seed ${seed} --inputs ${inputs})`);
  const encoderFor = (): HpackEncoder => new HpackEncoder();

  if (replay !== undefined) {
    const i = Number(replay);
    const r = rngFor(seed, i);
    const input = conversation(r, encoderFor());
    console.log(`connection input #${i} (${input.length} octets): ${hex(input)}`);
    console.log(`  → ${runConnection(input, r)}`);
    const blocks: string[] = [];
    console.log(
      `  hpack #${i} → ${runHpack(rngFor(seed ^ 0x5a5a5a5a, i), (b) => blocks.push(hex(b)))}; blocks ${blocks.join(' ')}`,
    );
    return;
  }

  let findings = 0;
  for (const target of ['connection', 'hpack'] as const) {
    const outcomes = new Map<string, number>();
    const started = performance.now();
    for (let i = 0; i < inputs; i++) {
      const r = target === 'connection' ? rngFor(seed, i) : rngFor(seed ^ 0x5a5a5a5a, i);
      let input: Uint8Array | undefined;
      try {
        let outcome: Outcome;
        if (target === 'connection') {
          input = conversation(r, encoderFor());
          outcome = runConnection(input, r);
        } else outcome = runHpack(r);
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      } catch (e) {
        findings++;
        console.log(`FINDING ${target} seed ${seed} index ${i}: ${(e as Error).stack ?? String(e)}`);
        if (input !== undefined) console.log(`  input (${input.length} octets): ${hex(input)}`);
        console.log(`  replay: npm run fuzz -- --seed ${seed} --replay ${i}`);
        if (findings >= 20) break;
      }
      if ((i + 1) % 250_000 === 0)
        console.log(`  ${target}: ${i + 1} inputs, ${((performance.now() - started) / 1000).toFixed(0)} s`);
    }
    const secs = (performance.now() - started) / 1000;
    const summary = [...outcomes]
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    console.log(`${target}: ${inputs} inputs in ${secs.toFixed(1)} s — ${summary}`);
  }
  console.log(findings === 0 ? 'no findings' : `${findings} finding(s)`);
  process.exitCode = findings === 0 ? 0 : 1;
}

if (process.argv[1]?.endsWith('fuzz.js')) main();
