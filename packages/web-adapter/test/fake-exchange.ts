import { type BodySource, type FieldList, type ServerExchange, StreamBody } from '@h2tubes/h2-flow';
import type { HeaderField } from '@h2tubes/h2-frames';
import { Subject } from 'rxjs';

/** What a fake exchange recorded of the adapter's answer. */
export interface Recorded {
  status: number;
  fields: FieldList;
  body: BodySource | undefined;
  trailers: Promise<FieldList> | FieldList | undefined;
}

/** A scripted ServerExchange: push body chunks by hand, read what the adapter answered and acked. */
export class FakeExchange implements ServerExchange {
  readonly streamId = 1;
  readonly fields: FieldList;
  readonly protocol = undefined;
  readonly authority: string | undefined;
  readonly chunks = new Subject<Uint8Array>();
  /** The real received body, fed from `chunks`; the credit it returns is summed in `acked`. */
  readonly body = new StreamBody(1, {
    consume: (_id, n) => {
      this.acked += n;
    },
  });
  readonly abort = new AbortController();
  readonly signal = this.abort.signal;
  acked = 0;
  informational: { status: number; fields: FieldList }[] = [];
  resets: unknown[] = [];
  readonly response: Promise<Recorded>;
  readonly trailers: Promise<FieldList>;
  private resolveTrailers!: (t: FieldList) => void;
  private answer!: (r: Recorded) => void;

  constructor(
    readonly method: string,
    readonly path: string,
    extra: HeaderField[] = [],
    readonly scheme = 'https',
    authority: string | null = 'example.test',
  ) {
    this.authority = authority ?? undefined;
    this.chunks.subscribe({
      next: (c) => this.body.push(c),
      error: (e: unknown) => this.body.fail(e),
      complete: () => this.body.end(),
    });
    this.fields = [
      { name: ':method', value: method },
      { name: ':scheme', value: scheme },
      ...(authority === null ? [] : [{ name: ':authority', value: authority }]),
      { name: ':path', value: path },
      ...extra,
    ];
    this.response = new Promise((resolve) => {
      this.answer = resolve;
    });
    this.trailers = new Promise((resolve) => {
      this.resolveTrailers = resolve;
    });
  }

  endBody(trailers: FieldList = []): void {
    this.chunks.complete();
    this.resolveTrailers(trailers);
  }

  sendInformational(status: number, fields: FieldList = []): void {
    this.informational.push({ status, fields });
  }

  respond(
    status: number,
    fields: FieldList,
    body?: BodySource,
    trailers?: Promise<FieldList> | FieldList,
  ): void {
    this.answer({ status, fields, body, trailers });
  }

  reset(code?: unknown): void {
    this.resets.push(code ?? 'CANCEL');
  }

  exemptBodyTimeouts(): void {
    this.exempted = true;
  }

  /** Whether the adapter exempted this request's body from the connection's body timeouts. */
  exempted = false;
}

/** Reads a recorded body source (as the adapter produces: string or ReadableStream) to text. */
export async function bodyText(body: BodySource | undefined): Promise<string> {
  if (body === undefined) return '';
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return new TextDecoder().decode(body);
  return new Response(body as ReadableStream<Uint8Array>).text();
}

/** Lets pending microtasks and I/O callbacks run. */
export const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

export const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
