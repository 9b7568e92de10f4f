import type { ServerWebSocket } from './server-websocket.js';

/**
 * The WebSockets one server has open, so that its shutdown can close each with 1001 Going Away
 * (RFC 6455 §7.4.1: "an endpoint is going away, such as a server going down"). A set rather than
 * one AbortSignal listener per socket: tens of thousands of idle sockets cost a set entry each,
 * and removing one on close stays O(1).
 */
export class OpenWebSockets {
  private readonly sockets = new Set<ServerWebSocket>();
  private goingAway = false;

  /** A socket that is starting; once the server shuts down, a new one goes away as soon as it opens. */
  track(socket: ServerWebSocket): void {
    if (this.goingAway) {
      socket.goAway();
      return;
    }
    this.sockets.add(socket);
    socket.trackIn(this);
  }

  /** A tracked socket closed (internal: called by the socket). */
  forget(socket: ServerWebSocket): void {
    this.sockets.delete(socket);
  }

  /** The server is shutting down: every socket starts its close handshake with 1001. */
  goAway(): void {
    this.goingAway = true;
    for (const socket of this.sockets) socket.goAway();
  }

  get size(): number {
    return this.sockets.size;
  }
}
