// The wsbench protocol (docs/PROTOCOL.md) for the ticker feed, served by Node: the npm
// `ws` package's WebSocketServer for /ws (in noServer mode, on the upgrade event of a plain
// `http` server), and that http server for /poll, /longpoll, /sse and /stats.
//
// A third-party server for `wsbench run SCENARIO --target URL`. It publishes its own
// ticker at --rate events/s on a fixed schedule, each event stamped with its intended
// instant `ts` (ns since the epoch, a BigInt: JSON.parse would lose its last digits), keeps
// the latest --history events for `since` / `Last-Event-ID`, and answers the wsbench
// `/stats` window. It listens on 127.0.0.1 only and prints `listening on http://ADDR`.
//
//   WSBENCH_NODE_MODULES=target/external/node/node_modules node scripts/node_server.mjs --port 0 --rate 20
//
// Install `ws` with scripts/targets/install.sh node.

import http from "node:http";
import path from "node:path";
import { createRequire } from "node:module";
import { parseArgs } from "node:util";

// `ws` lives in the project's cache (not beside this script): resolve it from there.
const modules = process.env.WSBENCH_NODE_MODULES ?? "node_modules";
const require = createRequire(path.resolve(modules, "..", "package.json"));
const { WebSocketServer } = require("ws");

const LATE_TOLERANCE_US = 5000;
const SSE_KEEPALIVE_MS = 15000;
const WS_PING_MS = 15000;
const MAX_TIMEOUT_MS = 600000;

const { values: opts } = parseArgs({
  options: {
    port: { type: "string", default: "9000" },
    rate: { type: "string", default: "20" },
    symbols: { type: "string", default: "40" },
    history: { type: "string", default: "100000" },
    seed: { type: "string", default: "42" },
  },
});
const rate = Number(opts.rate);
if (!(rate > 0)) {
  console.error("--rate must be above 0");
  process.exit(2);
}
const historyCap = Number(opts.history);

// A small seeded generator (mulberry32): the payloads look like wsbench's ticker.
let rngState = Number(opts.seed) >>> 0;
function below(n) {
  rngState = (rngState + 0x6d2b79f5) >>> 0;
  let t = rngState;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
}
const symbols = [];
for (let i = 0; i < Number(opts.symbols); i++) {
  let name = "";
  for (let j = 0, len = 3 + below(2); j < len; j++) name += String.fromCharCode(65 + below(26));
  symbols.push({ name, cents: 1000 + below(49000) });
}

// The feed: a ring of the latest events, the streams it pushes to, the long polls it wakes.
const history = []; // {seq, ts (BigInt), lateUs, json}
let lastSeq = 0;
const streams = new Set(); // functions (seq, json) => void
let waiters = [];

function newerThan(since) {
  if (history.length === 0 || since >= lastSeq) return [];
  const oldest = history[0].seq;
  if (since + 1 < oldest) return null;
  return history.slice(since + 1 - oldest).map((e) => e.json);
}

function publish(ts) {
  lastSeq += 1;
  const s = symbols[below(symbols.length)];
  const step = Math.max(Math.floor(s.cents / 200), 1);
  s.cents = Math.max(s.cents + below(2 * step + 1) - step, 100);
  const px = `${Math.floor(s.cents / 100)}.${String(s.cents % 100).padStart(2, "0")}`;
  const json = `{"seq":${lastSeq},"ts":${ts},"sym":"${s.name}","px":${px}}`;
  const lateUs = Number((wallNs() - ts) / 1000n);
  history.push({ seq: lastSeq, ts, lateUs: Math.max(lateUs, 0), json });
  if (history.length > historyCap) history.shift();
  for (const push of streams) push(lastSeq, json);
  const woken = waiters;
  waiters = [];
  for (const wake of woken) wake();
}

// Node's wall clock (Date.now) counts milliseconds; the monotonic clock, nanoseconds. The
// two are tied at the instant Date.now() ticks to a new millisecond, caught by spinning,
// so that `ts` is on CLOCK_REALTIME to within microseconds (a client's latency is its
// receive instant minus ts: an offset of a millisecond would be the whole measurement).
function tieClocks() {
  const before = Date.now();
  let now = before;
  while (now === before) now = Date.now();
  return [process.hrtime.bigint(), BigInt(now) * 1000000n];
}
const [startMono, startWall] = tieClocks();

function wallNs() {
  return startWall + (process.hrtime.bigint() - startMono);
}

// Event k is due at start + k / rate; its ts is that instant on the wall clock.
let k = 0;
function schedule() {
  k += 1;
  const offset = BigInt(Math.round((k * 1e9) / rate));
  const delayMs = Number(startMono + offset - process.hrtime.bigint()) / 1e6;
  setTimeout(() => {
    publish(startWall + offset);
    schedule();
  }, Math.max(delayMs, 0));
}

const HEADERS = { "Cache-Control": "no-store" };

function json(res, status, body) {
  res.writeHead(status, { ...HEADERS, "Content-Type": "application/json" });
  res.end(body);
}

function error(res, status, reason, extra = {}) {
  json(res, status, JSON.stringify({ error: reason, ...extra }) + "\n");
}

// A whole number, absent (undefined), or NaN for anything else.
function whole(value) {
  if (value === null || value === undefined) return undefined;
  return /^[0-9]+$/.test(value) ? Number(value) : NaN;
}

