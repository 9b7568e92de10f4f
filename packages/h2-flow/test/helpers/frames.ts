import type { DecodedFrame, ErrorCode, FieldBlock, HeaderField, PrioritySpec } from '@h2tubes/h2-frames';
import { Connection, type ConnectionEvent, type ConnectionOptions } from '../../src/index.js';

/** A header-section builder: `frames.headers(1).request('GET', '/').endStream().build()`. */
export class HeadersBuilder {
  private fields: HeaderField[] = [];
  private end = false;
  private over = false;
  private prio: PrioritySpec | undefined;
  private kind: 'HEADERS' | 'PUSH_PROMISE' = 'HEADERS';
  constructor(private readonly streamId: number) {}
  request(method: string, path: string, extra: Record<string, string> = {}): this {
    this.fields.push(
      { name: ':method', value: method },
      { name: ':scheme', value: 'https' },
      { name: ':authority', value: 'example.com' },
      { name: ':path', value: path },
    );
    return this.add(extra);
  }
  response(status: number, extra: Record<string, string> = {}): this {
    this.fields.push({ name: ':status', value: String(status) });
    return this.add(extra);
  }
  add(extra: Record<string, string>): this {
    for (const [name, value] of Object.entries(extra)) this.fields.push({ name, value });
    return this;
  }
  raw(fields: HeaderField[]): this {
    this.fields.push(...fields);
    return this;
  }
  endStream(): this {
    this.end = true;
    return this;
  }
  oversized(): this {
    this.over = true;
    return this;
  }
  dependsOn(dependency: number): this {
    this.prio = { exclusive: false, dependency, weight: 16 };
    return this;
  }
  pushPromise(): this {
    this.kind = 'PUSH_PROMISE';
    return this;
  }
  build(): FieldBlock {
    return {
      type: 'FIELD_BLOCK',
      kind: this.kind,
      streamId: this.streamId,
      endStream: this.end,
      priority: this.prio,
      promisedStreamId: this.kind === 'PUSH_PROMISE' ? 2 : 0,
      fields: this.fields,
      oversized: this.over,
    };
  }
}

export type FrameLike = DecodedFrame | { build(): DecodedFrame };

/** Frame factories for scripted peers. */
export const frames = {
  headers: (streamId: number) => new HeadersBuilder(streamId),
  data: (
    streamId: number,
    payload: Uint8Array | number,
    o: { endStream?: boolean; padLength?: number } = {},
  ): DecodedFrame => ({
    type: 'DATA',
    streamId,
    endStream: o.endStream ?? false,
    data: typeof payload === 'number' ? new Uint8Array(payload) : payload,
    padLength: o.padLength,
  }),
  settings: (entries: Record<number, number> = {}): DecodedFrame => ({
    type: 'SETTINGS',
    streamId: 0,
    ack: false,
    settings: Object.entries(entries).map(([id, value]) => ({ id: Number(id), value })),
  }),
  settingsAck: (): DecodedFrame => ({ type: 'SETTINGS', streamId: 0, ack: true, settings: [] }),
  ping: (data: Uint8Array = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]), ack = false): DecodedFrame => ({
    type: 'PING',
    streamId: 0,
    ack,
    opaqueData: data,
  }),
  goaway: (lastStreamId: number, errorCode: ErrorCode = 'NO_ERROR'): DecodedFrame => ({
    type: 'GOAWAY',
    streamId: 0,
    lastStreamId,
    errorCode,
    debugData: new Uint8Array(0),
  }),
  rst: (streamId: number, errorCode: ErrorCode = 'CANCEL'): DecodedFrame => ({
    type: 'RST_STREAM',
    streamId,
    errorCode,
  }),
  windowUpdate: (streamId: number, windowSizeIncrement: number): DecodedFrame => ({
    type: 'WINDOW_UPDATE',
    streamId,
    windowSizeIncrement,
  }),
  priority: (streamId: number, dependency: number): DecodedFrame => ({
    type: 'PRIORITY',
    streamId,
    priority: { exclusive: false, dependency, weight: 16 },
  }),
  priorityUpdate: (prioritizedStreamId: number, priorityFieldValue: string): DecodedFrame => ({
    type: 'PRIORITY_UPDATE',
    streamId: 0,
    prioritizedStreamId,
    priorityFieldValue,
  }),
  unknown: (): DecodedFrame => ({
    type: 'UNKNOWN',
    typeCode: 0xfa,
    flags: 0,
    streamId: 0,
    payload: new Uint8Array(3),
  }),
};

