import type { ServerAddress } from '../server-lifecycle.js';

/**
 * What the CLI prints once listening: each URL with what it speaks, and a curl line per URL
 * that can be pasted as it is. `cacert` is the certificate curl must trust for the TLS URL (the
 * development one, or a self-signed one given with --cert); a wildcard interface is shown as
 * the loopback address, which the development certificate covers and curl can reach.
 *
 * @example
 * for (const line of bannerLines('./app.js', server.addresses, cert.certPath)) console.log(line);
 */
export function bannerLines(
  module: string,
  addresses: readonly ServerAddress[],
  cacert: string | undefined,
): string[] {
  const lines = [`h2tubes: serving ${module}`];
  for (const a of addresses)
    lines.push(
      `  ${a.url.padEnd(28)} ${a.protocol === 'https' ? 'HTTP/2 over TLS (ALPN h2)' : 'h2c (prior knowledge)'}, HTTP/1.1 too`,
    );
  lines.push('try:');
  for (const a of addresses) {
    const url = reachableUrl(a);
    if (a.protocol === 'http') lines.push(`  curl --http2-prior-knowledge ${url}`);
    else lines.push(`  curl --http2${cacert === undefined ? '' : ` --cacert ${shellQuote(cacert)}`} ${url}`);
  }
  lines.push('Ctrl-C closes gracefully.');
  return lines;
}

function reachableUrl(a: ServerAddress): string {
  const host = a.hostname === '0.0.0.0' ? '127.0.0.1' : a.hostname === '::' ? '[::1]' : undefined;
  return host === undefined ? a.url : `${a.protocol}://${host}:${a.port}/`;
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", "'\\''")}'`;
}
