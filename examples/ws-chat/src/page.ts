/**
 * The chat page. It opens `wss://<same origin>/chat`: after loading over HTTP/2, Chromium and
 * Firefox reuse that connection with extended CONNECT (RFC 8441); over HTTP/1.1 they send an
 * Upgrade. The server's first message says which one it got, shown at the top.
 */
export const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>h2tubes ws-chat</title>
<style>
  body { font: 16px system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; }
  #log { list-style: none; padding: 0; }
  #log li { padding: .2rem 0; border-bottom: 1px solid #eee; }
  #transport { font-weight: bold; }
</style>
</head>
<body>
<h1>ws-chat</h1>
<p>Page: <span id="page-protocol"></span>; WebSocket: <span id="transport">connecting…</span></p>
<form id="form"><input id="text" autocomplete="off" placeholder="say something" autofocus> <button>Send</button></form>
<ul id="log"></ul>
<script type="module">
  const nav = performance.getEntriesByType('navigation')[0];
  document.getElementById('page-protocol').textContent = nav ? nav.nextHopProtocol : '?';
  const url = new URL('/chat', location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const ws = new WebSocket(url);
  const log = (text) => {
    const li = document.createElement('li');
    li.textContent = text;
    document.getElementById('log').prepend(li);
  };
  ws.onmessage = (e) => {
    const m = JSON.parse(e.data);
    if (m.type === 'welcome') document.getElementById('transport').textContent = m.transport;
    else log(m.text);
  };
  ws.onclose = (e) => (document.getElementById('transport').textContent = 'closed (' + e.code + ')');
  document.getElementById('form').onsubmit = (e) => {
    e.preventDefault();
    const input = document.getElementById('text');
    if (input.value !== '') ws.send(input.value);
    input.value = '';
  };
</script>
</body>
</html>
`;
