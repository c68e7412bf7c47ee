#!/usr/bin/env python3
"""The wsbench protocol (docs/PROTOCOL.md) for the ticker feed, served by Tornado.

A third-party server for `wsbench run SCENARIO --target URL`: short polling, long polling,
Server-Sent Events and a WebSocketHandler, written as the Tornado guides write them (the
chat demo's long polling on a Condition, a RequestHandler that flushes an event stream).
It publishes its own ticker at --rate events/s on a fixed schedule, each event stamped
with its intended instant `ts` (ns since the epoch), and keeps the latest --history events
for `since` / `Last-Event-ID`. `GET /stats?from_ns=A&to_ns=B` answers the wsbench window
(first_seq, last_seq, events, late_events, max_late_us) so that what it published is
known. It listens on 127.0.0.1 only and prints `listening on http://127.0.0.1:PORT`.

    python3 scripts/tornado_server.py --port 0 --rate 20

Install with scripts/targets/install.sh tornado (a venv under target/external/).
"""

import argparse
import asyncio
import collections
import json
import random
import sys
import time

import tornado.httpserver
import tornado.iostream
import tornado.locks
import tornado.netutil
import tornado.web
import tornado.websocket

# An event later than this after its intended instant counts as late (as wsbench's own).
LATE_TOLERANCE_US = 5000
SSE_KEEPALIVE_S = 15.0
MAX_TIMEOUT_MS = 600000


class Feed:
    """The ticker: its history, the streams it pushes to, and the long polls it wakes."""

    def __init__(self, rate, history, symbols, seed):
        self.rate = rate
        self.history = collections.deque(maxlen=history)  # (seq, ts, late_us, json)
        self.last_seq = 0
        self.changed = tornado.locks.Condition()
        self.streams = set()  # SSE handlers' queues and WebSocket handlers
        rng = random.Random(seed)
        self.rng = rng
        self.symbols = []
        for _ in range(symbols):
            name = "".join(chr(65 + rng.randrange(26)) for _ in range(3 + rng.randrange(2)))
            self.symbols.append([name, 1000 + rng.randrange(49000)])

    def next_json(self, seq, ts):
        sym = self.symbols[self.rng.randrange(len(self.symbols))]
        step = max(sym[1] // 200, 1)
        sym[1] = max(sym[1] + self.rng.randrange(2 * step + 1) - step, 100)
        return '{"seq":%d,"ts":%d,"sym":"%s","px":%d.%02d}' % (
            seq, ts, sym[0], sym[1] // 100, sym[1] % 100)

    def publish(self, ts):
        self.last_seq += 1
        late_us = max(time.time_ns() - ts, 0) // 1000
        event = self.next_json(self.last_seq, ts)
        self.history.append((self.last_seq, ts, late_us, event))
        for stream in list(self.streams):
            stream.push(self.last_seq, event)
        self.changed.notify_all()

    async def run(self):
        """Event k is due at start + k / rate; its ts is that instant on the wall clock."""
        start_mono = time.monotonic_ns()
        start_wall = time.time_ns()
        k = 0
        while True:
            k += 1
            offset = round(k * 1e9 / self.rate)
            delay = (start_mono + offset - time.monotonic_ns()) / 1e9
            if delay > 0:
                await asyncio.sleep(delay)
            self.publish(start_wall + offset)

    def newer_than(self, since):
        """The events after `since`, or None when `since + 1` is no longer held (410)."""
        if not self.history or since >= self.last_seq:
            return []
        if since + 1 < self.history[0][0]:
            return None
        # From the newest back: a request costs what it answers, not the whole history.
        newer = []
        for event in reversed(self.history):
            if event[0] <= since:
                break
            newer.append(event[3])
        newer.reverse()
        return newer

    def oldest(self):
        return self.history[0][0] if self.history else self.last_seq + 1


def parse_whole(value, name):
    if value is None:
        return None
    if not value.isdigit():
        raise tornado.web.HTTPError(400, reason="malformed `%s`" % name)
    return int(value)


class BaseHandler(tornado.web.RequestHandler):
    def initialize(self, feed):
        self.feed = feed

    def set_default_headers(self):
        self.set_header("Cache-Control", "no-store")

    def compute_etag(self):
        # The protocol sends no ETag (a poll answer is never revalidated).
        return None

    def write_error(self, status_code, **kwargs):
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"error": self._reason}) + "\n")

    def since(self):
        return parse_whole(self.get_query_argument("since", None), "since")

    def answer(self, since):
        """Writes a poll answer; False when there is nothing to answer yet."""
        if since is None:
            if not self.feed.history:
                return False
            events = [self.feed.history[-1][3]]
        else:
            events = self.feed.newer_than(since)
            if events is None:
                self.set_status(410)
                self.set_header("Content-Type", "application/json")
                self.finish(json.dumps({"error": "since=%d is older than the retained history"
                                        % since, "oldest": self.feed.oldest()}))
                return True
            if not events:
                return False
        self.set_header("Content-Type", "application/json")
        self.finish('{"seq":%d,"events":[%s]}' % (self.feed.last_seq, ",".join(events)))
        return True


class PollHandler(BaseHandler):
    def get(self):
        if not self.answer(self.since()):
            self.set_status(204)
            self.finish()


