/**
 * True when a final response carries no content whatever its header fields say: the response to
 * a HEAD request (RFC 9110 §9.3.2), 204 No Content (§15.3.5) and 304 Not Modified (§15.4.5);
 * RFC 9110 §6.4.1. In HTTP/2 its header section ends the stream, and DATA with content on it is
 * malformed (RFC 9113 §8.1.1). The core applies it to responses both ways; a layer that builds
 * responses asks it too, so the rule is written once.
 *
 * @example
 * responseHasNoContent('HEAD', 200); // true
 * responseHasNoContent('GET', 304);  // true
 * responseHasNoContent('GET', 200);  // false
 */
export function responseHasNoContent(method: string, status: number): boolean {
  return method === 'HEAD' || status === 204 || status === 304;
}
