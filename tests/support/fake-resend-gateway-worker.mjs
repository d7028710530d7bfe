// The fake provider's gateway, in a thread of its own (started by fake-resend-gateway.ts). It counts each
// request against the rate limit the moment it arrives, as Resend's gateway does at its edge, and passes it
// on to the fake with the verdict in an `x-fake-gateway` header. The fake itself is one event loop that
// spends tens of milliseconds parsing, validating and hashing each 5 MB batch; a request arriving meanwhile
// would be counted only when that work ends, and the next one on time: two requests that left the sender
// 100 ms apart could be counted 10 ms apart. Plain JavaScript: a worker thread does not get tsx's loader.
import http from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';
import { SlidingWindow } from './sliding-window.mjs';

const { upstreamPort, apiKey } = workerData;
let rate = workerData.rate; // { limit, windowMs } or null
let windows = new Map();

// Headers that belong to one connection, not to the request; and the verdict header, which only this
// gateway may set.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection', 'upgrade', 'te', 'trailer', 'x-fake-gateway']);
const pass = (headers) => Object.fromEntries(Object.entries(headers).filter(([k]) => !HOP_BY_HOP.has(k)));

parentPort.on('message', (message) => {
  if (message.op === 'setRate') {
    rate = message.rate;
    windows = new Map();
  }
  parentPort.postMessage({ ack: message.id });
});

const agent = new http.Agent({ keepAlive: true });

const server = http.createServer((req, res) => {
  const at = Date.now();
  const headers = pass(req.headers);
  const path = (req.url ?? '/').split('?')[0].replace(/(.)\/+$/, '$1');
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  // Counted as the fake would count it: sending requests with an accepted key (401/403 are not counted).
  if (rate && req.method === 'POST' && (path === '/emails' || path === '/emails/batch') && bearer && (apiKey === undefined || bearer[1] === apiKey)) {
    let window = windows.get(bearer[1]);
    if (!window) windows.set(bearer[1], (window = new SlidingWindow()));
    headers['x-fake-gateway'] = JSON.stringify({ at, ...window.hit(at, rate.limit, rate.windowMs) });
  }
  const upstream = http.request({ host: '127.0.0.1', port: upstreamPort, method: req.method, path: req.url, headers, agent }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, pass(answer.headers));
    answer.pipe(res);
    answer.on('aborted', () => res.destroy());
  });
  // The fake dropped the connection (a 'drop' fault, or accept-then-drop): the client's drops too.
  upstream.on('error', () => req.socket.destroy());
  req.on('error', () => upstream.destroy());
  // The client gave up (its timeout): so does the request to the fake.
  res.on('close', () => {
    if (!res.writableFinished) upstream.destroy();
  });
  req.pipe(upstream);
});
server.keepAliveTimeout = 10_000;
server.listen(workerData.port, '127.0.0.1', () => parentPort.postMessage({ listening: server.address().port }));
