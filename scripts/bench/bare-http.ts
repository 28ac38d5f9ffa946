import { createServer } from 'node:http';

/**
 * The anchor of the API figures: a bare node:http server answering every request with a fixed JSON body (the
 * size of the endpoint's real answer). Prints `port <n>` once it listens; ends on SIGTERM.
 *   node scripts/bench/bare-http.ts <body-bytes>
 */
const size = Number(process.argv[2] ?? 1000);
const body = Buffer.from(JSON.stringify({ items: 'x'.repeat(Math.max(0, size - 13)) }));
const server = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length });
  res.end(body);
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`port ${typeof address === 'object' && address ? address.port : 0}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
