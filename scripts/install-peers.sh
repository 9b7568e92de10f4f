#!/usr/bin/env bash
# Installs the real HTTP/2 peers the interop tests talk to (curl, nghttp, h2load, nghttpd, chromium,
# haproxy: the load-balancer test of test/cluster-haproxy.test.ts)
# and openssl (development certificates)
# when they are missing and we may use apt (root on Debian). Elsewhere it only says what is missing.
set -u
need=()
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v nghttp >/dev/null 2>&1 || need+=(nghttp2-client)
command -v nghttpd >/dev/null 2>&1 || need+=(nghttp2-server)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v haproxy >/dev/null 2>&1 || need+=(haproxy)
command -v openssl >/dev/null 2>&1 || need+=(openssl) # the development certificate of examples/hello
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing interop peers: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
else
  echo "interop peers missing (install them to run the interop tests): ${need[*]}" >&2
fi
