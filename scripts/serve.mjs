/**
 * Paidline's HTTP server: Next.js behind a plain Node.js server that knows the socket.
 *
 * Next.js hides the client's socket address from proxy and route code, so rate limits and the
 * audit log had only X-Forwarded-For, which anyone can send. This server stamps every request with
 * the socket address and a token that lives only in this process (lib/server/http/client-ip.ts
 * accepts no stamp without it), then hands the request to Next.js unchanged.
 *
 * Plain JavaScript on purpose: it runs with `node` alone, from an `npm ci --omit=dev` install.
 *   node scripts/serve.mjs [--dev] [-p PORT] [-H HOSTNAME]
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import next from 'next';

process.env.NEXT_TELEMETRY_DISABLED = '1';

const args = process.argv.slice(2);
function option(names, fallback) {
  const at = args.findIndex((a) => names.includes(a));
  return at >= 0 && args[at + 1] ? args[at + 1] : fallback;
}
const dev = args.includes('--dev');
const port = Number(option(['-p', '--port'], process.env.PORT ?? '3000'));
const hostname = option(['-H', '--hostname'], process.env.HOSTNAME || undefined);

const PEER_HEADER = 'x-paidline-peer';
const token = randomBytes(24).toString('base64url');
process.env.PAIDLINE_PEER_TOKEN = token;

const app = next({ dev, port, hostname, dir: process.cwd() });
await app.prepare();
const handle = app.getRequestHandler();

const server = createServer((req, res) => {
  // Whatever the client sent under this name is replaced: only this process knows the token.
  req.headers[PEER_HEADER] = `${token} ${req.socket.remoteAddress ?? ''}`;
  handle(req, res).catch((error) => {
    console.error(JSON.stringify({ level: 50, msg: 'request failed', err: String(error?.stack ?? error) }));
    if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('Internal error');
  });
});
if (dev) server.on('upgrade', app.getUpgradeHandler());

// Requests Node's parser refuses before any code sees them (headers too large, malformed): answered
// plainly, and a webhook delivery among them is reported to the app so its source shows the attempt.
server.on('clientError', (error, socket) => {
  const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
  const reason = status === 431 ? 'Request Header Fields Too Large' : 'Bad Request';
  if (socket.writable) socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  else socket.destroy();
  const head = error.rawPacket ? error.rawPacket.subarray(0, 512).toString('latin1') : '';
  const match = /^[A-Z]+ (\/api\/webhooks\/[A-Za-z0-9_-]{1,64})[ ?]/.exec(head);
  if (match) reportRefusedWebhook(match[1], status, socket.remoteAddress ?? '');
});

/** At most one report per webhook path a minute: a flood of malformed requests is not a flood of rows. */
const reported = new Map();
function reportRefusedWebhook(path, status, address) {
  const now = Date.now();
  if ((reported.get(path) ?? 0) > now - 60_000) return;
  reported.set(path, now);
  if (reported.size > 1000) reported.clear();
  const bound = server.address();
  const host = !bound || typeof bound === 'string' || bound.address === '::' || bound.address === '0.0.0.0' ? '127.0.0.1' : bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  fetch(`http://${host}:${port}${path}`, {
    method: 'POST',
    headers: { 'x-paidline-refused': `${token} ${status} ${address}` },
  }).catch(() => {});
}

const stop = () => {
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 5_000).unref();
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

server.listen(port, hostname, () => {
  console.log(`▲ Paidline ready on http://${hostname ?? 'localhost'}:${port}${dev ? ' (development)' : ''}`);
});