export const SETTINGS = {
  HEADER_TABLE_SIZE: 1,
  ENABLE_PUSH: 2,
  MAX_CONCURRENT_STREAMS: 3,
  INITIAL_WINDOW_SIZE: 4,
  MAX_FRAME_SIZE: 5,
  MAX_HEADER_LIST_SIZE: 6,
  ENABLE_CONNECT_PROTOCOL: 8,
} as const;

/**
 * A Connection driven by a scripted peer: every frame the core writes and every event it emits is
 * recorded; `take()`/`events()` return and clear them.
 */
export class Harness {
  readonly conn: Connection;
  private written: DecodedFrame[] = [];
  private emitted: ConnectionEvent[] = [];
  now = 0;
  onEvent: ((e: ConnectionEvent, c: Connection) => void) | undefined;

  constructor(options: ConnectionOptions) {
    this.conn = new Connection(options, {
      frame: (f) => this.written.push(f),
      event: (e) => {
        this.emitted.push(e);
        this.onEvent?.(e, this.conn);
      },
    });
  }

  /** start + the peer's SETTINGS + the ACK of ours, then clears the logs. */
  static ready(options: ConnectionOptions, peerSettings: Record<number, number> = {}): Harness {
    const h = new Harness(options);
    h.conn.start(0);
    h.send(frames.settings(peerSettings), frames.settingsAck());
    h.take();
    h.events();
    return h;
  }

  send(...fs: FrameLike[]): this {
    for (const f of fs) this.conn.receive('build' in f ? f.build() : f, this.now);
    return this;
  }

  take(): DecodedFrame[] {
    const w = this.written;
    this.written = [];
    return w;
  }

  events(): ConnectionEvent[] {
    const e = this.emitted;
    this.emitted = [];
    return e;
  }

  /** Events of one kind, narrowed. */
  eventsOf<K extends ConnectionEvent['kind']>(kind: K): Extract<ConnectionEvent, { kind: K }>[] {
    return this.events().filter((e): e is Extract<ConnectionEvent, { kind: K }> => e.kind === kind);
  }

  /** The one GOAWAY written, or undefined. */
  goaway(frames: DecodedFrame[] = this.take()): { lastStreamId: number; errorCode: ErrorCode } | undefined {
    const g = frames.find((f) => f.type === 'GOAWAY');
    return g === undefined ? undefined : { lastStreamId: g.lastStreamId, errorCode: g.errorCode };
  }
}

/** A well-formed request header list. */
export const GET = (path = '/'): HeaderField[] => [
  { name: ':method', value: 'GET' },
  { name: ':scheme', value: 'https' },
  { name: ':authority', value: 'example.com' },
  { name: ':path', value: path },
];

export const status = (code: number, extra: HeaderField[] = []): HeaderField[] => [
  { name: ':status', value: String(code) },
  ...extra,
];

/** Compact view of written frames for exact assertions. */
export function summary(fs: DecodedFrame[]): string[] {
  return fs.map((f) => {
    switch (f.type) {
      case 'DATA':
        return `DATA ${f.streamId} ${f.data.length}${f.endStream ? ' ES' : ''}`;
      case 'FIELD_BLOCK':
        return `HEADERS ${f.streamId}${f.endStream ? ' ES' : ''}`;
      case 'RST_STREAM':
        return `RST_STREAM ${f.streamId} ${String(f.errorCode)}`;
      case 'WINDOW_UPDATE':
        return `WINDOW_UPDATE ${f.streamId} ${f.windowSizeIncrement}`;
      case 'GOAWAY':
        return `GOAWAY ${f.lastStreamId} ${String(f.errorCode)}`;
      case 'SETTINGS':
        return f.ack ? 'SETTINGS ACK' : `SETTINGS ${f.settings.map((s) => `${s.id}=${s.value}`).join(',')}`;
      case 'PING':
        return f.ack ? 'PING ACK' : 'PING';
      default:
        return f.type;
    }
  });
}