class LongPollHandler(BaseHandler):
    """The chat demo's pattern: wait on a Condition until there is news or the timeout."""

    async def get(self):
        since = self.since()
        timeout_ms = parse_whole(self.get_query_argument("timeout_ms", None), "timeout_ms")
        timeout_ms = 30000 if timeout_ms is None else timeout_ms
        if timeout_ms > MAX_TIMEOUT_MS:
            raise tornado.web.HTTPError(400, reason="timeout_ms=%d is too long" % timeout_ms)
        deadline = time.monotonic() + timeout_ms / 1000
        while not self.answer(since):
            if since is None and not self.feed.history:
                since = 0
            left = deadline - time.monotonic()
            if left <= 0 or self.request.connection.stream.closed():
                self.set_status(204)
                self.finish()
                return
            await self.feed.changed.wait(timeout=left)


class SseStream:
    """One event stream's queue: the feed pushes, the handler writes."""

    def __init__(self):
        self.queue = asyncio.Queue()

    def push(self, seq, event):
        self.queue.put_nowait("id: %d\ndata: %s\n\n" % (seq, event))


class SseHandler(BaseHandler):
    async def get(self):
        resume = parse_whole(self.request.headers.get("Last-Event-ID"), "Last-Event-ID")
        if resume is None:
            resume = self.since()
        backlog = [] if resume is None else self.feed.newer_than(resume)
        if backlog is None:
            raise tornado.web.HTTPError(410, reason="since=%d is older than the retained history"
                                        % resume)
        self.request.connection.stream.set_nodelay(True)
        self.set_header("Content-Type", "text/event-stream")
        stream = SseStream()
        first = self.feed.last_seq - len(backlog) + 1
        for offset, event in enumerate(backlog):
            stream.push(first + offset, event)
        self.feed.streams.add(stream)
        self.stream_queue = stream
        try:
            await self.flush()
            while not self.request.connection.stream.closed():
                try:
                    message = await asyncio.wait_for(stream.queue.get(), SSE_KEEPALIVE_S)
                except asyncio.TimeoutError:
                    message = ": keep-alive\n\n"
                # Everything already queued goes out in one write.
                parts = [message]
                while not stream.queue.empty():
                    parts.append(stream.queue.get_nowait())
                self.write("".join(parts))
                await self.flush()
        except tornado.iostream.StreamClosedError:
            pass
        finally:
            self.feed.streams.discard(stream)

    def on_connection_close(self):
        stream = getattr(self, "stream_queue", None)
        if stream is not None:
            self.feed.streams.discard(stream)
            # Wakes the loop, whose next write fails and ends it.
            stream.queue.put_nowait("")


class WsHandler(tornado.websocket.WebSocketHandler):
    def initialize(self, feed):
        self.feed = feed

    def check_origin(self, origin):
        # The protocol does not check Origin (wsbench's browser profile sends one).
        return True

    def open(self):
        self.set_nodelay(True)
        since = parse_whole(self.get_query_argument("since", None), "since")
        backlog = [] if since is None else self.feed.newer_than(since)
        for event in backlog or []:
            self.write_message(event)
        self.feed.streams.add(self)

    def push(self, seq, event):
        try:
            self.write_message(event)
        except tornado.websocket.WebSocketClosedError:
            self.feed.streams.discard(self)

    def on_message(self, message):
        pass  # counted nowhere: a ticker takes nothing from clients

    def on_close(self):
        self.feed.streams.discard(self)


class StatsHandler(BaseHandler):
    def get(self):
        feed = self.feed
        reply = {"events_published": feed.last_seq, "last_seq": feed.last_seq}
        from_ns = parse_whole(self.get_query_argument("from_ns", None), "from_ns")
        to_ns = parse_whole(self.get_query_argument("to_ns", None), "to_ns")
        if from_ns is not None and to_ns is not None:
            inside = [e for e in feed.history if from_ns <= e[1] <= to_ns]
            if feed.history and feed.history[0][1] > from_ns and feed.history[0][0] > 1:
                reply["window"] = {"first_seq": None, "last_seq": None, "events": None,
                                   "late_events": None, "max_late_us": None,
                                   "error": "the window starts before the oldest event held"}
            else:
                reply["window"] = {
                    "first_seq": inside[0][0] if inside else 0,
                    "last_seq": inside[-1][0] if inside else 0,
                    "events": len(inside),
                    "late_events": sum(1 for e in inside if e[2] > LATE_TOLERANCE_US),
                    "max_late_us": max((e[2] for e in inside), default=0),
                }
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(reply, sort_keys=True) + "\n")


def make_app(feed):
    args = dict(feed=feed)
    return tornado.web.Application([
        (r"/poll", PollHandler, args),
        (r"/longpoll", LongPollHandler, args),
        (r"/sse", SseHandler, args),
        (r"/ws", WsHandler, args),
        (r"/stats", StatsHandler, args),
    ], websocket_ping_interval=15)


async def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=9000)
    parser.add_argument("--rate", type=float, default=20.0, help="events per second")
    parser.add_argument("--symbols", type=int, default=40)
    parser.add_argument("--history", type=int, default=100000)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    if args.rate <= 0:
        parser.error("--rate must be above 0")
    feed = Feed(args.rate, args.history, args.symbols, args.seed)
    # Loopback only: the server has no authentication.
    sockets = tornado.netutil.bind_sockets(args.port, "127.0.0.1", backlog=8192)
    server = tornado.httpserver.HTTPServer(make_app(feed), idle_connection_timeout=3600)
    server.add_sockets(sockets)
    print("listening on http://127.0.0.1:%d" % sockets[0].getsockname()[1], flush=True)
    await feed.run()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
