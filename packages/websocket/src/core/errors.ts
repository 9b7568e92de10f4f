/**
 * Why the connection must fail (RFC 6455 §7.1.7), with the status code to send (§7.4.1).
 * Thrown inside the core and turned into a Close frame plus a closed transport; never seen by
 * callers of `receive`.
 */
export class WebSocketProtocolError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'WebSocketProtocolError';
  }
}

/** The application used the API wrongly (sending after close, an invalid close code, ...). */
export class WebSocketUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebSocketUsageError';
  }
}