// Answers a poll; false when there is nothing to answer yet.
function answer(res, since) {
  let events;
  if (since === undefined) {
    if (history.length === 0) return false;
    events = [history[history.length - 1].json];
  } else {
    events = newerThan(since);
    if (events === null) {
      error(res, 410, `since=${since} is older than the retained history`, { oldest: history[0].seq });
      return true;
    }
    if (events.length === 0) return false;
  }
  json(res, 200, `{"seq":${lastSeq},"events":[${events.join(",")}]}`);
  return true;
}

function poll(res, since) {
  if (!answer(res, since)) {
    res.writeHead(204, HEADERS);
    res.end();
  }
}

function longpoll(req, res, since, timeoutMs) {
  if (answer(res, since)) return;
  if (since === undefined) since = 0;
  let done = false;
  const timer = setTimeout(() => {
    done = true;
    res.writeHead(204, HEADERS);
    res.end();
  }, timeoutMs);
  const wake = () => {
    if (done) return;
    if (answer(res, since)) {
      done = true;
      clearTimeout(timer);
    } else {
      waiters.push(wake);
    }
  };
  waiters.push(wake);
  req.on("close", () => {
    done = true;
    clearTimeout(timer);
  });
}

function sse(req, res, since) {
  const header = whole(req.headers["last-event-id"]);
  if (Number.isNaN(header)) return error(res, 400, "malformed `Last-Event-ID`");
  const resume = header ?? since;
  const backlog = resume === undefined ? [] : newerThan(resume);
  if (backlog === null) return error(res, 410, `since=${resume} is older than the retained history`);
  res.writeHead(200, { ...HEADERS, "Content-Type": "text/event-stream" });
  res.flushHeaders();
  let keepalive;
  const idle = () => {
    clearTimeout(keepalive);
    keepalive = setTimeout(() => push(null), SSE_KEEPALIVE_MS);
  };
  const push = (seq, json) => {
    res.write(seq === null ? ": keep-alive\n\n" : `id: ${seq}\ndata: ${json}\n\n`);
    idle();
  };
  const first = lastSeq - backlog.length + 1;
  backlog.forEach((json, i) => push(first + i, json));
  streams.add(push);
  idle();
  req.on("close", () => {
    streams.delete(push);
    clearTimeout(keepalive);
  });
}

function stats(res, query) {
  const reply = { events_published: lastSeq, last_seq: lastSeq };
  const from = query.get("from_ns");
  const to = query.get("to_ns");
  if (from !== null && to !== null && /^[0-9]+$/.test(from) && /^[0-9]+$/.test(to)) {
    const [a, b] = [BigInt(from), BigInt(to)];
    const inside = history.filter((e) => e.ts >= a && e.ts <= b);
    if (history.length > 0 && history[0].ts > a && history[0].seq > 1) {
      reply.window = {
        first_seq: null, last_seq: null, events: null, late_events: null, max_late_us: null,
        error: "the window starts before the oldest event held",
      };
    } else {
      reply.window = {
        first_seq: inside.length ? inside[0].seq : 0,
        last_seq: inside.length ? inside[inside.length - 1].seq : 0,
        events: inside.length,
        late_events: inside.filter((e) => e.lateUs > LATE_TOLERANCE_US).length,
        max_late_us: inside.reduce((m, e) => Math.max(m, e.lateUs), 0),
      };
    }
  }
  json(res, 200, JSON.stringify(reply) + "\n");
}

const server = http.createServer({ noDelay: true, keepAliveTimeout: 60000 }, (req, res) => {
  const url = new URL(req.url, "http://localhost");
  const since = whole(url.searchParams.get("since"));
  if (Number.isNaN(since)) return error(res, 400, "malformed `since`");
  switch (url.pathname) {
    case "/poll":
      return poll(res, since);
    case "/longpoll": {
      const timeout = whole(url.searchParams.get("timeout_ms")) ?? 30000;
      if (Number.isNaN(timeout) || timeout > MAX_TIMEOUT_MS) return error(res, 400, "bad `timeout_ms`");
      return longpoll(req, res, since, timeout);
    }
    case "/sse":
      return sse(req, res, since);
    case "/stats":
      return stats(res, url.searchParams);
    default:
      return error(res, 404, `no such path \`${url.pathname}\``);
  }
});
// Long polls and streams are held open: no request timeout.
server.requestTimeout = 0;

const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 64 * 1024 });
server.on("upgrade", (req, socket, head) => {
  const url = new URL(req.url, "http://localhost");
  const since = whole(url.searchParams.get("since"));
  if (url.pathname !== "/ws" || Number.isNaN(since)) {
    socket.end("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    return;
  }
  wss.handleUpgrade(req, socket, head, (ws) => {
    const push = (_seq, json) => ws.send(json);
    for (const json of since === undefined ? [] : newerThan(since) ?? []) ws.send(json);
    streams.add(push);
    const ping = setInterval(() => ws.ping(), WS_PING_MS);
    ws.on("close", () => {
      streams.delete(push);
      clearInterval(ping);
    });
    ws.on("error", () => streams.delete(push));
  });
});

// Loopback only: the server has no authentication.
server.listen({ port: Number(opts.port), host: "127.0.0.1", backlog: 8192 }, () => {
  const { address, port } = server.address();
  console.log(`listening on http://${address}:${port}`);
  schedule();
});
process.on("SIGTERM", () => process.exit(0));
