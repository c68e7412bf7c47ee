#!/usr/bin/env python3
"""Records real exchanges with nginx + Nchan for the nchan dialect's tests
(tests/fixtures/dialects/nchan/): each request and each answer exactly as on the wire.

    scripts/targets/nchan/record-fixtures.py http://127.0.0.1:PORT [DIR]

against a server started by scripts/targets/nchan/start.sh. It publishes events shaped as
wsbench's (`{"seq":N,"ts":N,...}`) to /pub itself, so the fixtures hold known seqs.
Standard library only; loopback only."""

import base64
import json
import os
import socket
import sys
import time
from urllib.parse import urlparse

TIMEOUT = 5.0


def connect(addr):
    return socket.create_connection(addr, timeout=TIMEOUT)


def read_answer(sock):
    """One HTTP/1.1 answer with a Content-Length (or none: a 304), as raw bytes."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise RuntimeError(f"closed mid-head: {data!r}")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise RuntimeError("closed mid-body")
        body += chunk
    return head + b"\r\n\r\n" + body


def header(answer, name):
    for line in answer.split(b"\r\n\r\n")[0].split(b"\r\n")[1:]:
        key, _, value = line.partition(b":")
        if key.strip().lower() == name.lower().encode():
            return value.strip().decode()
    return None


class Recorder:
    def __init__(self, base, out):
        url = urlparse(base)
        self.addr = (url.hostname, url.port)
        self.host = f"{url.hostname}:{url.port}"
        self.out = out
        self.seq = 0

    def save(self, name, data):
        with open(os.path.join(self.out, name), "wb") as f:
            f.write(data)

    def publish(self, count):
        """POSTs `count` events, each acknowledged before the next."""
        with connect(self.addr) as sock:
            for _ in range(count):
                self.seq += 1
                body = json.dumps(
                    {"seq": self.seq, "ts": 1_700_000_000_000_000_000 + self.seq, "sym": "A"},
                    separators=(",", ":"),
                ).encode()
                sock.sendall(
                    b"POST /pub HTTP/1.1\r\nhost: " + self.host.encode()
                    + b"\r\ncontent-type: application/json\r\ncontent-length: "
                    + str(len(body)).encode() + b"\r\n\r\n" + body
                )
                read_answer(sock)

    def get(self, sock, path, validators=None, extra=b""):
        request = b"GET " + path.encode() + b" HTTP/1.1\r\nhost: " + self.host.encode() + b"\r\n"
        if validators:
            modified, etag = validators
            request += b"if-modified-since: " + modified.encode() + b"\r\n"
            request += b"if-none-match: " + etag.encode() + b"\r\n"
        request += extra + b"\r\n"
        sock.sendall(request)
        return request

    def exchange(self, sock, name, path, validators=None):
        """One request and its answer, saved as NAME.request / NAME.response; returns the
        answer's validators."""
        self.save(f"{name}.request", self.get(sock, path, validators))
        answer = read_answer(sock)
        self.save(f"{name}.response", answer)
        return header(answer, "last-modified"), header(answer, "etag")

    def empty_channel(self):
        with connect(self.addr) as sock:
            sock.sendall(b"DELETE /pub HTTP/1.1\r\nhost: " + self.host.encode() + b"\r\n\r\n")
            read_answer(sock)

    def interval_poll(self):
        """A first poll (the newest message), two queued messages answered one per poll,
        then nothing new (304)."""
        with connect(self.addr) as sock:
            self.publish(1)
            validators = self.exchange(sock, "poll-1-first", "/sub/poll")
            self.publish(2)
            validators = self.exchange(sock, "poll-2-queued", "/sub/poll", validators)
            validators = self.exchange(sock, "poll-3-queued", "/sub/poll", validators)
            self.exchange(sock, "poll-4-nothing", "/sub/poll", validators)

    def long_poll(self):
        with connect(self.addr) as sock:
            self.save("longpoll-1-first.request", self.get(sock, "/sub/longpoll"))
            time.sleep(0.3)  # held: no message yet
            self.publish(3)
            answer = read_answer(sock)
            self.save("longpoll-1-first.response", answer)
            validators = (header(answer, "last-modified"), header(answer, "etag"))
            validators = self.exchange(sock, "longpoll-2-queued", "/sub/longpoll", validators)
            self.exchange(sock, "longpoll-3-queued", "/sub/longpoll", validators)

    def stream(self, name, path, extra):
        """The bytes a streaming subscriber reads while 3 events are published."""
        with connect(self.addr) as sock:
            self.save(f"{name}.request", self.get(sock, path, extra=extra))
            time.sleep(0.3)
            self.publish(3)
            time.sleep(0.3)
            sock.settimeout(0.5)
            data = b""
            try:
                while True:
                    chunk = sock.recv(65536)
                    if not chunk:
                        break
                    data += chunk
            except socket.timeout:
                pass
            self.save(f"{name}.response", data)

    def record(self):
        self.empty_channel()
        self.interval_poll()
        self.long_poll()
        self.stream("sse", "/sub/sse", b"accept: text/event-stream\r\n")
        key = base64.b64encode(b"wsbench-fixture!").decode()
        self.stream(
            "ws",
            "/sub/ws",
            b"upgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-version: 13\r\n"
            + b"sec-websocket-key: " + key.encode() + b"\r\n",
        )


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(
        os.path.dirname(__file__), "../../../tests/fixtures/dialects/nchan")
    os.makedirs(out, exist_ok=True)
    Recorder(sys.argv[1], out).record()
    print(f"recorded into {os.path.normpath(out)}")


if __name__ == "__main__":
    main()
