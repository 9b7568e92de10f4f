import { type FieldList, H2UsageError, headerListSize, parseResponseHead } from '@h2tubes/h2-frames/core';
import type { Closing } from './closing.js';
import type { Role } from './options.js';
import type { SettingsValues } from './settings.js';
import type { H2Stream } from './stream.js';
import type { StreamRegistry } from './stream-registry.js';

/**
 * The rules the application's calls must follow, each broken one an `H2UsageError` (a bug in the
 * caller, never the peer's doing): the role a method is for, a stream in the right message phase,
 * well-formed header sections. A stream that existed and is gone is not misuse (the peer may
 * have reset it): the call returns false instead.
 */
export class UsageChecks {
  constructor(
    private readonly role: Role,
    private readonly registry: StreamRegistry,
    private readonly closing: Closing,
    /** The peer's settings in force (read when checked: they change). */
    private readonly settings: { readonly peer: SettingsValues },
  ) {}

  /** Server: a live stream still waiting for its final response, or undefined when gone. */
  serverStream(streamId: number, what: string): H2Stream | undefined {
    if (this.role !== 'server') throw new H2UsageError(`${what}() is for the server role`);
    const s = this.registry.get(streamId);
    if (s === undefined) {
      this.knownGone(streamId, what);
      return undefined;
    }
    if (s.outPhase !== 'head')
      throw new H2UsageError(`${what}(): stream ${streamId} already has its final response`);
    return s;
  }

  /** A live stream whose outbound body is open, or undefined when gone. */
  bodyStream(streamId: number, what: string): H2Stream | undefined {
    const s = this.registry.get(streamId);
    if (s === undefined) {
      this.knownGone(streamId, what);
      return undefined;
    }
    if (s.outPhase !== 'body') {
      throw new H2UsageError(
        `${what}(): stream ${streamId} ${s.outPhase === 'head' ? 'has no final header section yet' : 'already ended'}`,
      );
    }
    return s;
  }

  /** A stream id the application names that is not live: false if it existed, else misuse. */
  knownGone(streamId: number, what: string): false {
    if (this.closing.isClosed || this.registry.wasOpened(streamId)) return false;
    throw new H2UsageError(`${what}(): unknown stream ${streamId}`);
  }

  /** The status of a well-formed response header section. */
  responseStatus(fields: FieldList): number {
    const head = parseResponseHead(fields);
    if (typeof head === 'string') throw new H2UsageError(`malformed response: ${head}`);
    this.outboundSize(fields);
    return head.status;
  }

  /**
   * The peer's SETTINGS_MAX_HEADER_LIST_SIZE is advisory (RFC 9113 §6.5.2). A client checks its
   * request against the server's value before anything is sent (the request fails locally, as Go's
   * client does). A server sends its response anyway, as nghttp2, nginx, Envoy and Netty do: a
   * client announcing a tiny value (even 0) must not be able to make responses fail or throw
   * into the application; a client that cannot take the fields discards the response (§10.5.1).
   */
  outboundSize(fields: FieldList): void {
    if (this.role === 'server') return;
    const size = headerListSize(fields);
    const max = this.settings.peer.maxHeaderListSize;
    if (size > max) {
      throw new H2UsageError(
        `header list of ${size} octets is over the peer's SETTINGS_MAX_HEADER_LIST_SIZE ${max}`,
      );
    }
  }
}
